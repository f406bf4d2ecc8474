// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Coordinate-wise median (Yin et al. 2018, "Byzantine-robust distributed learning", §3): the
 * middle value, or for an even count the float64 mean (a + b) / 2 of the two middle values.
 * Robust to fewer than half of the values being arbitrary.
 */
import { sortColumn } from './sort-column.js'

/** Median of one coordinate's values column[start..end); sorts them in place. */
export function medianOf(column: Float64Array, start = 0, end = column.length): number {
  sortColumn(column, start, end)
  const n = end - start
  const m = start + (n >> 1)
  return n % 2 === 1 ? column[m]! : (column[m - 1]! + column[m]!) / 2
}
