import { chacha20 } from '@noble/ciphers/chacha.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../crypto/hash.js'
import { createRng, deriveSeed, floatFromU32Pair, uniformAt } from './rng.js'

const seed = deriveSeed('test', 'rng')

describe('createRng', () => {
  it('is the RFC 8439 ChaCha20 keystream (section 2.4.2 key, zero nonce, block 0 of the zero-key stream)', () => {
    // RFC 8439 A.1 test vector #1: key = 0^32, nonce = 0^12, counter 0 → first word 0xade0b876 (LE 76 b8 e0 ad)
    const r = createRng(new Uint8Array(32))
    expect(r.nextU32().toString(16)).toBe('ade0b876')
    expect(r.nextU32().toString(16)).toBe('903df1a0')
  })

  it('is one keystream however it is chunked (growing refills up to 64 KiB, then whole chunks)', () => {
    const n = 300_000 // words: crosses every chunk size, then several 64 KiB chunks
    const nonce = new Uint8Array(12)
    new DataView(nonce.buffer).setBigUint64(4, 7n, true)
    const stream = chacha20(seed, nonce, new Uint8Array(4 * n))
    const dv = new DataView(stream.buffer)
    const r = createRng(seed, 7)
    for (let i = 0; i < n; i++) if (r.nextU32() !== dv.getUint32(4 * i, true)) expect.fail(`word ${i} differs from the keystream`)
  })

  it('gives the same stream for the same seed and independent streams per stream id', () => {
    const a = createRng(seed)
    const b = createRng(seed)
    const c = createRng(seed, 1)
    const xs = Array.from({ length: 3000 }, () => a.nextU32())
    expect(Array.from({ length: 3000 }, () => b.nextU32())).toEqual(xs)
    expect(Array.from({ length: 3000 }, () => c.nextU32())).not.toEqual(xs)
  })

  it('draws floats in [0,1) and bounded ints in range', () => {
    const r = createRng(seed)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 }), (n) => {
        const x = r.nextInt(n)
        const f = r.nextFloat()
        return Number.isInteger(x) && x >= 0 && x < n && f >= 0 && f < 1
      }),
    )
  })

  it('has a mean near 1/2 over many draws', () => {
    const r = createRng(seed)
    let s = 0
    for (let i = 0; i < 100_000; i++) s += r.nextFloat()
    expect(Math.abs(s / 100_000 - 0.5)).toBeLessThan(0.01)
  })

  it('rejects a seed that is not 32 bytes', () => {
    expect(() => createRng(new Uint8Array(31))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: A seed must be 32 bytes, got 31.]`,
    )
  })
})

describe('uniformAt', () => {
  it('is pinned (golden vector)', () => {
    expect(uniformAt(seed, [0, 0])).toMatchInlineSnapshot(`0.5819980341366722`)
    expect(uniformAt(seed, [3, 17])).toMatchInlineSnapshot(`0.37275300185085036`)
  })

  it('depends on every index and on the arity', () => {
    expect(uniformAt(seed, [1, 2])).not.toBe(uniformAt(seed, [2, 1]))
    expect(uniformAt(seed, [1])).not.toBe(uniformAt(seed, [1, 0]))
  })

  it('maps the extreme words to the ends of [0,1)', () => {
    expect(floatFromU32Pair(0, 0)).toBe(0)
    expect(floatFromU32Pair(0xffffffff, 0xffffffff)).toBe(1 - 2 ** -53)
  })
})

describe('deriveSeed', () => {
  it('is pinned (golden vector)', () => {
    expect(toHex(deriveSeed('murmur/test', new Uint8Array([1, 2]), 'x', 7, 9n))).toMatchInlineSnapshot(
      `"7487a668267566f803fe172849eccfe01289ece8cbb12d527f9c601c9c46e634"`,
    )
  })

  it('separates part kinds and boundaries', () => {
    const h = (...p: Parameters<typeof deriveSeed>) => toHex(deriveSeed(...p))
    expect(h('d', 'ab')).not.toBe(h('d', 'a', 'b'))
    expect(h('d', 1)).not.toBe(h('d', 1n))
    expect(h('d', '1')).not.toBe(h('d', 1))
  })
})
