import { describe, expect, it } from 'vitest'
import { alice, bob, domain, POLICY_0, POLICY_1, sampleDelta, sampleGroup, samplePayloadBytes, validator } from '../../vectors/fixtures.js'
import { toHex0x } from '../bytes/bytes.js'
import { signDigest } from '../crypto/sign.js'
import { type Delta, encodeDelta, hashDelta } from '../messages/delta.js'
import { hashDeltaPayload } from '../messages/delta-payload.js'
import { encodeRoundResult, hashRoundResult, type Offense, type RoundResult } from '../messages/round-result.js'
import { sampleRound } from '../messages/samples.js'
import { encodeScoredGroup, hashScoredGroup, type ScoredGroup } from '../messages/scored-group.js'
import { encodeSignedMessage, signingDigest, signMessage } from '../messages/signed.js'
import { type OffenseContext, verifyOffense } from './offense.js'
import type { ReplayChecker, RewardOracle } from './scored-group.js'

/** The fixture's task: the reward is a function of the completion length (as in scored-group.test.ts). */
const oracle: RewardOracle = { reward: ({ tokens }) => ({ 3: 1, 4: 0.5 })[tokens.length] ?? 0 }
const show = (v: { ok: boolean; reason?: string; detail?: string }) => (v.ok ? 'ok' : `${v.reason}: ${v.detail}`)

describe('verifyOffense: reward-mismatch', () => {
  const ctx: OffenseContext = { domain, round: 0n, rewardOracle: oracle, previous: null, policyHash: null }
  const forged: ScoredGroup = {
    ...sampleGroup,
    completions: sampleGroup.completions.map((c, i) => (i === 1 ? { ...c, reward: Math.fround(c.reward + 0.5) } : c)),
  }
  const offense = (g: ScoredGroup, offender = alice.address): Offense => ({
    kind: 'reward-mismatch',
    offender,
    id: hashScoredGroup(encodeScoredGroup(g)),
  })
  const evidence = (g: ScoredGroup, key = alice.privateKey) => {
    // signMessage refuses a key that is not the author's; a liar's envelope is signed by hand
    const signed = signMessage('ScoredGroup', g, domain, alice.privateKey)
    return encodeSignedMessage({ ...signed, signature: signDigest(signingDigest('ScoredGroup', signed.body, domain).digest, key) })
  }

  it('holds for a group signed by its author with a reward the task does not give', async () => {
    expect(show(await verifyOffense(offense(forged), evidence(forged), ctx))).toBe('ok')
    // a group of the round before may be listed too, not one of two rounds back or of a later round
    expect(show(await verifyOffense(offense(forged), evidence(forged), { ...ctx, round: 1n }))).toBe('ok')
    expect(show(await verifyOffense(offense(forged), evidence(forged), { ...ctx, round: 2n }))).toMatch(/^wrong-round: /)
    const later = { ...forged, round: 1n }
    expect(show(await verifyOffense(offense(later), evidence(later), ctx))).toMatch(/^wrong-round: /)
  })

  it("does not hold for an honest group, or with evidence that is not the offender's", async () => {
    expect(show(await verifyOffense(offense(sampleGroup), evidence(sampleGroup), ctx))).toMatch(/^reward-mismatch: .*no offense/)
    // the offense names another message than the evidence
    expect(show(await verifyOffense(offense(sampleGroup), evidence(forged), ctx))).toMatch(/^malformed: the evidence is message/)
    // a forged group framed on bob: alice signed it, and its author is alice
    expect(show(await verifyOffense(offense(forged, bob.address), evidence(forged), ctx))).toMatch(/^wrong-signer: /)
    // bob signing alice's group proves nothing against either of them
    expect(show(await verifyOffense(offense(forged, bob.address), evidence(forged, bob.privateKey), ctx))).toMatch(
      /^wrong-signer: .*author/,
    )
    // a group of another run
    expect(
      show(await verifyOffense(offense(forged), evidence(forged), { ...ctx, domain: { ...domain, salt: new Uint8Array(32) } })),
    ).toMatch(/^(wrong-run|bad-signature|wrong-signer): /)
    expect(show(await verifyOffense(offense(forged), new Uint8Array([1, 2, 3]), ctx))).toMatch(/^malformed: /)
  })

  it('does not call a malformed group a reward mismatch', async () => {
    const reseeded = { ...forged, seed: new Uint8Array(32).fill(1) }
    expect(show(await verifyOffense(offense(reseeded), evidence(reseeded), ctx))).toMatch(/^wrong-prompt: /)
  })
})

describe('verifyOffense: wrong-result', () => {
  const { roundResult } = sampleRound()
  // the committed RoundResult of round 0; the offense is listed in round 1
  const committed: RoundResult = roundResult
  const ctx: OffenseContext = { domain, round: 1n, rewardOracle: oracle, previous: committed, policyHash: null }
  const offense = (rr: RoundResult, offender = validator.address): Offense => ({
    kind: 'wrong-result',
    offender,
    id: hashRoundResult(encodeRoundResult(rr)),
  })
  const evidence = (rr: RoundResult, key = validator.privateKey) => encodeSignedMessage(signMessage('RoundResult', rr, domain, key))
  const wrongTheta = { ...committed, newPolicyHash: POLICY_0 }

  it('holds for a signed RoundResult over the committed deltas with another θ or screened set', async () => {
    expect(POLICY_0).not.toEqual(committed.newPolicyHash)
    expect(show(await verifyOffense(offense(wrongTheta), evidence(wrongTheta), ctx))).toBe('ok')
    const wrongScreen = { ...committed, screened: committed.deltas }
    expect(show(await verifyOffense(offense(wrongScreen), evidence(wrongScreen), ctx))).toBe('ok')
  })

  it('does not hold for the committed result, other deltas, or without the committed result', async () => {
    // the committed body itself, even with other credits (credits depend on the offenses a proposer lists)
    const otherCredits = { ...committed, credits: [], offenses: [] }
    expect(show(await verifyOffense(offense(otherCredits), evidence(otherCredits), ctx))).toMatch(/^wrong-root: .*no offense/)
    // another delta set (another stall view's proposal) is not provably wrong
    const otherSet = { ...wrongTheta, deltas: [], screened: [] }
    expect(show(await verifyOffense(offense(otherSet), evidence(otherSet), ctx))).toMatch(/^wrong-policy: /)
    const otherBase = { ...wrongTheta, previousPolicyHash: POLICY_1 }
    expect(show(await verifyOffense(offense(otherBase), evidence(otherBase), ctx))).toMatch(/^wrong-policy: /)
    // only the round before may be judged, and only with its committed result at hand
    expect(show(await verifyOffense(offense(wrongTheta), evidence(wrongTheta), { ...ctx, round: 2n }))).toMatch(/^wrong-round: /)
    expect(show(await verifyOffense(offense(wrongTheta), evidence(wrongTheta), { ...ctx, previous: null }))).toMatch(
      /^wrong-round: .*not known here/,
    )
    expect(show(await verifyOffense(offense(wrongTheta), evidence(wrongTheta), { ...ctx, round: 0n }))).toMatch(/^wrong-round: /)
  })

  it('names the signer: a wrong result is the signer’s offense alone', async () => {
    expect(show(await verifyOffense(offense(wrongTheta, alice.address), evidence(wrongTheta), ctx))).toMatch(/^wrong-signer: /)
    // a ScoredGroup cannot stand in for a RoundResult
    const g = encodeSignedMessage(signMessage('ScoredGroup', sampleGroup, domain, alice.privateKey))
    expect(show(await verifyOffense(offense(wrongTheta), g, ctx))).toMatch(/^wrong-kind: /)
  })
})

describe('verifyOffense: replay-mismatch', () => {
  const seen: number[][] = []
  /** Fails completion 2 of any group whose first reward is not 1 (the fixture's "forged" ones); records what it replays. */
  const checker: ReplayChecker = {
    async check({ group, completionIndices }) {
      seen.push([...completionIndices])
      return group.completions[2]!.reward === 0.25 && completionIndices.includes(2)
        ? { ok: false, detail: 'completion 2 fails the replay at token 0: outside-interval' }
        : { ok: true }
    },
  }
  const forged: ScoredGroup = {
    ...sampleGroup,
    completions: sampleGroup.completions.map((c, i) => (i === 2 ? { ...c, reward: 0.25 } : c)),
  }
  const ctx: OffenseContext = { domain, round: 0n, rewardOracle: oracle, previous: null, policyHash: POLICY_0, replayChecker: checker }
  const offense = (g: ScoredGroup): Offense => ({
    kind: 'replay-mismatch',
    offender: alice.address,
    id: hashScoredGroup(encodeScoredGroup(g)),
  })
  const evidence = (g: ScoredGroup) => encodeSignedMessage(signMessage('ScoredGroup', g, domain, alice.privateKey))

  it('holds when a completion fails the replay of the round policy; every completion is replayed, not a sample', async () => {
    seen.length = 0
    expect(show(await verifyOffense(offense(forged), evidence(forged), ctx))).toBe('ok')
    expect(seen).toEqual([sampleGroup.completions.map((_, k) => k)])
    expect(show(await verifyOffense(offense(sampleGroup), evidence(sampleGroup), ctx))).toMatch(/^replay-mismatch: .*no offense/)
  })

  it('is unverifiable without the policy, and no offense for another round or policy', async () => {
    const noChecker = { ...ctx, replayChecker: undefined }
    expect(show(await verifyOffense(offense(forged), evidence(forged), noChecker))).toMatch(/^unverifiable: /)
    const lacking: ReplayChecker = { check: async () => ({ ok: false, detail: 'no policy', unavailable: true }) }
    expect(show(await verifyOffense(offense(forged), evidence(forged), { ...ctx, replayChecker: lacking }))).toMatch(
      /^unverifiable: no policy/,
    )
    expect(show(await verifyOffense(offense(forged), evidence(forged), { ...ctx, round: 1n }))).toMatch(/^wrong-round: /)
    expect(show(await verifyOffense(offense(forged), evidence(forged), { ...ctx, policyHash: POLICY_1 }))).toMatch(/^wrong-policy: /)
    expect(show(await verifyOffense(offense(forged), evidence(forged), { ...ctx, policyHash: null }))).toMatch(/^wrong-policy: /)
    expect(show(await verifyOffense({ ...offense(forged), offender: bob.address }, evidence(forged), ctx))).toMatch(/^wrong-signer: /)
  })

  it('holds for an early group (of round r on θ_{r−1}) where the checker names θ_{r−1}', async () => {
    const early = { ...ctx, policyHash: POLICY_1, previousPolicyHash: POLICY_0 }
    expect(show(await verifyOffense(offense(forged), evidence(forged), early))).toBe('ok')
    expect(show(await verifyOffense(offense(forged), evidence(forged), { ...early, previousPolicyHash: null }))).toMatch(
      /^wrong-policy: .*neither this round's nor \(early\) the last/,
    )
  })
})

describe('verifyOffense: invalid-payload', () => {
  const honest = sampleDelta([hashScoredGroup(encodeScoredGroup(sampleGroup))])
  const numel = 16
  const store = new Map<string, Uint8Array>()
  const keep = (bytes: Uint8Array) => {
    store.set(toHex0x(hashDeltaPayload(bytes)), bytes)
    return bytes
  }
  keep(samplePayloadBytes)
  const ctx: OffenseContext = {
    domain,
    round: 0n,
    rewardOracle: oracle,
    previous: null,
    policyHash: POLICY_0,
    numel,
    payloadOf: async (hash) => store.get(toHex0x(hash)) ?? null,
  }
  const offense = (d: Delta): Offense => ({ kind: 'invalid-payload', offender: bob.address, id: hashDelta(encodeDelta(d)) })
  const evidence = (d: Delta) => encodeSignedMessage(signMessage('Delta', d, domain, bob.privateKey))

  it('holds when the bytes the header names fail verifyDeltaPayload (a lied norm, corrupt bytes)', async () => {
    expect(show(await verifyOffense(offense(honest), evidence(honest), ctx))).toMatch(/^malformed-payload: .*no offense/)
    const liedNorm = { ...honest, norm: Math.fround(honest.norm / 100) }
    expect(show(await verifyOffense(offense(liedNorm), evidence(liedNorm), ctx))).toBe('ok')
    const corrupt = keep(Uint8Array.from(samplePayloadBytes, (b, i) => (i === 0 ? b ^ 0xff : b)))
    const onCorrupt = { ...honest, payloadHash: hashDeltaPayload(corrupt) }
    expect(show(await verifyOffense(offense(onCorrupt), evidence(onCorrupt), ctx))).toBe('ok')
  })

  it('is unverifiable without the bytes, and no offense for another round or author', async () => {
    const liedNorm = { ...honest, norm: Math.fround(honest.norm / 100) }
    expect(show(await verifyOffense(offense(liedNorm), evidence(liedNorm), { ...ctx, payloadOf: undefined }))).toMatch(/^unverifiable: /)
    // bytes that hash otherwise are not its payload: a relay cannot frame the author with junk
    const lying = { ...ctx, payloadOf: async () => new Uint8Array(honest.payloadSizeBytes) }
    expect(show(await verifyOffense(offense(liedNorm), evidence(liedNorm), lying))).toMatch(/^unverifiable: the bytes offered/)
    // the round after may list it (a payload fetched after its round's proposal), not later
    expect(show(await verifyOffense(offense(liedNorm), evidence(liedNorm), { ...ctx, round: 1n }))).toBe('ok')
    expect(show(await verifyOffense(offense(liedNorm), evidence(liedNorm), { ...ctx, round: 2n }))).toMatch(/^wrong-round: /)
    expect(show(await verifyOffense({ ...offense(liedNorm), offender: alice.address }, evidence(liedNorm), ctx))).toMatch(/^wrong-signer: /)
  })
})
