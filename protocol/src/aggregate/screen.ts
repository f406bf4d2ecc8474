// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The delta screen: before the robust rule, a round's included deltas are checked against each
 * other, and a delta that is plainly hostile is left out of Δ̄_r and earns its author nothing in
 * that round (credit/round-credit.ts). Clipping and the trimmed mean bound what one delta can do
 * to θ; they do not tell a hostile delta from an honest one, so without a screen a sign-flipped
 * or ×100 delta is credited like honest work. Two tests, in this order, on the deltas in
 * aggregation order (ascending id):
 *
 *   1. norm: with n ≥ SCREEN_MIN_DELTAS deltas, ν_j = ‖v_j‖ (as l2NormF64) and m the lower median
 *      of the ν (the ⌈n/2⌉-th smallest). If m > 0, a delta with ν_j > NORM_SCREEN_RATIO · m is
 *      screened ("norm"). Fewer than half of the deltas cannot move m outside the honest range.
 *   2. direction: with n' ≥ SCREEN_MIN_DELTAS deltas left, every pair (j, k) of them votes
 *      with the sign of its dot product Σ_i v_j,i · v_k,i (float64, index order): `with_j` counts
 *      the others whose dot with j is > 0, `against_j` those whose dot is < 0 (a zero dot is no
 *      vote). A delta with against_j > with_j points against more of the round than along with
 *      it, and is screened ("direction"). Verdicts are decided on the counts of the full set,
 *      not re-screened.
 *
 * Each delta has one vote whatever its norm or direction, so while honest deltas outnumber
 * sign-flipped ones, every flipped delta is screened and no honest one; with the norm test, while
 * honest deltas are the majority, every flipped or oversized delta is (a property test checks
 * it). A flipped delta with a large norm, or one aimed exactly against the honest mean, gets no
 * more say than any other. A weighted test (alignment with the sum of the others) would let one
 * large hostile delta turn every honest delta's sum against it and screen them all.
 *
 * Honest deltas of one round are computed from the same θ_r on groups from the same task, so
 * they point the same way (measured: docs/PROTOCOL.md, "The delta screen"); a sign flip turns
 * that around. Colluders who stay within the norm bound and along the honest direction pass the
 * screen; what they can then do is bounded by clipping and the robust rule. Cost: n′(n′ − 1)/2
 * dot products, over the nonzero values of the sparser delta of each pair when deltas are sparse
 * (top-k payloads are), else over every parameter.
 */
import { InvalidArgumentError } from '../errors.js'
import { sortColumn } from './sort-column.js'

/** Below this many deltas there is no majority to screen against: every delta is kept. */
export const SCREEN_MIN_DELTAS = 3
/** A delta whose L2 norm exceeds this multiple of the round's lower-median norm is screened. */
export const NORM_SCREEN_RATIO = 8

export type ScreenReason = 'norm' | 'direction'

export interface DeltaScreen {
  /** Per delta, in the order given: null when kept, else why it was screened. */
  verdicts: (ScreenReason | null)[]
  /** ‖v_j‖, in the order given. */
  norms: Float64Array
  /** The lower-median norm m (0 when the norm test did not run). */
  medianNorm: number
  /** Per delta, the other deltas whose dot product with it is > 0 and < 0 (0 and 0 for a delta the direction test did not see). */
  votes: { with: number; against: number }[]
}

/** Screens deltas given in aggregation order (see the file comment); `values` must be finite. */
export function screenDeltas(deltas: readonly { values: Float32Array }[]): DeltaScreen {
  const n = deltas.length
  const verdicts: (ScreenReason | null)[] = deltas.map(() => null)
  const scans = deltas.map((d) => scan(d.values))
  const norms = Float64Array.from(scans, (x) => x.norm)
  const votes = deltas.map(() => ({ with: 0, against: 0 }))
  let medianNorm = 0
  if (n >= SCREEN_MIN_DELTAS) {
    const sorted = Float64Array.from(norms)
    sortColumn(sorted, 0, n)
    medianNorm = sorted[Math.ceil(n / 2) - 1]!
    if (medianNorm > 0) for (let j = 0; j < n; j++) if (norms[j]! > NORM_SCREEN_RATIO * medianNorm) verdicts[j] = 'norm'
  }
  const left = verdicts.flatMap((v, j) => (v === null ? [j] : []))
  if (left.length >= SCREEN_MIN_DELTAS) {
    const numel = deltas[left[0]!]!.values.length
    for (const j of left)
      if (deltas[j]!.values.length !== numel) throw new InvalidArgumentError('Every screened delta must cover the same parameters.')
    const dots = pairwiseDots(
      left.map((j) => deltas[j]!.values),
      left.map((j) => scans[j]!.support),
      numel,
    )
    for (let a = 0, p = 0; a < left.length; a++)
      for (let b = a + 1; b < left.length; b++, p++) {
        const dot = dots[p]!
        if (dot > 0) {
          votes[left[a]!]!.with++
          votes[left[b]!]!.with++
        } else if (dot < 0) {
          votes[left[a]!]!.against++
          votes[left[b]!]!.against++
        }
      }
    for (const j of left) if (votes[j]!.against > votes[j]!.with) verdicts[j] = 'direction'
  }
  return { verdicts, norms, medianNorm, votes }
}

/**
 * One pass over a delta: its L2 norm exactly as l2NormF64 computes it (squares in index order,
 * then Math.sqrt), and the ascending indices of its nonzero values, or null when more than a
 * quarter are nonzero (a dense delta: a list would cost more memory than it saves time; top-k
 * deltas keep about 1%).
 */
function scan(values: Float32Array): { norm: number; support: Uint32Array | null } {
  const capacity = Math.floor(values.length / 4)
  let support: Uint32Array | null = new Uint32Array(capacity)
  let count = 0
  let sq = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    sq += v * v
    if (v !== 0 && support) {
      if (count === capacity) support = null
      else support[count++] = i
    }
  }
  return { norm: Math.sqrt(sq), support: support ? support.slice(0, count) : null }
}

/** Coordinates per block of the dense pass: every dense row's block stays in cache for all its pairs. */
const DOT_BLOCK = 4096

/**
 * Dot products of every pair (a < b, in order a = 0, b = 1…; then a = 1…) in float64, each a sum
 * in ascending index order. A pair with a sparse row sums over the shorter nonzero list: terms
 * where x_i or y_i is 0 are ±0 and leave a float64 sum (which starts at +0) unchanged, so it has
 * the same bits as the dense loop. Pairs of dense rows are summed block by block, which keeps
 * each pair's order and reads each row once instead of once per pair.
 */
function pairwiseDots(rows: readonly Float32Array[], support: readonly (Uint32Array | null)[], numel: number): Float64Array {
  const n = rows.length
  const dots = new Float64Array((n * (n - 1)) / 2)
  const densePairs: [number, number, number][] = []
  for (let a = 0, p = 0; a < n; a++)
    for (let b = a + 1; b < n; b++, p++) {
      const xs = support[a]!
      const ys = support[b]!
      if (!xs && !ys) {
        densePairs.push([a, b, p])
        continue
      }
      const list = xs && ys ? (xs.length <= ys.length ? xs : ys) : (xs ?? ys)!
      const x = rows[a]!
      const y = rows[b]!
      let dot = 0
      for (let k = 0; k < list.length; k++) dot += x[list[k]!]! * y[list[k]!]!
      dots[p] = dot
    }
  for (let base = 0; base < numel && densePairs.length > 0; base += DOT_BLOCK) {
    const end = Math.min(numel, base + DOT_BLOCK)
    for (const [a, b, p] of densePairs) {
      const x = rows[a]!
      const y = rows[b]!
      let dot = dots[p]!
      for (let i = base; i < end; i++) dot += x[i]! * y[i]!
      dots[p] = dot
    }
  }
  return dots
}
