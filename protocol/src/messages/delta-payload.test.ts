import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deltaPayload } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { concatBytes, fromHex, toHex0x } from '../bytes/bytes.js'
import { isProtocolError } from '../errors.js'
import {
  compressTopKInt8,
  DELTA_PAYLOAD_VERSION,
  type DeltaPayload,
  decodeDeltaPayload,
  deltaPayloadNorm,
  deltaPayloadSize,
  denseF32Payload,
  denseFromPayload,
  encodeDeltaPayload,
} from './delta-payload.js'

describe('DeltaPayload codec', () => {
  itHasCanonicalCodec(deltaPayload, encodeDeltaPayload, decodeDeltaPayload)

  it('decodes a payload that is a view into a larger buffer (a network frame) like its copy', () => {
    // regression: the int8 values were read from the view's whole ArrayBuffer, from byte 0
    fc.assert(
      fc.property(deltaPayload, fc.integer({ min: 1, max: 64 }), (p, offset) => {
        const bytes = encodeDeltaPayload(p)
        const frame = new Uint8Array(offset + bytes.length + 7).fill(0x80)
        frame.set(bytes, offset)
        const view = frame.subarray(offset, offset + bytes.length)
        expect(encodeDeltaPayload(decodeDeltaPayload(view))).toEqual(bytes)
      }),
    )
  })

  it('declares its exact size from the header fields', () => {
    fc.assert(
      fc.property(deltaPayload, (p) => {
        expect(encodeDeltaPayload(p).length).toBe(deltaPayloadSize(p))
      }),
    )
  })

  it('keeps the k largest magnitudes, ties to the lower index, indices ascending', () => {
    const p = compressTopKInt8(Float32Array.of(0.1, -3, 2, 0, 2, -0.5), { k: 3, chunkSize: 2 })
    if (p.format !== 'topk-int8') throw new Error('format')
    expect([...p.indices]).toEqual([1, 2, 4])
    expect(p.scales.length).toBe(2)
    // chunk 0 holds indices 1 and 2 (scale 3/127), chunk 1 holds index 4 (scale 2/127)
    expect([...p.quantized]).toEqual([-127, 85, 127])
    const s0 = Math.fround(3 / 127)
    const s1 = Math.fround(2 / 127)
    expect([...denseFromPayload(p)]).toEqual([0, Math.fround(-127 * s0), Math.fround(85 * s0), 0, Math.fround(127 * s1), 0])
  })

  it('selects exactly the k largest magnitudes with ties to the lower index (reference: a full sort)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -4, max: 4 }).map((x) => x / 2),
          { minLength: 1, maxLength: 40 },
        ),
        fc.nat(),
        (xs, kRaw) => {
          const v = Float32Array.from(xs)
          const k = kRaw % (v.length + 1)
          const order = [...v.keys()].sort((a, b) => Math.abs(v[b]!) - Math.abs(v[a]!) || a - b)
          const p = compressTopKInt8(v, { k, chunkSize: 3 })
          if (p.format !== 'topk-int8') throw new Error('format')
          expect([...p.indices]).toEqual(order.slice(0, k).sort((a, b) => a - b))
        },
      ),
    )
  })

  it('quantises within half a step per kept value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 7 }),
        (xs, chunkSize) => {
          const v = Float32Array.from(xs)
          const p = compressTopKInt8(v, { k: v.length, chunkSize })
          if (p.format !== 'topk-int8') throw new Error('format')
          const d = denseFromPayload(p)
          for (let i = 0; i < v.length; i++) {
            const scale = p.scales[Math.floor(i / chunkSize)]!
            expect(Math.abs(d[p.indices[i]!]! - v[p.indices[i]!]!)).toBeLessThanOrEqual(scale * 0.5 + 1e-6)
          }
        },
      ),
    )
  })

  it('computes the norm in float64 and rounds once', () => {
    expect(deltaPayloadNorm(denseF32Payload(Float32Array.of(3, 4)))).toBe(5)
  })

  it('rejects a size that disagrees with numel, and -128', () => {
    const dense = encodeDeltaPayload(denseF32Payload(Float32Array.of(1, 2)))
    expect(() => decodeDeltaPayload(dense.subarray(0, dense.length - 4))).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode DeltaPayload: field "numel" at byte 2 declares 2 values (8 bytes) but 4 bytes follow.]`,
    )
    const p = encodeDeltaPayload(compressTopKInt8(Float32Array.of(1, -2), { k: 2, chunkSize: 4 }))
    const bad = p.slice()
    bad[bad.length - 1] = 0x80
    expect(() => decodeDeltaPayload(bad)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode DeltaPayload: field "quantized[1]" at byte 21 is -128; values are in [-127, 127].]`,
    )
  })

  it('rejects NaN in a dense payload', () => {
    const dense = encodeDeltaPayload(denseF32Payload(Float32Array.of(1, 2)))
    new DataView(dense.buffer).setUint32(10, 0x7f800000, true)
    expect(() => decodeDeltaPayload(dense)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode DeltaPayload: field "values[1]" at byte 10 is Infinity; floats must be finite.]`,
    )
  })
})

/** Reference LEB128 (unsigned, low 7 bits first), written independently of the codec. */
function leb128(v: number): number[] {
  const out: number[] = []
  do {
    const low = v % 128
    v = Math.floor(v / 128)
    out.push(v > 0 ? low + 128 : low)
  } while (v > 0)
  return out
}

type TopK = Extract<DeltaPayload, { format: 'topk-int8' }>

/** A top-k payload with at least one index, from the shared arbitrary. */
const topKWithIndices = deltaPayload.filter((p): p is TopK => p.format === 'topk-int8' && p.indices.length > 0)

/** Payload bytes with the index section replaced by the given gap varints; scales and values as encoded. */
function withIndexSection(p: TopK, varints: number[][]): Uint8Array {
  const bytes = encodeDeltaPayload(p)
  const tail = 4 * p.scales.length + p.indices.length
  return concatBytes(bytes.subarray(0, 14), Uint8Array.from(varints.flat()), bytes.subarray(bytes.length - tail))
}

const gapsOf = (p: TopK) => [...p.indices].map((x, i) => x - (i > 0 ? p.indices[i - 1]! : 0))

function expectDecodeError(bytes: Uint8Array): void {
  let err: unknown
  try {
    decodeDeltaPayload(bytes)
  } catch (e) {
    err = e
  }
  expect(isProtocolError(err, 'MessageDecodeError'), String(err)).toBe(true)
}

/** u8 version 2, format 1, numel 300, chunkSize 256, k, the index section, one scale 1.0, k values 1. */
const topKBytes = (k: number, indexHex: string) =>
  fromHex(`0x0201${'2c010000'}${'00010000'}${k.toString(16).padStart(2, '0')}000000${indexHex}${k ? '0000803f' : ''}${'01'.repeat(k)}`)

describe('topk-int8 index gaps (LEB128 varints)', () => {
  it('writes gaps[0] = indices[0], then the differences, as minimal LEB128 of 1 to 4 bytes', () => {
    // gaps 0, 127, 128, 16384, 2^21, 1: every varint length
    const p: DeltaPayload = {
      format: 'topk-int8',
      numel: 3_000_000,
      chunkSize: 2,
      indices: Uint32Array.of(0, 127, 255, 16_639, 2_113_791, 2_113_792),
      scales: Float32Array.of(1, 0.5, 0),
      quantized: Int8Array.of(1, -1, 127, -127, 0, 5),
    }
    const hex = [
      '02', // payloadVersion
      '01', // format topk-int8
      'c0c62d00', // numel 3,000,000
      '02000000', // chunkSize
      '06000000', // k
      '00', // 0
      '7f', // +127
      '8001', // +128
      '808001', // +16384
      '80808001', // +2^21
      '01', // +1
      '0000803f0000003f00000000', // scales 1, 0.5, 0
      '01ff7f810005', // quantized
    ].join('')
    expect(DELTA_PAYLOAD_VERSION).toBe(2)
    expect(toHex0x(encodeDeltaPayload(p))).toBe(`0x${hex}`)
    expect(deltaPayloadSize(p)).toBe(hex.length / 2)
    expect(decodeDeltaPayload(fromHex(`0x${hex}`))).toEqual(p)
  })

  it('encodes the index section exactly as reference LEB128 of the gaps', () => {
    fc.assert(
      fc.property(topKWithIndices, (p) => {
        expect(encodeDeltaPayload(p)).toEqual(withIndexSection(p, gapsOf(p).map(leb128)))
      }),
      { numRuns: 300 },
    )
  })

  it('rejects every overlong varint (one more byte standing for the same gap)', () => {
    fc.assert(
      fc.property(topKWithIndices, fc.nat(), fc.integer({ min: 1, max: 3 }), (p, iRaw, extra) => {
        const varints = gapsOf(p).map(leb128)
        const v = varints[iRaw % varints.length]!
        // set the continuation bit on the last byte and append zero groups: same value, longer
        v[v.length - 1]! |= 0x80
        for (let e = 1; e < extra; e++) v.push(0x80)
        v.push(0)
        expectDecodeError(withIndexSection(p, varints))
      }),
      { numRuns: 300 },
    )
  })

  it('rejects a gap of 0 after the first index, and an index at or past numel', () => {
    fc.assert(
      fc.property(topKWithIndices, fc.nat(), (p, iRaw) => {
        const gaps = gapsOf(p)
        if (gaps.length > 1) {
          const dup = gaps.slice()
          dup[1 + (iRaw % (gaps.length - 1))] = 0
          expectDecodeError(withIndexSection(p, dup.map(leb128)))
        }
        const past = gaps.slice()
        past[past.length - 1]! += p.numel - p.indices[p.indices.length - 1]! // the last index becomes numel
        expectDecodeError(withIndexSection(p, past.map(leb128)))
      }),
      { numRuns: 300 },
    )
  })

  it('rejects or canonically decodes any byte changed, inserted or removed in the index section, with MessageDecodeError only', () => {
    fc.assert(
      fc.property(topKWithIndices, fc.nat(), fc.nat({ max: 255 }), fc.constantFrom('set', 'insert', 'delete'), (p, atRaw, x, how) => {
        const bytes = encodeDeltaPayload(p)
        const indexBytes = bytes.length - 14 - 4 * p.scales.length - p.indices.length
        const at = 14 + (atRaw % indexBytes)
        const b = [...bytes]
        if (how === 'set') b[at] = x
        else if (how === 'insert') b.splice(at, 0, x)
        else b.splice(at, 1)
        const mutated = Uint8Array.from(b)
        let decoded: DeltaPayload
        try {
          decoded = decodeDeltaPayload(mutated)
        } catch (err) {
          expect(isProtocolError(err, 'MessageDecodeError'), String(err)).toBe(true)
          return
        }
        expect(encodeDeltaPayload(decoded)).toEqual(mutated)
      }),
      { numRuns: 500 },
    )
  })

  it('names the field and offset of each malformed index section', () => {
    const reason = (bytes: Uint8Array) => {
      try {
        decodeDeltaPayload(bytes)
      } catch (err) {
        return (err as Error).message
      }
      return 'decoded'
    }
    expect(decodeDeltaPayload(topKBytes(2, '0503'))).toMatchObject({ indices: Uint32Array.of(5, 8) })
    expect(reason(topKBytes(0, ''))).toBe('decoded')
    expect([
      reason(topKBytes(2, '850003')),
      reason(topKBytes(2, '800003')),
      reason(topKBytes(2, '0500')),
      reason(topKBytes(2, '05a702')),
      reason(topKBytes(2, '808080800101')),
      reason(topKBytes(2, '0585')),
      reason(topKBytes(2, '050300')),
      reason(topKBytes(2, '05')),
      reason(topKBytes(1, '8080808080808080')),
      reason(fromHex(`0x01${toHex0x(topKBytes(2, '0503')).slice(4)}`)),
    ]).toMatchInlineSnapshot(`
      [
        "Cannot decode DeltaPayload: field "indices[0]" at byte 14 is an overlong varint (a final 0x00 byte).",
        "Cannot decode DeltaPayload: field "indices[0]" at byte 14 is an overlong varint (a final 0x00 byte).",
        "Cannot decode DeltaPayload: field "indices[1]" at byte 15 has gap 0; indices are strictly ascending.",
        "Cannot decode DeltaPayload: field "indices[1]" at byte 15 is 300, not below numel 300.",
        "Cannot decode DeltaPayload: field "indices[0]" at byte 14 is a varint longer than 4 bytes.",
        "Cannot decode DeltaPayload: field "indices[1]" at byte 15 runs past the index section (2 bytes, from the payload size).",
        "Cannot decode DeltaPayload: field "indices" at byte 16 leaves 1 of its 3 bytes (from the payload size) unread.",
        "Cannot decode DeltaPayload: field "k" at byte 10 declares 2 values (8..14 bytes with 1..4-byte index gaps) but 7 bytes follow.",
        "Cannot decode DeltaPayload: field "k" at byte 10 declares 1 values (6..9 bytes with 1..4-byte index gaps) but 13 bytes follow.",
        "Cannot decode DeltaPayload: field "payloadVersion" at byte 0 is 1, outside [2, 2].",
      ]
    `)
  })
})
