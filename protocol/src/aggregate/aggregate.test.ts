import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex0x } from '../bytes/bytes.js'
import { contentHash } from '../crypto/hash.js'
import { denseF32Payload, encodeDeltaPayload } from '../messages/delta-payload.js'
import { verifyDeltaPayload } from '../verify/delta.js'
import { type AggregateRule, aggregateDeltas, type IncludedDelta } from './aggregate.js'
import { clipScale, l2NormF64 } from './clip.js'
import { medianOf } from './median.js'
import { momentumFromHistory, outerStep } from './outer-step.js'
import { trimCount, trimmedMeanOf } from './trimmed-mean.js'

const id = (i: number) => contentHash(Uint8Array.of(i & 0xff, i >> 8))
const f32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 })
const deltasArb = (numel: number, minLength = 1, maxLength = 9) =>
  fc
    .array(fc.array(f32, { minLength: numel, maxLength: numel }), { minLength, maxLength })
    .map((rows) => rows.map((r, j): IncludedDelta => ({ id: id(j), values: Float32Array.from(r) })))
const RULES: AggregateRule[] = ['trimmed-mean', 'median', 'mean']
const bytes = (v: Float32Array) => toHex0x(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))

describe('aggregation rules', () => {
  it('trims floor(β·n) values from each end', () => {
    expect([0, 0.1, 0.2, 0.25, 0.49].map((b) => trimCount(8, b))).toEqual([0, 0, 1, 2, 3])
    expect(() => trimCount(8, 0.5)).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: trimFraction must be in [0, 0.5), got 0.5.]`)
  })

  it('computes the trimmed mean and the median of one coordinate', () => {
    expect(trimmedMeanOf(Float64Array.of(100, 1, 2, 3, -100), 1)).toBe(2)
    expect(medianOf(Float64Array.of(5, 1, 3))).toBe(3)
    expect(medianOf(Float64Array.of(4, 1, 3, 2))).toBe(2.5)
  })

  it('clips to the bound in float64 and leaves smaller deltas alone', () => {
    expect(clipScale(Float32Array.of(3, 4), 10)).toBe(1)
    expect(clipScale(Float32Array.of(3, 4), 1)).toBe(0.2)
    expect(l2NormF64(Float32Array.of(3, 4))).toBe(5)
  })

  it('gives identical bytes for any input order (permutation invariance)', () => {
    fc.assert(
      fc.property(deltasArb(5), fc.constantFrom(...RULES), fc.integer(), (deltas, rule, seed) => {
        const shuffled = [...deltas].sort((a, b) => ((a.id[0]! ^ seed) & 0xff) - ((b.id[0]! ^ seed) & 0xff)).reverse()
        const p = { numel: 5, rule, trimFraction: 0.2, clipNorm: 50 }
        expect(bytes(aggregateDeltas({ ...p, deltas: shuffled }))).toBe(bytes(aggregateDeltas({ ...p, deltas })))
      }),
    )
  })

  it('keeps the trimmed mean within the honest values when fewer than β·n deltas are adversarial', () => {
    fc.assert(
      fc.property(
        deltasArb(4, 6, 12),
        fc.array(fc.array(fc.double({ min: -3e38, max: 3e38, noNaN: true }), { minLength: 4, maxLength: 4 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (honest, evil) => {
          const n = honest.length + evil.length
          const beta = 0.45
          fc.pre(evil.length <= trimCount(n, beta))
          const bad = evil.map((v, j): IncludedDelta => ({ id: id(1000 + j), values: Float32Array.from(v) }))
          const clipNorm = 1e4 // above every honest norm (|x| ≤ 1e3, 4 values), so honest deltas are unclipped
          const out = aggregateDeltas({ deltas: [...honest, ...bad], numel: 4, rule: 'trimmed-mean', trimFraction: beta, clipNorm })
          for (let i = 0; i < 4; i++) {
            const col = honest.map((d) => d.values[i]!)
            expect(out[i]!).toBeGreaterThanOrEqual(Math.fround(Math.min(...col)))
            expect(out[i]!).toBeLessThanOrEqual(Math.fround(Math.max(...col)))
          }
        },
      ),
    )
  })

  it('lets one huge delta move the plain mean arbitrarily, but not the trimmed mean or the median', () => {
    const honest = [1, 2, 3, 4].map((v, j) => ({ id: id(j), values: Float32Array.of(v) }))
    const evil = { id: id(99), values: Float32Array.of(3e38) }
    const p = { numel: 1, trimFraction: 0.2, clipNorm: 3.4e38 }
    expect(aggregateDeltas({ ...p, deltas: [...honest, evil], rule: 'mean' })[0]).toBeGreaterThan(1e37)
    expect(aggregateDeltas({ ...p, deltas: [...honest, evil], rule: 'trimmed-mean' })[0]).toBe(3)
    expect(aggregateDeltas({ ...p, deltas: [...honest, evil], rule: 'median' })[0]).toBe(3)
  })

  it('with a single delta and SGD at lr 1 gives exactly θ − delta', () => {
    fc.assert(
      fc.property(
        fc.array(f32, { minLength: 1, maxLength: 16 }),
        fc.array(f32, { minLength: 16, maxLength: 16 }),
        fc.constantFrom(...RULES),
        (d, t, rule) => {
          const values = Float32Array.from(d)
          const theta = Float32Array.from(t.slice(0, d.length))
          const update = aggregateDeltas({ deltas: [{ id: id(0), values }], numel: d.length, rule, trimFraction: 0.3, clipNorm: 1e9 })
          const next = outerStep({ theta, update, optimizer: { kind: 'sgd', learningRate: 1 } }).theta
          expect(bytes(next)).toBe(bytes(theta.map((x, i) => Math.fround(x - values[i]!) || 0)))
        },
      ),
    )
  })

  it('rejects NaN and ±Inf payloads before aggregation: verifyDeltaPayload rejects them, aggregateDeltas throws', () => {
    const bad = Float32Array.of(1, Number.NaN, 2)
    const raw = encodeDeltaPayload(denseF32Payload(Float32Array.of(1, 0, 2)))
    new DataView(raw.buffer).setFloat32(6 + 4, Number.POSITIVE_INFINITY, true)
    const delta = { payloadSizeBytes: raw.length, payloadHash: contentHash(raw), norm: 0 } as never
    const verdict = verifyDeltaPayload({ delta, payload: raw, numel: 3 })
    expect(verdict.ok).toBe(false)
    expect(['malformed-payload', 'non-finite']).toContain(!verdict.ok && verdict.reason)
    expect(() =>
      aggregateDeltas({
        deltas: [{ id: new Uint8Array(32), values: bad }],
        numel: 3,
        rule: 'trimmed-mean',
        trimFraction: 0.1,
        clipNorm: 1,
      }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Delta 0x0000000000000000000000000000000000000000000000000000000000000000 has NaN at value 1; only finite deltas can be aggregated (verifyDeltaPayload rejects these).]`,
    )
  })

  it('refuses a delta included twice and a delta of the wrong size', () => {
    const d = { id: id(1), values: Float32Array.of(1) }
    const p = { numel: 1, rule: 'median' as const, trimFraction: 0, clipNorm: 1 }
    expect(() => aggregateDeltas({ ...p, deltas: [d, d] })).toThrow(/included twice/)
    expect(() => aggregateDeltas({ ...p, numel: 2, deltas: [d] })).toThrow(/covers 1 values; the model has 2/)
  })

  it('aggregates an empty included set to zeros', () => {
    expect([...aggregateDeltas({ deltas: [], numel: 3, rule: 'trimmed-mean', trimFraction: 0.1, clipNorm: 1 })]).toEqual([0, 0, 0])
  })

  it('re-derives the Nesterov momentum from the history of aggregates', () => {
    const updates = [Float32Array.of(1, -2), Float32Array.of(0.5, 0.25), Float32Array.of(-1, 1)]
    let m: Float32Array | null = null
    let theta: Float32Array = Float32Array.of(0, 0)
    for (const update of updates) {
      const r = outerStep({ theta, update, optimizer: { kind: 'nesterov', learningRate: 0.5, momentum: 0.9 }, momentum: m })
      theta = r.theta
      m = r.momentum
    }
    expect(bytes(m!)).toBe(bytes(momentumFromHistory({ updates, momentum: 0.9, numel: 2 })))
  })
})
