import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeSafetensors, encodeSafetensors, sortUtf8 } from './safetensors.js'
import type { Tensor32 } from './weights.js'

/** A safetensors file assembled by hand per the format spec: u64le header length ‖ header ‖ data. */
function file(header: string, data: number[] = []): Uint8Array {
  const h = new TextEncoder().encode(header)
  const out = new Uint8Array(8 + h.length + data.length)
  new DataView(out.buffer).setUint32(0, h.length, true)
  out.set(h, 8)
  out.set(data, 8 + h.length)
  return out
}
const u16le = (...xs: number[]) => xs.flatMap((x) => [x & 0xff, x >> 8])
const u32le = (...xs: number[]) => xs.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24])
const decodeError = (bytes: Uint8Array) => {
  try {
    decodeSafetensors(bytes)
  } catch (err) {
    return err
  }
  throw new Error('expected decodeSafetensors to throw')
}

describe('decodeSafetensors', () => {
  it('reads F16 exactly, including subnormals, ±0, ±Inf and NaN', () => {
    const bits = [0x3c00, 0xc000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555]
    const { tensors, dtypes } = decodeSafetensors(file(`{"h":{"dtype":"F16","shape":[11],"data_offsets":[0,22]}}`, u16le(...bits)))
    const d = Array.from(tensors.get('h')!.data)
    expect(d.slice(0, 6)).toEqual([1, -2, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504])
    expect(Object.is(d[6], -0)).toBe(true)
    expect(d.slice(7, 9)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
    expect(d[9]).toBeNaN()
    expect(d[10]).toBe((0x555 / 1024) * 2 ** -2) // 0x3555 = 2^-2 · (1 + 0x155/1024)
    expect(dtypes.get('h')).toBe('F16')
  })

  it('reads every F16 bit pattern as the value its fields define', () => {
    const all = Array.from({ length: 65536 }, (_, i) => i)
    const d = decodeSafetensors(file(`{"h":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}`, u16le(...all))).tensors.get(
      'h',
    )!.data
    const wrong: string[] = []
    for (const h of all) {
      const sign = h & 0x8000 ? -1 : 1
      const exp = (h >> 10) & 0x1f
      const mant = h & 0x3ff
      const want =
        exp === 0
          ? sign * mant * 2 ** -24
          : exp === 31
            ? mant
              ? Number.NaN
              : sign * Number.POSITIVE_INFINITY
            : sign * (1 + mant / 1024) * 2 ** (exp - 15)
      if (Number.isNaN(want) ? !Number.isNaN(d[h]) : !Object.is(d[h], want)) wrong.push(`0x${h.toString(16)}`)
    }
    expect(wrong).toEqual([])
  })

  it('reads BF16 as the high half of a float32', () => {
    const { tensors } = decodeSafetensors(
      file(`{"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}}`, u16le(0x3f80, 0xc049, 0x7f80, 0x0001)),
    )
    const t = tensors.get('b')!
    expect(t.shape).toEqual([2, 2])
    expect(Array.from(t.data)).toEqual([1, -3.140625, Number.POSITIVE_INFINITY, 2 ** -133])
  })

  it('reads F32 little-endian, several tensors, metadata and a scalar', () => {
    const header =
      `{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]},` +
      `"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[12,12]}}   `
    const { tensors, metadata } = decodeSafetensors(file(header, u32le(0x40490fdb, 0x3fc00000, 0xbe800000)))
    expect(metadata).toEqual({ format: 'pt' })
    expect(tensors.get('s')).toEqual({ shape: [], data: new Float32Array([Math.fround(Math.PI)]) })
    expect(tensors.get('w')).toEqual({ shape: [1, 2], data: new Float32Array([1.5, -0.25]) })
    expect(tensors.get('e')).toEqual({ shape: [0, 3], data: new Float32Array(0) })
  })

  it('reads from a Uint8Array that is a view at an odd offset', () => {
    const bytes = file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, u32le(0x3f800000))
    const backing = new Uint8Array(bytes.length + 3)
    backing.set(bytes, 3)
    expect(Array.from(decodeSafetensors(backing.subarray(3)).tensors.get('x')!.data)).toEqual([1])
  })

  it.each([
    ['a file shorter than the length prefix', new Uint8Array(5), 'safetensors file is 5 bytes; it needs at least 8 for the header length.'],
    [
      'a header length beyond the file',
      file('{}').subarray(0, 9),
      'safetensors header length is 2 bytes; the file has 1 bytes after the length and the limit is 100000000.',
    ],
    ['a header that is not JSON', file('{"a":'), 'safetensors header is not a UTF-8 JSON object: Unexpected end of JSON input.'],
    [
      'a header that is not UTF-8',
      (() => {
        const f = file('{"a"}')
        f[9] = 0xff
        return f
      })(),
      'safetensors header is not a UTF-8 JSON object: The encoded data was not valid for encoding utf-8.',
    ],
    [
      'a header that does not start with {',
      file(' {}'),
      'safetensors header is not a UTF-8 JSON object: the header does not start with "{".',
    ],
    ['a header that is an array', file('[1]'), 'safetensors header is not a UTF-8 JSON object: the header does not start with "{".'],
    ['a header that is null', file('null'), 'safetensors header is not a UTF-8 JSON object: the header does not start with "{".'],
    [
      'metadata that is not all strings',
      file('{"__metadata__":{"n":1}}'),
      'safetensors "__metadata__" must be an object of string values.',
    ],
    [
      'an entry that is not an object',
      file('{"x":3}'),
      'safetensors tensor "x": field "(entry)" is 3; expected an object with dtype, shape and data_offsets.',
    ],
    [
      'an unknown entry field',
      file('{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4],"extra":1}}', [0, 0, 0, 0]),
      'safetensors tensor "x": field "extra" is 1; unknown field.',
    ],
    [
      'an unknown dtype',
      file('{"x":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'safetensors tensor "x": field "dtype" is "F33"; expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64.',
    ],
    [
      'an unsupported dtype',
      file('{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', [0, 0, 0, 0, 0, 0, 0, 0]),
      'safetensors tensor "x": field "dtype" is "I64"; murmur reads F32, F16, BF16 only.',
    ],
    [
      'a negative dimension',
      file('{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'safetensors tensor "x": field "shape" is [-1]; expected an array of non-negative integers.',
    ],
    [
      'a fractional dimension',
      file('{"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'safetensors tensor "x": field "shape" is [1.5]; expected an array of non-negative integers.',
    ],
    [
      'offsets that are not a pair',
      file('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', [0, 0, 0, 0]),
      'safetensors tensor "x": field "data_offsets" is [0]; expected [begin, end] with 0 ≤ begin ≤ end.',
    ],
    [
      'offsets that run backwards',
      file('{"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}', [0, 0, 0, 0]),
      'safetensors tensor "x": field "data_offsets" is [4,0]; expected [begin, end] with 0 ≤ begin ≤ end.',
    ],
    [
      'a byte length that disagrees with dtype and shape',
      file('{"x":{"dtype":"F16","shape":[3],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'safetensors tensor "x": field "data_offsets" is [0,4]; spans 4 bytes but F16 [3] needs 6.',
    ],
    [
      'a shape with more than 2^53 elements',
      file('{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      'safetensors tensor "x": field "shape" is [4294967296,4294967296]; its element count exceeds 2^53.',
    ],
    [
      'a gap between tensors',
      file(
        '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
        Array(12).fill(0),
      ),
      'safetensors tensor "b": field "data_offsets" starts at 8, expected 4 (offsets must be contiguous without gaps or overlaps).',
    ],
    [
      'overlapping tensors',
      file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', Array(8).fill(0)),
      'safetensors tensor "b": field "data_offsets" starts at 4, expected 8 (offsets must be contiguous without gaps or overlaps).',
    ],
    [
      'bytes after the last tensor',
      file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', Array(5).fill(0)),
      'safetensors data section is 5 bytes but the tensors cover 4 (last: "a").',
    ],
    [
      'a tensor past the end of the file',
      file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', Array(4).fill(0)),
      'safetensors data section is 4 bytes but the tensors cover 8 (last: "a").',
    ],
  ])('rejects %s with a ModelFormatError naming the field', (_, bytes, message) => {
    const err = decodeError(bytes) as Error
    expect(err.name).toBe('ModelFormatError')
    expect(err.message).toBe(message)
  })

  it('rejects a header length with the high word set', () => {
    const f = file('{}')
    f[4] = 1
    expect(() => decodeSafetensors(f)).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: safetensors header length is 4294967298 bytes; the file has 2 bytes after the length and the limit is 100000000.]`,
    )
  })
})

describe('encodeSafetensors', () => {
  it('writes the canonical layout: metadata first, names sorted, header padded with spaces to 8 bytes', () => {
    const bytes = encodeSafetensors(
      new Map<string, Tensor32>([
        ['b', { shape: [2], data: new Float32Array([1, -0]) }],
        ['a', { shape: [], data: new Float32Array([0.5]) }],
      ]),
      { z: '1', format: 'pt' },
    )
    const n = new DataView(bytes.buffer).getUint32(0, true)
    expect(n % 8).toBe(0)
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n))).toMatchInlineSnapshot(
      `"{"__metadata__":{"format":"pt","z":"1"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}      "`,
    )
    expect(Array.from(bytes.subarray(8 + n))).toEqual([...u32le(0x3f000000), ...u32le(0x3f800000), ...u32le(0)])
  })

  it('writes an empty file as {} plus padding', () => {
    expect(Array.from(encodeSafetensors(new Map()))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20])
  })

  it('sorts names by UTF-8 bytes like the reference writer, not by UTF-16 code units', () => {
    expect(sortUtf8(['b', '\u{1F600}', '\uFFFF', 'a', 'B'])).toEqual(['B', 'a', 'b', '\uFFFF', '\u{1F600}'])
  })

  it('rejects NaN and infinities naming the tensor and element', () => {
    const t = (x: number) => new Map([['w', { shape: [2], data: new Float32Array([0, x]) }]])
    expect(() => encodeSafetensors(t(Number.NaN))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode tensor "w": element 1 is NaN; weights must be finite.]`,
    )
    expect(() => encodeSafetensors(t(Number.NEGATIVE_INFINITY))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode tensor "w": element 1 is -Infinity; weights must be finite.]`,
    )
  })

  it('rejects a shape that disagrees with the data and the reserved name', () => {
    expect(() => encodeSafetensors(new Map([['w', { shape: [3], data: new Float32Array(2) }]]))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode tensor "w": shape [3] has 3 elements but data has 2.]`,
    )
    expect(() =>
      encodeSafetensors(new Map([['__metadata__', { shape: [0], data: new Float32Array(0) }]])),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode tensor "__metadata__": the name "__metadata__" is reserved.]`,
    )
  })

  it('rejects a name with a lone surrogate, which UTF-8 cannot represent', () => {
    const lone = new Map([['a\uD800', { shape: [0], data: new Float32Array(0) }]])
    expect(() => encodeSafetensors(lone)).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => encodeSafetensors(lone)).toThrow('the name is not well-formed Unicode (lone surrogate).')
  })

  it('encodes a tensor that is a view into a larger buffer', () => {
    const backing = new Float32Array([9, 1, 2, 9])
    const bytes = encodeSafetensors(new Map([['v', { shape: [2], data: backing.subarray(1, 3) }]]))
    expect(Array.from(decodeSafetensors(bytes).tensors.get('v')!.data)).toEqual([1, 2])
  })
})

const tensorArb: fc.Arbitrary<Tensor32> = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).chain((shape) =>
  fc
    .array(fc.float({ noNaN: true, noDefaultInfinity: true }), {
      minLength: shape.reduce((a, b) => a * b, 1),
      maxLength: shape.reduce((a, b) => a * b, 1),
    })
    .map((xs) => ({ shape, data: new Float32Array(xs) })),
)
const tensorsArb = fc
  .uniqueArray(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 8 }), tensorArb), { selector: ([k]) => k, maxLength: 5 })
  .map((entries) => new Map(entries.filter(([k]) => k !== '__metadata__')))
const metadataArb = fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 })

const onlyModelFormatErrors = (bytes: Uint8Array) => {
  try {
    decodeSafetensors(bytes)
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'ModelFormatError') throw err
  }
}

describe('safetensors properties', () => {
  it('decode(encode(x)) is x with -0 folded to +0, and encode is a fixed point', () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
        const bytes = encodeSafetensors(tensors, metadata)
        const back = decodeSafetensors(bytes)
        expect(back.metadata).toEqual(metadata)
        expect([...back.tensors.keys()].sort()).toEqual([...tensors.keys()].sort())
        for (const [name, t] of tensors) {
          const d = back.tensors.get(name)!
          expect(d.shape).toEqual(t.shape)
          expect(Array.from(d.data)).toEqual(Array.from(t.data, (x) => (x === 0 ? 0 : x)))
          expect(d.data.every((x) => !Object.is(x, -0))).toBe(true)
        }
        expect(encodeSafetensors(back.tensors, back.metadata)).toEqual(bytes)
      }),
    )
  })

  it('garbage bytes only ever throw ModelFormatError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), onlyModelFormatErrors), { numRuns: 2000 })
  })

  it('arbitrary JSON headers only ever throw ModelFormatError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.uint8Array({ maxLength: 16 }), (header, data) =>
        onlyModelFormatErrors(file(JSON.stringify(header) ?? '', [...data])),
      ),
      { numRuns: 1000 },
    )
  })

  it('mutated, truncated or extended valid files only ever throw ModelFormatError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('grow' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
    )
    fc.assert(
      fc.property(tensorsArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (tensors, mutations) => {
        let bytes = encodeSafetensors(tensors)
        for (const m of mutations) {
          if (m.kind === 'flip') bytes[m.at % bytes.length] = m.byte
          else if (m.kind === 'cut') bytes = bytes.slice(0, m.at % bytes.length)
          else bytes = new Uint8Array([...bytes, ...m.extra])
        }
        onlyModelFormatErrors(bytes)
      }),
      { numRuns: 1000 },
    )
  })
})
