/**
 * Phase deadlines of a round from the manifest's `roundDurationMs`. The split is a protocol
 * choice, not consensus: it only says when a peer stops waiting. Rollouts get half the round
 * (sampling dominates compute), training until 80% (the aggregation deadline), and the last
 * 20% leaves room to fetch payloads, aggregate and gather validator signatures.
 */
import { InvalidArgumentError } from '../errors.js'
import type { RoundSchedule } from './types.js'

/** Fractions of the round, in parts per million. */
export const ROLLOUTS_END_PPM = 500_000
export const TRAINING_END_PPM = 800_000

export function roundScheduleOf({ roundDurationMs }: { roundDurationMs: number }): RoundSchedule {
  if (!Number.isSafeInteger(roundDurationMs) || roundDurationMs < 1)
    throw new InvalidArgumentError(`roundDurationMs must be a positive integer, got ${roundDurationMs}.`)
  return {
    rolloutsEndMs: Math.floor((roundDurationMs * ROLLOUTS_END_PPM) / 1_000_000),
    trainingEndMs: Math.floor((roundDurationMs * TRAINING_END_PPM) / 1_000_000),
    commitEndMs: roundDurationMs,
  }
}
