import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { deltaPayload } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import {
  compressTopKInt8,
  decodeDeltaPayload,
  deltaPayloadNorm,
  deltaPayloadSize,
  denseF32Payload,
  denseFromPayload,
  encodeDeltaPayload,
} from './delta-payload.js'

describe('DeltaPayload codec', () => {
  itHasCanonicalCodec(deltaPayload, encodeDeltaPayload, decodeDeltaPayload)

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
      `[MessageDecodeError: Cannot decode DeltaPayload: field "quantized[1]" at byte 27 is -128; values are in [-127, 127].]`,
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
