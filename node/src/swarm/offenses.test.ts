import {
  addressFromPrivateKey,
  createCharTokenizer,
  createTask,
  decodeRunManifest,
  decodeScoredGroup,
  decodeSignedMessage,
  deriveSeed,
  encodeSignedMessage,
  equalBytes,
  hashRunManifest,
  runDomain,
  signingDigest,
  signMessage,
  soloRunOfManifest,
  taskRewardOracle,
  toHex,
} from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { syntheticManifest, syntheticRound } from '../chain/synthetic-round.js'
import { OffenseBook, offenseEvidenceKey } from './offenses.js'

const validatorKeys = [1, 2, 3].map((i) => deriveSeed('murmur/test/offenses/validator', i))
const manifestBytes = syntheticManifest({ chainId: 31337n, ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3', validatorKeys, quorum: 2 })
const domain = runDomain(manifestBytes)
const task = createTask(soloRunOfManifest(decodeRunManifest(manifestBytes), hashRunManifest(manifestBytes)).taskParams)
const book = () => new OffenseBook({ domain, rewardOracle: taskRewardOracle(task, createCharTokenizer()) })
const contributorKeys = [1, 2, 3].map((i) => deriveSeed('murmur/test/offenses/contributor', i))
const round = (r: bigint, offenders: number[] = []) =>
  syntheticRound({
    manifestBytes,
    round: r,
    previousPolicyHash: new Uint8Array(32).fill(Number(r) + 1),
    contributorKeys,
    signerKeys: validatorKeys.slice(0, 2),
    offenders,
  })

/** A round's context without a policy: enough for reward and wrong-result offenses. */
const at = (round: bigint) => ({ round, policyHash: null })
const decodeScoredGroupBody = (m: { body: Uint8Array }) => decodeScoredGroup(m.body)

describe('OffenseBook', () => {
  it('keeps a forged group as proof, lists it in its round and the next, and spends it once listed', async () => {
    const r0 = round(0n, [1])
    const forged = decodeSignedMessage(r0.evidence.offenses[0]!)
    const b = book()
    const proof = b.noteForgedGroup(forged)
    expect(proof.offense).toEqual(r0.result.offenses[0])
    expect(b.evidence(proof.offense)).toEqual(r0.evidence.offenses[0])
    expect((await b.listable(at(0n))).map((p) => p.offense)).toEqual(r0.result.offenses)
    expect((await b.listable(at(1n))).map((p) => p.offense)).toEqual(r0.result.offenses)
    expect(await b.listable(at(2n))).toEqual([])
    // round 0 committed with it listed: not again in round 1
    b.onCommitted(r0.result)
    expect(await b.listable(at(1n))).toEqual([])
    expect(toHex(offenseEvidenceKey(proof.offense))).toMatch(/^[0-9a-f]{64}$/)

    // a flood of forged groups by one author costs one proof, not one each
    const flood = book()
    const first = flood.noteForgedGroup(forged)
    const sameAuthor = r0.evidence.groups
      .map(decodeSignedMessage)
      .filter((g) => equalBytes(decodeScoredGroup(g.body).author, first.offense.offender))
    expect(sameAuthor.length).toBeGreaterThan(1)
    for (const g of sameAuthor) expect(flood.noteForgedGroup(g)).toBe(first)
    expect(
      flood.evidence({ offender: first.offense.offender, id: signingDigest('ScoredGroup', sameAuthor[0]!.body, domain).id }),
    ).toBeUndefined()
  })

  it('turns a RoundResult that contradicts the committed one into proof against its signer, and not the committed one itself', async () => {
    const r0 = round(0n)
    const b = book()
    const honest = signMessage('RoundResult', r0.result, domain, validatorKeys[0]!)
    // nothing to judge against before a round commits
    expect(await b.noteRoundResult(honest)).toBeNull()
    b.onCommitted(r0.result)
    expect(await b.noteRoundResult(honest)).toBeNull()
    const wrong = signMessage('RoundResult', { ...r0.result, newPolicyHash: new Uint8Array(32).fill(9) }, domain, validatorKeys[2]!)
    const proof = await b.noteRoundResult(wrong)
    expect(proof?.offense).toMatchObject({ kind: 'wrong-result', offender: addressFromPrivateKey(validatorKeys[2]!) })
    expect((await b.listable(at(1n))).map((p) => p.offense.kind)).toEqual(['wrong-result'])
    // noted once
    expect(await b.noteRoundResult(wrong)).toBeNull()
    // an uncommitted round: nothing is judged against it, and the proof expires with its window
    b.onUncommitted(1n)
    expect(await b.listable(at(2n))).toEqual([])
  })

  it('checks the offenses of a proposal: held or fetched proof, and says why one does not hold', async () => {
    const r0 = round(0n, [0, 2])
    const b = book()
    const fetched: string[] = []
    const byKey = new Map(r0.evidence.offenses.map((e, i) => [toHex(offenseEvidenceKey(r0.result.offenses[i]!)), e]))
    const fetch = async (o: (typeof r0.result.offenses)[number]) => {
      fetched.push(o.kind)
      return byKey.get(toHex(offenseEvidenceKey(o))) ?? null
    }
    const ok = await b.check(at(0n), r0.result.offenses, fetch)
    expect(ok).toEqual({ ok: true, envelopes: expect.any(Array) })
    expect(fetched).toHaveLength(2)
    // no one serves the proof
    expect(await b.check(at(0n), r0.result.offenses, async () => null)).toEqual({
      ok: false,
      why: expect.stringMatching(/comes without evidence: no peer served it/),
    })
    // the proof of one offense offered for another (framing a third contributor)
    const framed = { ...r0.result.offenses[0]!, offender: r0.result.credits[0]!.contributor }
    const verdict = await b.check(at(0n), [framed], async () => r0.evidence.offenses[0]!)
    expect(verdict.ok).toBe(false)
    // an honest group is no proof
    const honestGroup = decodeSignedMessage(r0.evidence.groups[0]!)
    const id = { ...r0.result.offenses[0]!, id: new Uint8Array(32) }
    const junk = await b.check(at(0n), [id], async () => encodeSignedMessage(honestGroup))
    expect(junk).toEqual({ ok: false, why: expect.stringMatching(/does not hold: malformed: the evidence is message/) })
  })

  it('keeps a group whose full replay fails at the listing margin, and nothing when it replays or the policy is missing', async () => {
    const r0 = round(0n)
    const group = decodeSignedMessage(r0.evidence.groups[0]!)
    const b = book()
    const replays: number[][] = []
    const checker = (verdict: { ok: true } | { ok: false; detail: string; unavailable?: true }) => ({
      check: async ({ completionIndices }: { completionIndices: readonly number[] }) => {
        replays.push([...completionIndices])
        return verdict
      },
    })
    expect(await b.noteReplayMismatch(group, checker({ ok: true }))).toBeNull()
    expect(await b.noteReplayMismatch(group, checker({ ok: false, detail: 'no policy', unavailable: true }))).toBeNull()
    const proof = await b.noteReplayMismatch(group, checker({ ok: false, detail: 'completion 1 fails' }))
    expect(proof?.offense.kind).toBe('replay-mismatch')
    // every completion replayed, not a sample
    expect(replays.at(-1)).toEqual([...Array(decodeScoredGroupBody(group).completions.length).keys()])
    // listable only with a replay of the round's policy that fails it too
    const policyHash = decodeScoredGroupBody(group).policyHash
    expect(await b.listable({ round: 0n, policyHash })).toEqual([])
    const listed = await b.listable({ round: 0n, policyHash, replayChecker: checker({ ok: false, detail: 'fails' }) })
    expect(listed.map((p) => p.offense)).toEqual([proof!.offense])
    expect(await b.listable({ round: 1n, policyHash, replayChecker: checker({ ok: false, detail: 'fails' }) })).toEqual([])
  })

  it('keeps a proof from the offenses topic only when the group proves an offense, and says why not', async () => {
    const r0 = round(0n, [2])
    const seen: string[] = []
    const b = new OffenseBook({
      domain,
      rewardOracle: taskRewardOracle(task, createCharTokenizer()),
      onProof: (p, origin) => seen.push(`${p.offense.kind}/${origin}`),
    })
    const forged = decodeSignedMessage(r0.evidence.offenses[0]!)
    const author = decodeScoredGroup(forged.body).author
    expect(b.holdsGroupProof(author, 0n)).toBe(false)
    const v = await b.noteProvenGroup(forged, at(0n))
    expect(v.ok).toBe(true)
    expect(seen).toEqual(['reward-mismatch/gossip'])
    expect(b.holdsGroupProof(author, 0n)).toBe(true)
    // an honest group proves nothing (no policy here to replay it with: not judged, not kept)
    const honest = decodeSignedMessage(r0.evidence.groups[0]!)
    const no = await b.noteProvenGroup(honest, at(0n))
    expect(no).toMatchObject({ ok: false, reason: 'wrong-policy' })
    // own proofs are reported as such (the peer gossips those)
    b.noteForgedGroup(decodeSignedMessage(round(0n, [0]).evidence.offenses[0]!))
    expect(seen.at(-1)).toBe('reward-mismatch/own')
  })
})
