// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The included set of a round: every delta whose commitment arrived before the commitments
 * deadline and whose header and payload verified before the aggregation deadline, ascending by
 * id (hashDelta). It is the order aggregation reduces in and the order RoundResult.deltas lists.
 * Ids are 32-byte lower-case hex, so string order is byte order.
 */
import type { Hex32, SeenDelta } from './types.js'

export function selectIncluded(deltas: readonly SeenDelta[], commitments: readonly Hex32[]): Hex32[] {
  const committed = new Set(commitments)
  return deltas
    .filter((d) => d.payload === 'valid' && committed.has(d.id))
    .map((d) => d.id)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
