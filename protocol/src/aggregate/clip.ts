// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Norm clipping before aggregation: a delta x with L2 norm ‖x‖ > bound is scaled by
 * s = bound / ‖x‖ (Sun et al. 2019, "Can you really backdoor federated learning?", §4). The
 * norm is the sum of squares in index order, in float64, then Math.sqrt; s stays a float64 and
 * each clipped coordinate is the one float64 product x_i · s. Nothing is rounded to float32
 * here: rounding happens once, after the rule (aggregate.ts).
 */
import { InvalidArgumentError } from '../errors.js'

/** ‖x‖₂: squares summed in index order in float64, then Math.sqrt (exactly specified). */
export function l2NormF64(values: Float32Array): number {
  let sq = 0
  for (let i = 0; i < values.length; i++) sq += values[i]! * values[i]!
  return Math.sqrt(sq)
}

/** The float64 factor that clips `values` to `clipNorm`: 1 when already inside the bound. */
export function clipScale(values: Float32Array, clipNorm: number): number {
  if (!(clipNorm > 0) || !Number.isFinite(clipNorm)) throw new InvalidArgumentError(`clipNorm must be finite and > 0, got ${clipNorm}.`)
  const norm = l2NormF64(values)
  return norm > clipNorm ? clipNorm / norm : 1
}
