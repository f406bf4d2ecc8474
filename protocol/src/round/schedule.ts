/**
 * Phase deadlines of a round from the manifest's `roundDurationMs`. The split is a protocol
 * choice, not consensus: it only says when a peer stops waiting. Rollouts get 40% of the round;
 * trainers commit to their deltas by 80% (the commitments deadline) and reveal them at 82%, so a
 * peer that enters the round up to 2% of it later than a trainer still closes its commitments
 * before that trainer's header is public (peers further behind catch copies by order: see the
 * node's copy check). Training ends at 85% (the aggregation deadline), but a peer freezes its
 * included set only once every delta committed in time has its payload verified or failed, or
 * at 90% at the latest: commit and reveal tells it exactly what to wait for. Each proposal slot
 * is the last 15%: fetching payloads, aggregating and gathering validator signatures take a
 * fraction of that on a healthy network. Measured in-process on two cores, a 30% training
 * window dropped deltas that landed a few ms late, and a fixed 12% between the reveal and the
 * freeze cost 11% of useful compute (trainers stopped at 70%).
 */
import { InvalidArgumentError } from '../errors.js'
import type { RoundSchedule } from './types.js'

/** Fractions of the round, in parts per million. */
export const ROLLOUTS_END_PPM = 400_000
export const COMMITMENTS_END_PPM = 800_000
export const REVEAL_PPM = 820_000
export const TRAINING_END_PPM = 850_000
export const FREEZE_BY_PPM = 900_000

export function roundScheduleOf({ roundDurationMs }: { roundDurationMs: number }): RoundSchedule {
  if (!Number.isSafeInteger(roundDurationMs) || roundDurationMs < 1)
    throw new InvalidArgumentError(`roundDurationMs must be a positive integer, got ${roundDurationMs}.`)
  return {
    rolloutsEndMs: Math.floor((roundDurationMs * ROLLOUTS_END_PPM) / 1_000_000),
    commitmentsEndMs: Math.floor((roundDurationMs * COMMITMENTS_END_PPM) / 1_000_000),
    revealMs: Math.floor((roundDurationMs * REVEAL_PPM) / 1_000_000),
    trainingEndMs: Math.floor((roundDurationMs * TRAINING_END_PPM) / 1_000_000),
    freezeByMs: Math.floor((roundDurationMs * FREEZE_BY_PPM) / 1_000_000),
    commitEndMs: roundDurationMs,
  }
}
