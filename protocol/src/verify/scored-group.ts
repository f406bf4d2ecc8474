// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Verification of a signed ScoredGroup (DESIGN.md §3 step 2), in order of cost: envelope and
 * body decode, run/round/policy, prompt index and derived seed, group shape, signature and
 * author, rewards recomputed by the task verifier (never taken on trust), then a sampled replay.
 * Returns a verdict; never throws on the peer's bytes. Errors thrown by the injected components
 * are bugs in them and propagate.
 */
import { equalBytes, toHex0x } from '../bytes/bytes.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import { recoverSigner } from '../crypto/verify.js'
import type { ScoredGroup } from '../messages/scored-group.js'
import type { SignedMessage } from '../messages/signed.js'
import { derivePromptSeed } from './prompt-seed.js'
import { type ReplaySampling, selectReplayIndices } from './replay-selection.js'
import { openEnvelope, type Rejection, reject } from './verdict.js'

/** Recomputes rewards: the task's verifier, bound to the run's task spec by the app. */
export interface RewardOracle {
  /**
   * The reward of `tokens` as a completion of the prompt the task derives from `promptSeed`.
   * Deterministic over discrete data; must return a number (not throw) for any token sequence.
   */
  reward(input: { promptSeed: Uint8Array; tokens: Uint32Array }): number | Promise<number>
}

/** Replays completions with the policy (the engine implements it with a teacher-forced pass). */
export interface ReplayChecker {
  /**
   * Checks the completions at `completionIndices` of `group` against policy `group.policyHash`:
   * each token must lie in the policy's CDF interval for its sampling uniform and each logprob
   * must match within the run's named tolerance.
   */
  check(input: {
    group: ScoredGroup
    completionIndices: readonly number[]
  }): Promise<{ ok: true } | { ok: false; detail: string /** the checker lacks the claimed policy: no verdict */; unavailable?: true }>
}

export interface ScoredGroupVerifierComponents {
  rewardOracle: RewardOracle
  /** Absent: no replay (e.g. a peer without the engine); the verdict says so in `replayed`. */
  replayChecker?: ReplayChecker
}

/** What the receiver expects of a group in the current round (from the RunManifest). */
export interface ScoredGroupExpectation {
  domain: Eip712Domain
  round: bigint
  /** θ_round. */
  policyHash: Uint8Array
  /**
   * θ_{round−1}, where the receiver holds it: a group of `round` may also be sampled on it (an
   * early group, MAX_POLICY_STALENESS_ROUNDS); absent or null, only θ_round is accepted.
   */
  previousPolicyHash?: Uint8Array | null
  groupSize: number
  promptsPerPeer: number
  maxCompletionTokens: number
}

export type ScoredGroupVerdict = { ok: true; group: ScoredGroup; id: Uint8Array; replayed: readonly number[] } | Rejection

export async function verifyScoredGroup(
  components: ScoredGroupVerifierComponents,
  { message, expected, replay }: { message: Uint8Array | SignedMessage; expected: ScoredGroupExpectation; replay: ReplaySampling },
): Promise<ScoredGroupVerdict> {
  const opened = openEnvelope('ScoredGroup', message, expected.domain)
  if (!opened.ok) return opened
  const { signed, value: group, id, digest } = opened
  if (!equalBytes(group.run, expected.domain.salt))
    return reject('wrong-run', `group is for run ${toHex0x(group.run)}, not ${toHex0x(expected.domain.salt)}`)
  if (group.round !== expected.round)
    return reject('wrong-round', `group is for round ${group.round}, the current round is ${expected.round}`)
  const early = expected.previousPolicyHash != null && equalBytes(group.policyHash, expected.previousPolicyHash)
  if (!equalBytes(group.policyHash, expected.policyHash) && !early) {
    return reject(
      'wrong-policy',
      `group was sampled from policy ${toHex0x(group.policyHash)}, round ${expected.round} uses ${toHex0x(expected.policyHash)}${expected.previousPolicyHash ? ` (or ${toHex0x(expected.previousPolicyHash)} for an early group)` : ''}`,
    )
  }
  if (group.promptIndex >= expected.promptsPerPeer)
    return reject('bad-prompt-index', `prompt index ${group.promptIndex} is not below ${expected.promptsPerPeer} prompts per peer`)
  const seed = derivePromptSeed(group)
  if (!equalBytes(group.seed, seed))
    return reject('wrong-prompt', `seed ${toHex0x(group.seed)} is not the one derived for this author and prompt index (${toHex0x(seed)})`)
  if (group.completions.length !== expected.groupSize)
    return reject('wrong-group-size', `group has ${group.completions.length} completions; the run uses ${expected.groupSize}`)
  for (const [k, c] of group.completions.entries()) {
    if (c.tokens.length > expected.maxCompletionTokens) {
      return reject('too-long', `completion ${k} has ${c.tokens.length} tokens; the run allows ${expected.maxCompletionTokens}`)
    }
  }
  const signer = recoverSigner(digest, signed.signature)
  if (!signer.ok) return reject('bad-signature', `signature is not acceptable: ${signer.problem}`)
  if (!equalBytes(signer.address, group.author))
    return reject('wrong-signer', `signed by ${toHex0x(signer.address)}, but the author is ${toHex0x(group.author)}`)
  for (const [k, c] of group.completions.entries()) {
    const expectedReward = Math.fround(await components.rewardOracle.reward({ promptSeed: seed, tokens: c.tokens }))
    if (expectedReward !== c.reward)
      return reject('reward-mismatch', `completion ${k} declares reward ${c.reward}; the task verifier gives ${expectedReward}`)
  }
  let replayed: number[] = []
  if (components.replayChecker) {
    replayed = selectReplayIndices(replay, id, group.completions.length)
    if (replayed.length > 0) {
      const res = await components.replayChecker.check({ group, completionIndices: replayed })
      if (!res.ok) return reject('replay-mismatch', `replay of completions [${replayed.join(', ')}] failed: ${res.detail}`)
    }
  }
  return { ok: true, group, id, replayed }
}
