import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareBytes, concatBytes, fromHex, toHex0x } from './bytes.js'
import { ByteReader } from './reader.js'
import { ByteWriter } from './writer.js'

describe('ByteWriter / ByteReader', () => {
  it('writes fixed-width little-endian integers', () => {
    const b = new ByteWriter().u8('a', 1).u16('b', 0x0203).u32('c', 0x04050607).u64('d', 0x08090a0b0c0d0e0fn).finish()
    expect(toHex0x(b)).toBe('0x010302070605040f0e0d0c0b0a0908')
    const r = new ByteReader(b, 'T')
    expect([r.u8('a'), r.u16('b'), r.u32('c'), r.u64('d')]).toEqual([1, 0x0203, 0x04050607, 0x08090a0b0c0d0e0fn])
    r.end()
  })

  it('round-trips every field kind', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffffffff }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        fc.float({ noNaN: true, noDefaultInfinity: true }),
        fc.uint8Array({ maxLength: 50 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        (u32, u64, u256, f32, bytes, text) => {
          const b = new ByteWriter()
            .u32('a', u32)
            .u64('b', u64)
            .u256('c', u256)
            .f32('d', f32)
            .bytes('e', bytes, 50)
            .string('f', text, 200)
            .finish()
          const r = new ByteReader(b, 'T')
          expect(r.u32('a')).toBe(u32)
          expect(r.u64('b')).toBe(u64)
          expect(r.u256('c')).toBe(u256)
          expect(r.f32('d')).toBe(f32 === 0 ? 0 : f32)
          expect(r.bytesField('e', 50)).toEqual(bytes)
          expect(r.string('f', 200)).toBe(text)
          r.end()
        },
      ),
    )
  })

  it('folds -0 to +0 when writing and rejects -0 bytes when reading', () => {
    expect(toHex0x(new ByteWriter().f32('x', -0).finish())).toBe('0x00000000')
    expect(toHex0x(new ByteWriter().f32Values('x', Float32Array.of(-0)).finish())).toBe('0x00000000')
    expect(() => new ByteReader(fromHex('00000080'), 'T').f32('x')).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode T: field "x" at byte 0 is -0, which is not canonical (write +0).]`,
    )
  })

  it('refuses to write NaN, Infinity, non-float32 and out-of-range values', () => {
    expect(() => new ByteWriter().f32('x', Number.NaN)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "x": must be a finite number, got NaN.]`,
    )
    expect(() => new ByteWriter().f32Values('v', [1, Number.POSITIVE_INFINITY])).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "v[1]": must be a finite number, got Infinity.]`,
    )
    expect(() => new ByteWriter().f32('x', 0.1)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "x": must be exactly representable as float32, got 0.1.]`,
    )
    expect(() => new ByteWriter().u16('x', 65536)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "x": must be an integer in [0, 65535], got 65536.]`,
    )
    expect(() => new ByteWriter().u64('x', 1n << 64n)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "x": must be a bigint in [0, 2^64), got 18446744073709551616.]`,
    )
    expect(() => new ByteWriter().bytes('x', new Uint8Array(5), 4)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "x": is 5 bytes; the limit is 4.]`,
    )
    expect(() => new ByteWriter().string('x', '\uD800', 10)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "x": must be a well-formed string (no lone surrogates).]`,
    )
  })

  it('rejects Infinity and NaN bytes in f32 arrays, naming the element', () => {
    expect(() => new ByteReader(fromHex('0000803f0000807f'), 'T').f32Values('v', 2)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode T: field "v[1]" at byte 4 is Infinity; floats must be finite.]`,
    )
  })

  it('rejects lengths over their limit, truncation, invalid UTF-8 and trailing bytes', () => {
    expect(() => new ByteReader(fromHex('05000000'), 'T').bytesField('b', 4)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode T: field "b" at byte 0 declares 5 bytes; the limit is 4.]`,
    )
    expect(() => new ByteReader(fromHex('0300000001'), 'T').bytesField('b', 4)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode T: field "b" at byte 4 needs 3 bytes but only 1 remain.]`,
    )
    expect(() => new ByteReader(fromHex('01000000ff'), 'T').string('s', 4)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode T: field "s" at byte 0 is not valid UTF-8.]`,
    )
    const r = new ByteReader(fromHex('0102'), 'T')
    r.u8('a')
    expect(() => r.end()).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode T: field "(end)" at byte 1 is followed by 1 trailing bytes.]`,
    )
  })

  it('grows its buffer across many writes', () => {
    const w = new ByteWriter()
    for (let i = 0; i < 1000; i++) w.u32('i', i)
    const r = new ByteReader(w.finish(), 'T')
    for (let i = 0; i < 1000; i++) expect(r.u32('i')).toBe(i)
  })

  it('compares, concatenates and parses hex', () => {
    expect(compareBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBeLessThan(0)
    expect(concatBytes(Uint8Array.of(1), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3))
    expect(() => fromHex('0x123')).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: Not a hex string: "0x123".]`)
  })
})
