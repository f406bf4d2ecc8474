// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Coordinate-wise trimmed mean (Yin et al. 2018, "Byzantine-robust distributed learning", §4):
 * sort one coordinate's n values, drop the t = floor(β·n) smallest and t largest, and average
 * the rest in float64, summing in ascending order. With β < 1/2 at least one value remains.
 * If at most t of the n values are adversarial, the result lies between the smallest and the
 * largest honest value of that coordinate, however large the adversarial ones are.
 */
import { InvalidArgumentError } from '../errors.js'
import { sortColumn } from './sort-column.js'

/** Values trimmed from each end: floor(β·n) (one float64 product, exactly specified). */
export function trimCount(n: number, trimFraction: number): number {
  if (!(trimFraction >= 0 && trimFraction < 0.5)) throw new InvalidArgumentError(`trimFraction must be in [0, 0.5), got ${trimFraction}.`)
  return Math.floor(trimFraction * n)
}

/** Trimmed mean of one coordinate's values column[start..end) with `trim` dropped from each end; sorts them in place. */
export function trimmedMeanOf(column: Float64Array, trim: number, start = 0, end = column.length): number {
  sortColumn(column, start, end)
  const lo = start + trim
  const hi = end - trim
  let sum = 0
  for (let j = lo; j < hi; j++) sum += column[j]!
  return sum / (hi - lo)
}
