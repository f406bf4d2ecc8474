/**
 * The checks of one round's audit (audit.ts): RoundResult signatures and quorum, the listed
 * deltas and the groups they reference, and the signed credits against the re-derived ones.
 * Each reports what it finds through `problem` and never throws on the archive's bytes.
 */
import {
  type Address,
  type CreditEntry,
  type Delta,
  type DeltaContribution,
  decodeDelta,
  decodeScoredGroup,
  decodeSignedMessage,
  type Eip712Domain,
  equalBytes,
  type GroupContribution,
  groupTokenCount,
  hashDelta,
  hashScoredGroup,
  type RewardOracle,
  type RoundResult,
  type RunManifest,
  toChecksumAddress,
  toHex,
  toHex0x,
  verifyDeltaHeader,
  verifyOffense,
  verifyRoundResult,
  verifyScoredGroup,
} from '@murmur/protocol'
import type { RoundEvidence } from './evidence.js'

/** What the audit derives once per run from the manifest. */
export interface AuditRun {
  manifestBytes: Uint8Array
  manifest: RunManifest
  runId: Uint8Array
  domain: Eip712Domain
  oracle: RewardOracle
  numel: number
}

/** Rewards are recomputed by the oracle; replaying completions needs the policy, which an auditor need not hold. */
const NO_REPLAY = { ratePpm: 0, secret: new Uint8Array(32) }

const address = (a: Address) => toChecksumAddress(a)
const short = (id: Uint8Array) => `${toHex(id).slice(0, 12)}…`

/** The decoded value, or the decoder's message: archived bodies are a peer's bytes, never trusted to decode. */
function decoded<T>(decode: () => T): T | string {
  try {
    return decode()
  } catch (err) {
    if ((err as Error).name === 'MessageDecodeError') return (err as Error).message
    throw err
  }
}

export type Report = (field: string, message: string, contributor?: Address | null) => void

/** Distinct validators whose signatures over the archived body verify; reports the others and a missing quorum. */
export function verifySignatures(run: AuditRun, evidence: RoundEvidence, result: RoundResult, problem: Report): number {
  const signers = new Set<string>()
  let wrongRoot = false
  for (const { validator, envelope } of evidence.signatures) {
    const v = verifyRoundResult({
      message: envelope,
      expected: {
        domain: run.domain,
        round: evidence.round,
        previousPolicyHash: result.previousPolicyHash,
        validators: run.manifest.validators,
      },
    })
    if (!v.ok) {
      // a root that does not match the credits is the body's fault, not the signer's: report it once
      if (v.reason === 'wrong-root') {
        if (!wrongRoot) problem('contributionsRoot', `the signed RoundResult's root does not match its own credits: ${v.detail}`)
        wrongRoot = true
      } else problem('signature', `the signature filed under validator ${address(validator)} is rejected (${v.reason}): ${v.detail}`)
      continue
    }
    if (!equalBytes(v.validator, validator)) {
      problem('signature', `the signature filed under validator ${address(validator)} was made by ${address(v.validator)}`)
      continue
    }
    signers.add(toHex(v.validator))
  }
  if (signers.size < run.manifest.quorum)
    problem(
      'quorum',
      `${signers.size} distinct validator(s) signed this RoundResult verifiably; the run's quorum is ${run.manifest.quorum}`,
    )
  return signers.size
}

/** The listed deltas and the groups they reference, each with its verdict as the credit rule takes it. */
export async function verifyWork(
  run: AuditRun,
  evidence: RoundEvidence,
  result: RoundResult,
  problem: Report,
  notes: string[],
): Promise<{ groups: GroupContribution[]; deltas: DeltaContribution[] }> {
  const { round } = evidence
  const index = (envelopes: Uint8Array[], id: (body: Uint8Array) => Uint8Array) =>
    new Map(envelopes.map((e) => [toHex(id(decodeSignedMessage(e).body)), e]))
  const deltaFiles = index(evidence.deltas, hashDelta)
  const groupFiles = index(evidence.groups, hashScoredGroup)

  const listed: { id: Uint8Array; envelope: Uint8Array; delta: Delta }[] = []
  for (const id of result.deltas) {
    const envelope = deltaFiles.get(toHex(id))
    if (!envelope) {
      problem('deltas', `delta ${toHex0x(id)} is listed in the RoundResult but missing from the evidence`)
      continue
    }
    const delta = decoded(() => decodeDelta(decodeSignedMessage(envelope).body))
    if (typeof delta === 'string') problem('malformed', `delta ${short(id)} does not decode: ${delta}`)
    else listed.push({ id, envelope, delta })
  }
  const extraDeltas = deltaFiles.size - listed.length
  if (extraDeltas > 0) notes.push(`${extraDeltas} delta file(s) not listed in the RoundResult were ignored`)

  const referenced = new Map<string, { id: Uint8Array; usedBy: Delta }>()
  for (const { delta } of listed)
    for (const g of delta.groups) if (!referenced.has(toHex(g))) referenced.set(toHex(g), { id: g, usedBy: delta })
  const expected = {
    domain: run.domain,
    round,
    policyHash: result.previousPolicyHash,
    groupSize: run.manifest.groupSize,
    promptsPerPeer: run.manifest.promptsPerPeer,
    maxCompletionTokens: run.manifest.maxCompletionTokens,
  }
  const groups: GroupContribution[] = []
  for (const [key, { id, usedBy }] of referenced) {
    const envelope = groupFiles.get(key)
    if (!envelope) {
      problem('groups', `group ${toHex0x(id)}, used by its delta, is missing from the evidence`, usedBy.author)
      continue
    }
    const group = decoded(() => decodeScoredGroup(decodeSignedMessage(envelope).body))
    if (typeof group === 'string') {
      problem('malformed', `group ${short(id)}, used by its delta, does not decode: ${group}`, usedBy.author)
      continue
    }
    const v = await verifyScoredGroup({ rewardOracle: run.oracle }, { message: envelope, expected, replay: NO_REPLAY })
    if (!v.ok)
      problem(
        v.reason === 'reward-mismatch' ? 'reward' : v.reason,
        `group ${short(id)} (prompt ${group.promptIndex}): ${v.detail}`,
        group.author,
      )
    groups.push({ id, author: group.author, promptIndex: group.promptIndex, tokens: groupTokenCount(group), accepted: v.ok })
  }
  const extraGroups = groupFiles.size - groups.length
  if (extraGroups > 0) notes.push(`${extraGroups} group file(s) no listed delta uses were ignored`)

  const accepted = new Set(groups.filter((g) => g.accepted).map((g) => toHex(g.id)))
  const deltas: DeltaContribution[] = listed.map(({ id, envelope, delta }) => {
    const v = verifyDeltaHeader({
      message: envelope,
      expected: {
        domain: run.domain,
        round,
        basePolicyHash: result.previousPolicyHash,
        maxNorm: run.manifest.maxDeltaNorm,
        numel: run.numel,
        isValidGroup: (g) => accepted.has(toHex(g)),
      },
    })
    if (!v.ok) problem(v.reason, `delta ${short(id)}: ${v.detail}`, delta.author)
    return { id, author: delta.author, groups: delta.groups, accepted: v.ok }
  })
  return { groups, deltas }
}

/** Reports every leaf where the signed credits differ from the re-derived ones, by contributor and field. */
export function compareCredits(signed: readonly CreditEntry[], derived: readonly CreditEntry[], problem: Report): void {
  const bySigned = new Map(signed.map((c) => [toHex(c.contributor), c]))
  const byDerived = new Map(derived.map((c) => [toHex(c.contributor), c]))
  const keys = [...new Set([...bySigned.keys(), ...byDerived.keys()])].sort()
  for (const key of keys) {
    const s = bySigned.get(key)
    const d = byDerived.get(key)
    if (!s)
      problem(
        'credit',
        `has no leaf in the signed RoundResult, but the evidence gives it ${d!.credit} credit (${d!.acceptedGroups} groups, ${d!.acceptedDeltas} deltas)`,
        d!.contributor,
      )
    else if (!d)
      problem('credit', `has a leaf in the signed RoundResult (credit ${s.credit}) that the evidence does not support`, s.contributor)
    else {
      for (const field of ['acceptedGroups', 'acceptedDeltas', 'credit'] as const) {
        if (s[field] !== d[field])
          problem(field, `${field} is ${s[field]} in the signed RoundResult, but the evidence gives ${d[field]}`, s.contributor)
      }
    }
  }
}

/**
 * Each offense the RoundResult lists against the archive's proofs (`offenses/`): a message the
 * offender signed that verifyOffense accepts (a `wrong-result` one against `previous`, the
 * archive's RoundResult of the round before). Reports each offense the archive does not prove;
 * `proven` is null for a replay or payload offense, which needs the round's policy or the
 * payload to check (noted).
 */
export async function verifyOffenses(
  run: AuditRun,
  evidence: RoundEvidence,
  result: RoundResult,
  previous: RoundResult | null,
  problem: Report,
  notes: string[],
): Promise<{ kind: string; offender: string; id: string; proven: boolean | null }[]> {
  // h_round is the body's previous policy; an auditor holds no policy, so a replay offense is
  // checked up to the replay itself (signer, author, round, policy, seed) and noted
  const ctx = { domain: run.domain, round: result.round, rewardOracle: run.oracle, previous, policyHash: result.previousPolicyHash }
  const out = []
  for (const o of result.offenses) {
    let why = 'the archive holds no message proving it'
    let proven: boolean | null = false
    for (const envelope of evidence.offenses) {
      const v = await verifyOffense(o, envelope, ctx)
      if (v.ok || v.reason === 'unverifiable') {
        why = ''
        proven = v.ok ? true : null
        if (!v.ok) notes.push(`the ${o.kind} offense of ${address(o.offender)} is taken on the quorum's word: ${v.detail}`)
        break
      }
      // a message with the offense's id that does not prove it says why
      if (v.reason !== 'malformed' && v.reason !== 'wrong-kind' && v.reason !== 'wrong-signer') why = `${v.reason}: ${v.detail}`
    }
    if (why) problem('offenses', `the ${o.kind} offense (message ${short(o.id)}) is not proven: ${why}`, o.offender)
    out.push({ kind: o.kind, offender: address(o.offender), id: toHex0x(o.id), proven })
  }
  return out
}
