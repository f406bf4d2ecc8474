/**
 * Phase deadlines of a round from the manifest's `roundDurationMs`. The split is a protocol
 * choice, not consensus: it only says when a peer stops waiting. Rollouts get 40% of the round;
 * trainers commit to their deltas by 70% (the commitments deadline) and reveal them at 73%, so a
 * peer that enters the round up to 3% of it later than a trainer still closes its commitments
 * before that trainer's header is public; training ends at 85% (the aggregation deadline: the
 * revealed headers and payloads must have arrived by then), and each proposal slot is the last
 * 15%: fetching payloads, aggregating and gathering validator signatures take a fraction of that
 * on a healthy network. Measured in-process on two cores, a 30% training window dropped deltas
 * that landed a few ms late.
 */
import { InvalidArgumentError } from '../errors.js'
import type { RoundSchedule } from './types.js'

/** Fractions of the round, in parts per million. */
export const ROLLOUTS_END_PPM = 400_000
export const COMMITMENTS_END_PPM = 700_000
export const REVEAL_PPM = 730_000
export const TRAINING_END_PPM = 850_000

export function roundScheduleOf({ roundDurationMs }: { roundDurationMs: number }): RoundSchedule {
  if (!Number.isSafeInteger(roundDurationMs) || roundDurationMs < 1)
    throw new InvalidArgumentError(`roundDurationMs must be a positive integer, got ${roundDurationMs}.`)
  return {
    rolloutsEndMs: Math.floor((roundDurationMs * ROLLOUTS_END_PPM) / 1_000_000),
    commitmentsEndMs: Math.floor((roundDurationMs * COMMITMENTS_END_PPM) / 1_000_000),
    revealMs: Math.floor((roundDurationMs * REVEAL_PPM) / 1_000_000),
    trainingEndMs: Math.floor((roundDurationMs * TRAINING_END_PPM) / 1_000_000),
    commitEndMs: roundDurationMs,
  }
}
