/**
 * Group-relative advantages (GRPO). Not consensus-critical by itself: trainers compute them
 * locally from verified rewards, and what peers agree on is the aggregated delta.
 */
import { InvalidArgumentError } from '../errors.js'

/**
 * ε in the denominator of the normalised advantage. It only guards against a tiny std blowing
 * advantages up; rewards in murmur are multiples of 0.1, so any non-constant group of G ≤ 64
 * has std ≥ 0.0124 and ε = 1e-6 changes advantages by < 1e-4 relative.
 * Ref: DeepSeekMath (Shao et al. 2024) sec. 4.1.2 and TRL's GRPOTrainer, which use 1e-4..1e-6.
 */
export const ADVANTAGE_EPS = 1e-6

export interface GroupAdvantagesParameters {
  /** Rewards of one prompt's G completions, in the group's order. */
  rewards: readonly number[]
  eps?: number
}

/**
 * Group-relative advantage for one prompt's samples:
 * A_i = (r_i - mean(r)) / (std(r) + eps), population std.
 * A group whose rewards are all equal carries no signal and yields zeros.
 * Ref: DeepSeekMath (GRPO), sec. 4.1.
 * @throws InvalidArgumentError on an empty group, a non-finite reward or a bad eps.
 */
export function groupAdvantages({ rewards, eps = ADVANTAGE_EPS }: GroupAdvantagesParameters): Float64Array {
  if (rewards.length === 0) throw new InvalidArgumentError('groupAdvantages needs at least one reward, got an empty group.')
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new InvalidArgumentError(`groupAdvantages eps must be a finite number ≥ 0, got ${eps}.`)
  rewards.forEach((r, i) => {
    if (typeof r !== 'number' || !Number.isFinite(r))
      throw new InvalidArgumentError(`Reward ${i} of the group is ${r}; rewards must be finite numbers.`, { index: i, reward: r })
  })
  // all equal: exactly zero, even where the float mean of equal values is off by an ulp
  if (isZeroVarianceGroup(rewards)) return new Float64Array(rewards.length)
  let sum = 0
  for (const r of rewards) sum += r // fixed order: the caller's order
  const mean = sum / rewards.length
  let sq = 0
  for (const r of rewards) sq += (r - mean) * (r - mean)
  const std = Math.sqrt(sq / rewards.length) // sqrt is exactly specified; STYLE.md §7
  if (std === 0) return new Float64Array(rewards.length)
  return Float64Array.from(rewards, (r) => (r - mean) / (std + eps))
}

/** True when a group's rewards are all equal, so its advantages are all zero and it trains nothing. */
export function isZeroVarianceGroup(rewards: readonly number[]): boolean {
  return rewards.every((r) => r === rewards[0])
}
