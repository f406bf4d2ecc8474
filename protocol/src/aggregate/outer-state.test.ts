import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../crypto/hash.js'
import { decodeOuterState, encodeOuterState, outerStateKey, outerStep } from './outer-step.js'

describe('outer optimiser state on the wire', () => {
  it('is served under a key derived from the policy hash (golden)', () => {
    expect(toHex(outerStateKey(new Uint8Array(32).fill(0x11)))).toMatchInlineSnapshot(
      `"8955082d369f0e27e5ae99551ed6288d4c0f6acb25a9e121e2163eacab201931"`,
    )
    expect(() => outerStateKey(new Uint8Array(31))).toThrow(/32 bytes, got 31/)
  })

  it('round-trips any finite float32 vector bit for bit, as little-endian values', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { maxLength: 64 }), (values) => {
        const m = Float32Array.from(values)
        const back = decodeOuterState(encodeOuterState(m), m.length)
        expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(m.buffer))
      }),
    )
    expect([...encodeOuterState(Float32Array.of(1, -2))]).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0])
  })

  it('refuses a wrong length and non-finite values', () => {
    expect(() => decodeOuterState(new Uint8Array(7), 2)).toThrow(/2 values is 8 bytes, got 7/)
    expect(() => decodeOuterState(encodeOuterState(Float32Array.of(0, Number.NaN)), 2)).toThrow(/value 1 is NaN/)
    expect(() => decodeOuterState(encodeOuterState(Float32Array.of(Number.POSITIVE_INFINITY)), 1)).toThrow(/value 0 is Infinity/)
  })

  it('carries exactly the momentum outerStep used: continuing from the decoded state reproduces θ', () => {
    const theta = Float32Array.from({ length: 16 }, (_, i) => Math.fround(Math.sin(i)))
    const u1 = Float32Array.from({ length: 16 }, (_, i) => Math.fround(0.01 * Math.cos(i)))
    const u2 = Float32Array.from({ length: 16 }, (_, i) => Math.fround(0.02 * Math.cos(3 * i)))
    const optimizer = { kind: 'nesterov', learningRate: 0.7, momentum: 0.9 } as const
    const one = outerStep({ theta, update: u1, optimizer })
    const two = outerStep({ theta: one.theta, update: u2, optimizer, momentum: one.momentum })
    const resumed = outerStep({
      theta: one.theta,
      update: u2,
      optimizer,
      momentum: decodeOuterState(encodeOuterState(one.momentum!), 16),
    })
    expect(resumed.theta).toEqual(two.theta)
    // and without the state, θ_{r+2} differs: a peer must carry it
    expect(outerStep({ theta: one.theta, update: u2, optimizer }).theta).not.toEqual(two.theta)
  })
})
