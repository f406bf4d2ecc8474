// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Ascending in-place insertion sort of one coordinate's values (column[start..end)) (a handful per round, so
 * insertion sort beats Array#sort and allocates nothing). Only `<` on finite float64 values is
 * used, so the sorted sequence is the same on every engine; equal values (including −0 and +0)
 * may swap, which changes no sum the rules take beyond the sign of an all-zero result, and
 * aggregate.ts folds −0 to +0.
 */
export function sortColumn(column: Float64Array, start = 0, end = column.length): void {
  for (let i = start + 1; i < end; i++) {
    const v = column[i]!
    let j = i - 1
    while (j >= start && v < column[j]!) {
      column[j + 1] = column[j]!
      j--
    }
    column[j + 1] = v
  }
}
