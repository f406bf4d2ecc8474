/**
 * Bounded staleness: a group sampled on θ_p is trainable in round r iff r − s ≤ p ≤ r. Groups
 * from older policies are off-policy enough that the importance ratios in the GRPO loss would
 * be clipped away anyway; groups from a future policy cannot be checked yet.
 */
export function isTrainable(policyRound: bigint, round: bigint, maxStalenessRounds: number): boolean {
  return policyRound <= round && round - policyRound <= BigInt(maxStalenessRounds)
}
