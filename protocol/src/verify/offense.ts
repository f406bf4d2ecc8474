// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Fraud proofs: checking an offense a RoundResult lists (messages/round-result.ts) against the
 * signed message that is its evidence. Each kind is decided by deterministic rules only (the
 * task verifier, bit-exact aggregation), so every honest validator reaches the same verdict and
 * a proposer can make an offender forfeit the round without anyone taking its word for it:
 *
 * - `reward-mismatch`: the evidence is a ScoredGroup of run `domain.salt`, of round r or r − 1
 *   (r: the round whose RoundResult lists it), signed by its author = the offender, well formed
 *   (its seed is the one derived for its author and prompt index), with at least one completion
 *   whose declared reward is not the one the task verifier gives. An honest worker never signs
 *   one: rewards are computed, not chosen.
 * - `wrong-result`: the evidence is a RoundResult of round r − 1 signed by the offender that
 *   lists the same previous policy and the same deltas as the committed RoundResult of r − 1 but
 *   another θ_{r} or another screened set. Aggregation and the screen are deterministic functions
 *   of exactly those inputs, so the two cannot both be right, and a quorum signed the other one.
 *   (A validator may sign two RoundResults of one round honestly, in two stall views, but over
 *   two different delta sets; that is never an offense here.)
 * - `replay-mismatch`: the evidence is a well-formed ScoredGroup of round r on θ_r (or, an early
 *   group, on θ_{r−1}), signed by its author = the offender, with a completion that fails the
 *   replay of the policy it claims (the injected
 *   ReplayChecker, built at OFFENSE_REPLAY_TOLERANCE_SCALE × the run's tolerances): every
 *   completion is replayed, not a sample. The replay is floating point, but honest completions
 *   stay within 1× the tolerances on every backend, so a failure at 2× is not sampled from θ_r
 *   by the seeded sampler, whichever backend checks it. A checker without θ_r (an auditor)
 *   gets `unverifiable`, not a verdict.
 * - `invalid-payload`: the evidence is a Delta of round r or r − 1 signed by its author = the offender,
 *   and the bytes its `payloadHash` names (fetched through the injected `payloadOf`; bytes that
 *   hash otherwise are not its payload and prove nothing) fail verifyDeltaPayload. The author
 *   signed the hash of bytes no honest trainer produces. Without the bytes: `unverifiable`.
 *
 * What is not here, because no third party can check it or an honest peer could produce it: a
 * delta trained on something other than what it claims (caught, if at all, by the screen), an
 * unanswered blob request, a stale-base delta (an honest peer on an uncommitted fork signs one).
 * Never throws on a peer's bytes.
 */
import { compareBytes, equalBytes, toHex0x } from '../bytes/bytes.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import { recoverSigner } from '../crypto/verify.js'
import { hashDeltaPayload } from '../messages/delta-payload.js'
import type { Offense, RoundResult } from '../messages/round-result.js'
import type { ScoredGroup } from '../messages/scored-group.js'
import type { SignedMessage, SignedTypes } from '../messages/signed.js'
import { verifyDeltaPayload } from './delta.js'
import { derivePromptSeed } from './prompt-seed.js'
import type { ReplayChecker, RewardOracle } from './scored-group.js'
import { openEnvelope, type Rejection, reject, type Verdict } from './verdict.js'

export interface OffenseContext {
  domain: Eip712Domain
  /** The round whose RoundResult lists the offense. */
  round: bigint
  /** Recomputes rewards (`reward-mismatch`). */
  rewardOracle: RewardOracle
  /** The committed RoundResult of `round − 1` (`wrong-result`); null when this checker does not hold it. */
  previous: RoundResult | null
  /** h_round (`replay-mismatch`): the policy the round's groups are sampled on; null when unknown. */
  policyHash: Uint8Array | null
  /** h_{round−1} (`replay-mismatch`): the policy the round's early groups are sampled on; absent or null when unknown. */
  previousPolicyHash?: Uint8Array | null
  /**
   * Replays completions of θ_round (`replay-mismatch`), at OFFENSE_REPLAY_TOLERANCE_SCALE × the
   * run's tolerances; absent when this checker holds no policy.
   */
  replayChecker?: ReplayChecker
  /** The bytes whose sha256 is `hash` (`invalid-payload`), or null when this checker cannot get them. */
  payloadOf?: (hash: Uint8Array) => Promise<Uint8Array | null>
  /** The model's parameter count (`invalid-payload`). */
  numel?: number
}

const sameIds = (a: readonly Uint8Array[], b: readonly Uint8Array[]) =>
  a.length === b.length && a.every((x, i) => compareBytes(x, b[i]!) === 0)

/**
 * The evidence opened as a `kind` envelope whose id is the offense's, whose signature recovers
 * to the offender and whose run is this one; a group or delta must also be the offender's own
 * (`author`). Otherwise the rejection that says which check failed.
 */
function openProof<K extends 'ScoredGroup' | 'Delta' | 'RoundResult'>(
  kind: K,
  offense: Offense,
  evidence: Uint8Array | SignedMessage,
  ctx: OffenseContext,
): { ok: true; value: SignedTypes[K] } | Rejection {
  const opened = openEnvelope(kind, evidence, ctx.domain)
  if (!opened.ok) return opened
  const value = opened.value
  if (!equalBytes(opened.id, offense.id))
    return reject('malformed', `the evidence is message ${toHex0x(opened.id)}, not ${toHex0x(offense.id)}`)
  const signer = recoverSigner(opened.digest, opened.signed.signature)
  if (!signer.ok) return reject('bad-signature', `the evidence's signature is not acceptable: ${signer.problem}`)
  if (!equalBytes(signer.address, offense.offender))
    return reject('wrong-signer', `the evidence is signed by ${toHex0x(signer.address)}, not the offender ${toHex0x(offense.offender)}`)
  if (!equalBytes(value.run, ctx.domain.salt))
    return reject('wrong-run', `the evidence is for run ${toHex0x(value.run)}, not ${toHex0x(ctx.domain.salt)}`)
  if ('author' in value && !equalBytes(value.author, offense.offender))
    return reject('wrong-signer', `the message's author is ${toHex0x(value.author)}, not the offender ${toHex0x(offense.offender)}`)
  return { ok: true, value }
}

/** A message of round `of` may be listed in round `round` if it is of that round, or (`back` = 1) the one before. */
function outsideWindow(what: string, of: bigint, round: bigint, back: 0n | 1n): Rejection | null {
  if (of <= round && round - of <= back) return null
  return reject(
    'wrong-round',
    `the ${what} is of round ${of}; round ${round} may list ${back ? `rounds ${round - 1n} and ${round}` : 'only its own'}`,
  )
}

/**
 * A group's proof (reward or replay mismatch): opened (openProof), of a round the window admits
 * (`back` rounds before ctx.round at most), on θ_r or θ_{r−1} for a replay mismatch, and with the derived
 * prompt seed, which it returns. The checks run in that order, so the first failing one is the
 * reason a gossiped proof is judged by.
 */
function openGroupProof(
  offense: Offense,
  evidence: Uint8Array | SignedMessage,
  ctx: OffenseContext,
  back: 0n | 1n,
): { ok: true; group: ScoredGroup; seed: Uint8Array } | Rejection {
  const proof = openProof('ScoredGroup', offense, evidence, ctx)
  if (!proof.ok) return proof
  const group = proof.value
  const late = outsideWindow('group', group.round, ctx.round, back)
  if (late) return late
  const onPolicy = (h: Uint8Array | null | undefined) => h != null && equalBytes(group.policyHash, h)
  if (offense.kind === 'replay-mismatch' && !onPolicy(ctx.policyHash) && !onPolicy(ctx.previousPolicyHash))
    return reject('wrong-policy', `the group claims policy ${toHex0x(group.policyHash)}, neither this round's nor (early) the last`)
  const seed = derivePromptSeed(group)
  if (!equalBytes(group.seed, seed))
    return reject('wrong-prompt', `the group is malformed (its seed is not the derived one), not a ${offense.kind.replace('-', ' ')}`)
  return { ok: true, group, seed }
}

/** Whether `evidence` proves `offense` in the RoundResult of `ctx.round` (see the file comment). */
export async function verifyOffense(offense: Offense, evidence: Uint8Array | SignedMessage, ctx: OffenseContext): Promise<Verdict> {
  switch (offense.kind) {
    case 'reward-mismatch': {
      const proof = openGroupProof(offense, evidence, ctx, 1n)
      if (!proof.ok) return proof
      for (const c of proof.group.completions) {
        const expected = Math.fround(await ctx.rewardOracle.reward({ promptSeed: proof.seed, tokens: c.tokens }))
        if (expected !== c.reward) return { ok: true }
      }
      return reject('reward-mismatch', 'every declared reward is the one the task verifier gives: no offense')
    }
    case 'replay-mismatch': {
      const proof = openGroupProof(offense, evidence, ctx, 0n)
      if (!proof.ok) return proof
      const { group } = proof
      if (!ctx.replayChecker) return reject('unverifiable', 'this checker holds no policy to replay the group with')
      const res = await ctx.replayChecker.check({ group, completionIndices: group.completions.map((_, k) => k) })
      if (res.ok) return reject('replay-mismatch', 'every completion replays within the offense tolerance: no offense')
      if (res.unavailable) return reject('unverifiable', res.detail)
      return { ok: true }
    }
    case 'invalid-payload': {
      const proof = openProof('Delta', offense, evidence, ctx)
      if (!proof.ok) return proof
      const delta = proof.value
      // a payload fetched after the proposal of its round is listed in the next
      const late = outsideWindow('delta', delta.round, ctx.round, 1n)
      if (late) return late
      const bytes = ctx.payloadOf ? await ctx.payloadOf(delta.payloadHash) : null
      if (!bytes || ctx.numel === undefined) return reject('unverifiable', 'this checker cannot get the payload the delta names')
      if (!equalBytes(hashDeltaPayload(bytes), delta.payloadHash))
        return reject('unverifiable', 'the bytes offered are not the payload the delta names')
      const v = verifyDeltaPayload({ delta, payload: bytes, numel: ctx.numel })
      return v.ok ? reject('malformed-payload', 'the payload verifies: no offense') : { ok: true }
    }
    case 'wrong-result': {
      const proof = openProof('RoundResult', offense, evidence, ctx)
      if (!proof.ok) return proof
      const rr = proof.value
      const previous = ctx.previous
      if (ctx.round === 0n || rr.round !== ctx.round - 1n)
        return reject('wrong-round', `the RoundResult is of round ${rr.round}; round ${ctx.round} may only list one of the round before`)
      if (!previous || previous.round !== rr.round)
        return reject('wrong-round', `the committed RoundResult of round ${rr.round} is not known here, so the offense cannot be checked`)
      if (!equalBytes(rr.previousPolicyHash, previous.previousPolicyHash) || !sameIds(rr.deltas, previous.deltas))
        return reject(
          'wrong-policy',
          'the RoundResult aggregates another policy or other deltas than the committed one: not provably wrong',
        )
      if (equalBytes(rr.newPolicyHash, previous.newPolicyHash) && sameIds(rr.screened, previous.screened))
        return reject('wrong-root', 'the RoundResult gives the committed θ and screened set: no offense')
      return { ok: true }
    }
  }
}
