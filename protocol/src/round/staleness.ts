/**
 * Bounded staleness. A group belongs to the round it is signed for; its worker may have sampled
 * it on that round's θ or, by at most MAX_POLICY_STALENESS_ROUNDS rounds, an earlier one: a
 * worker that waits for round r − 1 to close samples round r's first groups on θ_{r−1} (an
 * early group) instead of idling. The GRPO loss weighs every token by the importance ratio
 * π_θ / π_old with π_old the sampling policy's log-prob the group carries, clipped at 1 ± ε, so
 * one round of lag is corrected for, not ignored; older groups would mostly be clipped away.
 */
export const MAX_POLICY_STALENESS_ROUNDS = 1

/** Whether a group of `round` sampled on θ_policyRound is trainable with staleness bound `maxStalenessRounds`. */
export function isTrainable(policyRound: bigint, round: bigint, maxStalenessRounds: number): boolean {
  return policyRound <= round && round - policyRound <= BigInt(maxStalenessRounds)
}
