// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Plain mean of one coordinate, for reference and tests: the values summed in the order given
 * (the included deltas' hash order) in float64, divided by their count. Not robust: one peer
 * moves it arbitrarily far within the clip bound.
 */
export function meanOf(column: Float64Array, start = 0, end = column.length): number {
  let sum = 0
  for (let j = start; j < end; j++) sum += column[j]!
  return sum / (end - start)
}
