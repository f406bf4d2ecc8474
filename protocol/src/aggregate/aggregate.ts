// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The round's aggregate pseudo-gradient Δ̄_r (DESIGN.md §3 step 4), which every peer recomputes
 * bit for bit:
 *
 *   1. order the included deltas by id (compareBytes on hashDelta), whatever order they came in;
 *   2. clip each to `clipNorm` (clip.ts: one float64 scale per delta);
 *   3. per coordinate, apply the rule to the n clipped float64 values: trimmed mean (default),
 *      median, or plain mean (reference only);
 *   4. round to float32 once, folding −0 to +0.
 *
 * Only + − × ÷, Math.sqrt, Math.floor and `<` are used; no Map/Set iteration order matters.
 * An empty included set aggregates to zeros.
 */
import { compareBytes, equalBytes, toHex0x } from '../bytes/bytes.js'
import { InvalidArgumentError } from '../errors.js'
import type { AggregationRule } from '../messages/run-manifest.js'
import { clipScale } from './clip.js'
import { meanOf } from './mean.js'
import { medianOf } from './median.js'
import { trimCount, trimmedMeanOf } from './trimmed-mean.js'

/** Float64 values gathered per block (512 KiB), a cache-friendly size; it changes no result. */
const AGGREGATE_BLOCK_VALUES = 65_536

/** The rules a run may name, plus `mean` for reference and tests. */
export type AggregateRule = AggregationRule | 'mean'

/** One included delta: its id (hashDelta of the header) and its decoded dense values. */
export interface IncludedDelta {
  id: Uint8Array
  values: Float32Array
}

export interface AggregateDeltasParameters {
  deltas: readonly IncludedDelta[]
  /** Parameters in the model; every delta must cover exactly this many. */
  numel: number
  rule: AggregateRule
  /** β of the trimmed mean, in [0, 0.5); ignored by the other rules. */
  trimFraction: number
  /** L2 bound each delta is clipped to before the rule, > 0. */
  clipNorm: number
}

/** The included deltas in aggregation order: ascending by id. Throws on a repeated id. */
export function orderDeltas<T extends { id: Uint8Array }>(deltas: readonly T[]): T[] {
  const ordered = [...deltas].sort((a, b) => compareBytes(a.id, b.id))
  for (let j = 1; j < ordered.length; j++) {
    if (equalBytes(ordered[j - 1]!.id, ordered[j]!.id))
      throw new InvalidArgumentError(`Delta ${toHex0x(ordered[j]!.id)} is included twice; ids must be distinct.`)
  }
  return ordered
}

/** Throws unless `d` covers `numel` finite values (verifyDeltaPayload guarantees both). */
export function assertDelta(d: IncludedDelta, numel: number): void {
  if (!(d.values instanceof Float32Array) || d.values.length !== numel) {
    throw new InvalidArgumentError(
      `Delta ${toHex0x(d.id)} covers ${d.values?.length ?? 'no'} values; the model has ${numel}. Verify payloads (verifyDeltaPayload) before aggregating.`,
    )
  }
  for (let i = 0; i < numel; i++) {
    if (!Number.isFinite(d.values[i]!)) {
      throw new InvalidArgumentError(
        `Delta ${toHex0x(d.id)} has ${d.values[i]} at value ${i}; only finite deltas can be aggregated (verifyDeltaPayload rejects these).`,
        { id: toHex0x(d.id), index: i },
      )
    }
  }
}

/** Δ̄_r: the clipped, robustly aggregated deltas, rounded once to float32. */
export function aggregateDeltas({ deltas, numel, rule, trimFraction, clipNorm }: AggregateDeltasParameters): Float32Array {
  if (!Number.isSafeInteger(numel) || numel < 1) throw new InvalidArgumentError(`numel must be a positive integer, got ${numel}.`)
  const out = new Float32Array(numel)
  const ordered = orderDeltas(deltas)
  const n = ordered.length
  if (rule !== 'trimmed-mean' && rule !== 'median' && rule !== 'mean')
    throw new InvalidArgumentError(`Unknown aggregation rule "${rule as string}". Use one of: trimmed-mean, median, mean.`)
  const trim = rule === 'trimmed-mean' ? trimCount(n, trimFraction) : 0
  if (n === 0) return out
  for (const d of ordered) assertDelta(d, numel)
  const rows = ordered.map((d) => d.values)
  const scales = Float64Array.from(ordered, (d) => clipScale(d.values, clipNorm))
  // Blocks of coordinates, gathered row by row (sequential reads), then reduced per coordinate:
  // block[(i − base) · n + j] holds delta j's clipped value i. The order of operations per
  // coordinate is exactly the one described above.
  const blockSize = Math.max(1, Math.floor(AGGREGATE_BLOCK_VALUES / n))
  const block = new Float64Array(blockSize * n)
  for (let base = 0; base < numel; base += blockSize) {
    const count = Math.min(blockSize, numel - base)
    for (let j = 0; j < n; j++) {
      const row = rows[j]!
      const s = scales[j]!
      if (s === 1) for (let i = 0; i < count; i++) block[i * n + j] = row[base + i]!
      else for (let i = 0; i < count; i++) block[i * n + j] = row[base + i]! * s
    }
    for (let i = 0; i < count; i++) {
      const start = i * n
      let v: number
      if (rule === 'trimmed-mean') v = trimmedMeanOf(block, trim, start, start + n)
      else if (rule === 'median') v = medianOf(block, start, start + n)
      else v = meanOf(block, start, start + n)
      out[base + i] = v === 0 ? 0 : v // the one rounding to float32; −0 folded to +0
    }
  }
  return out
}
