import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compressTopKInt8, decodeDeltaPayload, encodeDeltaPayload, quantizeTopK } from '../messages/delta-payload.js'
import { NAMED_CONFIGS } from '../model/config.js'
import { parameterSpecs } from '../model/parameters.js'
import { compressDelta, compressDeltaBytes, compressionRatio, decompressDelta, topKCount } from './compress.js'
import { compressWithFeedback, createErrorFeedback, decodeErrorFeedback, encodeErrorFeedback } from './error-feedback.js'
import { flatNumel, flattenParameters, unflattenParameters } from './flatten.js'
import { compressTopK } from './top-k.js'

const finite = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
const vec = (min = 1, max = 300) => fc.array(finite, { minLength: min, maxLength: max }).map((a) => Float32Array.from(a))
const topk = (topKPpm: number, chunkSize = 16) => ({ format: 'topk-int8' as const, topKPpm, chunkSize })

describe('delta compression', () => {
  it('keeps k = ceil(numel · ppm / 10^6) coordinates, at least one', () => {
    expect(topKCount(1000, 10_000)).toBe(10)
    expect(topKCount(1001, 10_000)).toBe(11)
    expect(topKCount(10, 1)).toBe(1)
    expect(topKCount(7, 1_000_000)).toBe(7)
    expect(() => topKCount(7, 0)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: topKPpm must be an integer in [1, 1000000], got 0.]`,
    )
  })

  it('bounds the round-trip error by half a quantisation step on kept values and the threshold on dropped ones', () => {
    fc.assert(
      fc.property(vec(), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 64 }), (x, ppm, chunkSize) => {
        const payload = compressDelta(x, topk(ppm, chunkSize))
        if (payload.format !== 'topk-int8') throw new Error('format')
        const y = decompressDelta(encodeDeltaPayload(payload))
        const kept = new Map<number, number>()
        for (const [j, idx] of payload.indices.entries()) kept.set(idx, payload.scales[Math.floor(j / chunkSize)]!)
        let minKept = Number.POSITIVE_INFINITY
        for (const idx of kept.keys()) minKept = Math.min(minKept, Math.abs(x[idx]!))
        for (let i = 0; i < x.length; i++) {
          const s = kept.get(i)
          // half a step, plus float32 rounding of q·s and of the scale itself
          if (s !== undefined) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(s / 2 + 1e-6 * Math.abs(x[i]!) + 1e-30)
          else {
            expect(y[i]).toBe(0)
            expect(Math.abs(x[i]!)).toBeLessThanOrEqual(minKept)
          }
        }
      }),
    )
  })

  it('breaks ties in |x| towards the lower index', () => {
    const p = compressDelta(Float32Array.of(1, -2, 2, 2, -1), topk(400_000))
    expect(p.format === 'topk-int8' && [...p.indices]).toEqual([1, 2])
  })

  it('round-trips exactly with the dense format and with k = 100% on int8-representable values', () => {
    fc.assert(
      fc.property(vec(), (x) => {
        expect([...decompressDelta(compressDeltaBytes(x, { format: 'dense-f32', topKPpm: 1, chunkSize: 1 }))]).toEqual(
          [...x].map((v) => v || 0),
        )
      }),
    )
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -127, max: 127 }), { minLength: 1, maxLength: 100 }),
        fc.integer({ min: -20, max: 20 }),
        (q, e) => {
          const x = Float32Array.from([127, ...q], (v) => v * 2 ** e)
          const p = compressDelta(x, topk(1_000_000, x.length))
          expect(p.format === 'topk-int8' && p.indices.length).toBe(x.length)
          expect([...decompressDelta(encodeDeltaPayload(p))]).toEqual([...x].map((v) => v || 0))
        },
      ),
    )
  })

  it('reports the ratio against dense fp32: about 175× at 1% kept', () => {
    const x = Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(i) * (i % 7))
    const ratio = compressionRatio(compressDelta(x, topk(10_000, 256)))
    // 1.25 bytes per index gap + 1 per int8 value + one scale per 256: 400006 / 2277
    expect(ratio).toBeGreaterThan(170)
    expect(ratio).toBeLessThan(180)
    expect(compressionRatio(compressDelta(x, { format: 'dense-f32', topKPpm: 1, chunkSize: 1 }))).toBe(1)
  })

  it('stays above 100× at 1% kept wherever the kept coordinates lie', () => {
    // Gaps sum to < numel, so at most numel / 128 of them need a second varint byte and fewer
    // than numel / 16384 a third: the worst case packs as many 128-gaps as fit.
    const numel = 100_000
    const k = topKCount(numel, 10_000)
    const x = Float32Array.from({ length: numel }, (_, i) => 1 + (i % 5))
    const worst = Uint32Array.from({ length: k }, (_, i) => Math.min(128 * i, numel - k + i))
    expect(compressionRatio(quantizeTopK(x, worst, 256))).toBeGreaterThan(140)
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: numel - 1 }), { minLength: k, maxLength: k }), (idx) => {
        const p = quantizeTopK(x, Uint32Array.from(idx.sort((a, b) => a - b)), 256)
        expect(compressionRatio(p)).toBeGreaterThan(140)
      }),
      { numRuns: 20 },
    )
  })
})

describe('error feedback', () => {
  it('makes the sum of transmitted deltas track the sum of true deltas within one residual', () => {
    fc.assert(
      fc.property(fc.array(vec(40, 40), { minLength: 2, maxLength: 30 }), fc.integer({ min: 1_000, max: 200_000 }), (rounds, ppm) => {
        const config = topk(ppm, 8)
        let state = createErrorFeedback(40)
        const trueSum = new Float64Array(40)
        const sentSum = new Float64Array(40)
        for (const x of rounds) {
          const r = compressWithFeedback({ state, delta: x, config })
          state = r.state
          for (let i = 0; i < 40; i++) {
            trueSum[i]! += x[i]!
            sentSum[i]! += r.sent[i]!
          }
        }
        let scale = 1
        for (const x of rounds) for (const v of x) scale = Math.max(scale, Math.abs(v))
        // Σ sent = Σ x − e_T up to float32 rounding of each step's sums
        for (let i = 0; i < 40; i++) {
          expect(Math.abs(sentSum[i]! + state.residual[i]! - trueSum[i]!)).toBeLessThanOrEqual(1e-5 * scale * rounds.length)
        }
      }),
    )
  })

  it('converges: the mean transmitted delta approaches the mean true delta as rounds grow, unlike plain top-k', () => {
    const numel = 200
    const x = Float32Array.from({ length: numel }, (_, i) => ((i * 37) % 101) / 100 - 0.5) // the same delta every round
    const config = topk(20_000, 4) // 4 of 200 coordinates per round
    const gap = (T: number, feedback: boolean) => {
      let state = createErrorFeedback(numel)
      const sum = new Float64Array(numel)
      for (let t = 0; t < T; t++) {
        const r = compressWithFeedback({ state, delta: x, config })
        if (feedback) state = r.state
        for (let i = 0; i < numel; i++) sum[i]! += r.sent[i]!
      }
      let worst = 0
      for (let i = 0; i < numel; i++) worst = Math.max(worst, Math.abs(sum[i]! / T - x[i]!))
      return worst
    }
    expect(gap(400, true)).toBeLessThan(gap(50, true))
    expect(gap(400, true)).toBeLessThan(0.05)
    expect(gap(400, false)).toBeGreaterThan(0.4) // never-sent coordinates stay lost without feedback
  })

  it('serialises its state and refuses a state of the wrong size', () => {
    const r = compressWithFeedback({ state: createErrorFeedback(5), delta: Float32Array.of(1, 2, 3, 4, 5), config: topk(400_000, 2) })
    expect([...r.state.residual.slice(0, 3)]).toEqual([1, 2, 3]) // dropped: carried whole
    expect(Math.abs(r.state.residual[3]!)).toBeLessThan(5 / 127 / 2) // kept: the quantisation error
    expect(decodeErrorFeedback(encodeErrorFeedback(r.state)).residual).toEqual(r.state.residual)
    expect(() => compressWithFeedback({ state: createErrorFeedback(4), delta: Float32Array.of(1, 2, 3, 4, 5), config: topk(1) })).toThrow(
      /covers 4 values; the delta has 5/,
    )
  })
})

describe('flattening', () => {
  it('follows the canonical parameter order and round-trips', () => {
    const specs = parameterSpecs(NAMED_CONFIGS.tiny).slice(0, 4)
    const named = new Map(specs.map((s, j) => [s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1)).fill(j + 1)]))
    const reversed = new Map([...named].reverse())
    const flat = flattenParameters(specs, reversed)
    expect(flat.length).toBe(flatNumel(specs))
    expect(flat[0]).toBe(1)
    expect(flat[flat.length - 1]).toBe(4)
    const back = unflattenParameters(specs, flat)
    expect([...back.keys()]).toEqual(specs.map((s) => s.name))
    expect(flattenParameters(specs, back)).toEqual(flat)
    expect(decodeDeltaPayload(compressDeltaBytes(flat, topk(10)))).toMatchObject({ format: 'topk-int8' })
  })
})

describe('linear-time top-k', () => {
  it('produces byte-identical payloads to compressTopKInt8, ties included', () => {
    const tiesArb = fc
      .array(fc.constantFrom(0, -0, 1, -1, 2.5, -2.5, 1e-40, 3e38, -3e38), { minLength: 1, maxLength: 200 })
      .map((a) => Float32Array.from(a))
    fc.assert(
      fc.property(fc.oneof(vec(), tiesArb), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 64 }), (x, kRaw, chunkSize) => {
        const k = kRaw % (x.length + 1)
        expect(encodeDeltaPayload(compressTopK({ values: x, k, chunkSize }))).toEqual(
          encodeDeltaPayload(compressTopKInt8(x, { k, chunkSize })),
        )
      }),
      { numRuns: 500 },
    )
  })
})
