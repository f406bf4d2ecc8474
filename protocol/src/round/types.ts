/**
 * Types of the round state machine (DESIGN.md §3): plain data only, so a state can be logged,
 * persisted and compared, and effects can cross a worker boundary. Ids and hashes are 32-byte
 * `0x` lower-case hex ({@link Hex32}); for those, string order equals compareBytes order.
 */

/** `0x` + 64 lower-case hex digits: a message id, payload hash or policy hash. */
export type Hex32 = `0x${string}`

/** Roles any peer can take, in any combination. */
export type Role = 'worker' | 'trainer' | 'validator'

/** Phases of one round, in order. */
export type Phase = 'rollouts' | 'training' | 'aggregation' | 'commit'

/** Offsets from the round's start, in ms (schedule.ts derives them from the manifest). */
export interface RoundSchedule {
  /** End of rollouts: trainers start on the groups they hold. */
  rolloutsEndMs: number
  /**
   * The commitments deadline: a delta is includable only if its DeltaCommitment arrived before
   * it. A trainer commits before it and reveals its header at `revealMs`.
   */
  commitmentsEndMs: number
  /** When a trainer reveals (gossips the header of) a delta it committed to. */
  revealMs: number
  /** End of training = the aggregation deadline: the first proposer freezes its included set. */
  trainingEndMs: number
  /**
   * End of the first proposal slot. Proposal slot a (a = 0, 1, …) runs from
   * trainingEnd + a·(commitEnd − trainingEnd); its proposer is validators[(round + a) mod n], so
   * a dead or silent proposer delays the round by one slot, never stalls it.
   */
  commitEndMs: number
}

export interface RoundConfig {
  roles: readonly Role[]
  /** This peer's ledger address (lower-case hex, 20 bytes). */
  self: `0x${string}`
  schedule: RoundSchedule
  /**
   * Groups of round r sampled on θ_{r−s}..θ_r are trainable in round r (importance weights are
   * in the GRPO loss); the protocol allows s ≤ MAX_POLICY_STALENESS_ROUNDS.
   */
  maxStalenessRounds: number
  /** Validator addresses (lower-case hex) and the quorum of equal RoundResults that commits a round. */
  validators: readonly `0x${string}`[]
  quorum: number
}

/** A group this peer accepted, with the round of the policy it was sampled on. */
export interface HeldGroup {
  id: Hex32
  policyRound: bigint
}

/** A delta of the current round whose header verified; `payload` says how far its bytes got. */
export interface SeenDelta {
  id: Hex32
  payload: 'pending' | 'valid' | 'invalid'
}

/** A validator's signed RoundResult as far as the machine cares: which deltas, which θ_{r+1}. */
export interface RoundVote {
  validator: `0x${string}`
  newPolicyHash: Hex32
  /** The included deltas it lists, ascending. */
  included: Hex32[]
}

/**
 * The RoundResult this peer is reproducing (aggregating its listed deltas on θ_r) or has
 * reproduced. Its own proposal has `claimed` null until its aggregation finishes.
 */
export interface Proposal {
  validator: `0x${string}`
  included: Hex32[]
  /** θ_{r+1} as the proposer claims it. */
  claimed: Hex32 | null
  status: 'aggregating' | 'reproduced'
}

export interface RoundState {
  config: RoundConfig
  round: bigint
  phase: Phase
  /** h_round. */
  policyHash: Hex32
  startedAtMs: number
  /** Latest time seen; time never goes back. */
  nowMs: number
  /** Accepted groups of this round (sampled within the staleness window), ascending by id. */
  groups: HeldGroup[]
  /** Groups of this round this peer already trained on (so they are not used twice), ascending. */
  trainedGroups: Hex32[]
  /** Deltas of this round, ascending by id. */
  deltas: SeenDelta[]
  /** Ids of the deltas whose commitment this peer saw before the commitments deadline, ascending. */
  commitments: Hex32[]
  /** This peer's own deltas, committed to and not yet revealed, ascending. */
  unrevealed: Hex32[]
  /** Frozen at the aggregation deadline (or on adopting a proposal): valid, committed deltas seen, ascending by id. */
  included: Hex32[] | null
  /** The proposal this peer adopted, if any. */
  proposal: Proposal | null
  /** Stall views passed (each n proposal slots without a quorum); a validator may re-vote once per view. */
  view: number
  /** Validators whose proposal this peer could not reproduce this round (it never adopts them again). */
  rejected: `0x${string}`[]
  /** h_{round+1} as this peer reproduced it. */
  newPolicyHash: Hex32 | null
  /** One vote per validator, ascending by validator. */
  votes: RoundVote[]
}

/** Events carry the time the shell saw them (`atMs`); the machine never reads a clock. */
export type RoundEvent =
  | { kind: 'tick'; atMs: number }
  /** This peer's own rollouts for `round` finished and were scored; ids of its ScoredGroups. */
  | { kind: 'rollouts-done'; atMs: number; round: bigint; groups: Hex32[] }
  /** A ScoredGroup from the swarm, sampled on θ_policyRound, with the verifier's verdict. */
  | { kind: 'group'; atMs: number; round: bigint; id: Hex32; policyRound: bigint; valid: boolean }
  /** This peer's own delta for `round` is signed and its payload stored. */
  | { kind: 'trained'; atMs: number; round: bigint; delta: Hex32 }
  /** A DeltaCommitment to the delta `delta` (its id), with verifyDeltaCommitment's verdict. */
  | { kind: 'delta-commitment'; atMs: number; round: bigint; delta: Hex32; valid: boolean }
  /** A Delta header with verifyDeltaHeader's verdict. */
  | { kind: 'delta-header'; atMs: number; round: bigint; id: Hex32; valid: boolean }
  /** A fetched delta payload with verifyDeltaPayload's verdict. */
  | { kind: 'delta-payload'; atMs: number; round: bigint; id: Hex32; valid: boolean }
  /**
   * This peer finished an `aggregate` effect for `round`: θ_{r+1} of those deltas, or null when
   * it could not (a listed delta it does not hold or that does not verify).
   */
  | { kind: 'aggregated'; atMs: number; round: bigint; included: Hex32[]; newPolicyHash: Hex32 | null }
  /**
   * A RoundResult from a validator, with the shell's verdict: verifyRoundResult, and its credits
   * equal to what the protocol's rule gives for the listed deltas when this peer can check them.
   */
  | {
      kind: 'round-result'
      atMs: number
      round: bigint
      validator: `0x${string}`
      newPolicyHash: Hex32
      included: Hex32[]
      valid: boolean
    }

export type RoundEffect =
  /** Sample and score this peer's prompts on θ_round (worker). */
  | { kind: 'rollout'; round: bigint; policyHash: Hex32 }
  | { kind: 'publish-group'; round: bigint; id: Hex32 }
  /** Compute, compress and sign a delta on θ_round from these groups (trainer). */
  | { kind: 'train'; round: bigint; policyHash: Hex32; groups: Hex32[] }
  /** Gossip this peer's DeltaCommitment to its delta `id` (at once). */
  | { kind: 'publish-commitment'; round: bigint; id: Hex32 }
  /** Reveal: gossip the header of this peer's delta `id` and serve it (at revealMs, or at once when later). */
  | { kind: 'publish-delta'; round: bigint; id: Hex32 }
  /** Fetch a delta's payload by its header's payloadHash from any peer that announced it. */
  | { kind: 'fetch-blob'; round: bigint; delta: Hex32 }
  /** Run nextPolicy on θ_round with these deltas, in this order (fetching payloads it lacks). */
  | { kind: 'aggregate'; round: bigint; policyHash: Hex32; included: Hex32[] }
  /** Sign and gossip RoundResult(round, h_round, h_{round+1}, included): a proposal or an endorsement (validator). */
  | { kind: 'publish-round-result'; round: bigint; previousPolicyHash: Hex32; newPolicyHash: Hex32; included: Hex32[] }
  /** A quorum agreed: submit the round to the ledger (validator). */
  | { kind: 'commit'; round: bigint; policyHash: Hex32 }
  /** The quorum's θ_{round+1} is not one this peer reproduced: fetch that checkpoint by hash and report. */
  | { kind: 'fetch-checkpoint'; round: bigint; policyHash: Hex32; localPolicyHash: Hex32 | null }
  /** Move to θ_{round+1} = `policyHash`; `committed` says whether a quorum backed it. */
  | { kind: 'advance'; round: bigint; policyHash: Hex32; committed: boolean }

export interface StepResult {
  state: RoundState
  effects: RoundEffect[]
}
