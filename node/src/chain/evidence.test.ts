import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeSignedMessage, deriveSeed, hashDelta, toHex } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { listEvidenceRounds, mergeRoundEvidence, missingEvidence, readRoundEvidence, roundDirName, writeRoundEvidence } from './evidence.js'
import { syntheticManifest, syntheticRound } from './synthetic-round.js'

const validatorKeys = [1, 2, 3, 4].map((i) => deriveSeed('murmur/test/validator', i))
const manifestBytes = syntheticManifest({ chainId: 31337n, ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3', validatorKeys, quorum: 3 })
const round = (
  r: bigint,
  signers = validatorKeys.slice(0, 3),
  previousPolicyHash = new Uint8Array(32).fill(Number(r) + 1),
  offenders: number[] = [],
) =>
  syntheticRound({
    manifestBytes,
    round: r,
    previousPolicyHash,
    contributorKeys: [1, 2, 3].map((i) => deriveSeed('murmur/test/contributor', i)),
    signerKeys: signers,
    offenders,
  })
const tmp = () => mkdtempSync(join(tmpdir(), 'murmur-evidence-'))

describe('missingEvidence / mergeRoundEvidence', () => {
  const hexId = (e: Uint8Array) => toHex(hashDelta(decodeSignedMessage(e).body))
  it('names what a partial archive lacks, and completes it from an offer, taking only the envelopes the round names', () => {
    const full = round(3n).evidence
    expect(missingEvidence(full)).toEqual({ deltas: [], groups: [], offenses: [] })
    // a validator that restarted mid-round: the agreed RoundResult, one delta and none of the groups
    const partial = { ...full, deltas: full.deltas.slice(0, 1), groups: [] }
    const missing = missingEvidence(partial)
    expect(missing.deltas.sort()).toEqual(full.deltas.slice(1).map(hexId).sort())
    expect(missing.groups.length).toBeGreaterThan(0) // the held delta's groups; the others' are not known yet
    // an offer with envelopes of another round and junk: none of them is taken
    const other = round(4n).evidence
    const junk = { deltas: [...other.deltas, new Uint8Array([1, 2, 3])], groups: [...other.groups, new Uint8Array(0)] }
    expect(mergeRoundEvidence(partial, junk)).toEqual(partial)
    // another validator's full archive completes it, each envelope once
    const merged = mergeRoundEvidence(partial, full)
    expect(missingEvidence(merged)).toEqual({ deltas: [], groups: [], offenses: [] })
    expect(merged.deltas).toHaveLength(full.deltas.length)
    expect(merged.groups).toHaveLength(full.groups.length)
    expect(mergeRoundEvidence(merged, full)).toEqual(merged)
  })
})

describe('offense proofs in the archive', () => {
  it('are named by signer and message id, round-trip, and are missing until an offer brings them', async () => {
    const full = round(5n, undefined, undefined, [0, 1]).evidence
    expect(full.offenses).toHaveLength(2)
    const bare = { ...full, offenses: [] }
    expect(missingEvidence(bare).offenses).toHaveLength(2)
    // a forged group of another round proves nothing here; the round's own proofs complete it
    const other = round(6n, undefined, undefined, [0]).evidence
    expect(mergeRoundEvidence(bare, { deltas: [], groups: [], offenses: [...other.offenses, new Uint8Array(3)] })).toEqual(bare)
    expect(missingEvidence(mergeRoundEvidence(bare, full)).offenses).toEqual([])
    const dir = tmp()
    await writeRoundEvidence(dir, full)
    const names = readdirSync(join(dir, 'round-000005', 'offenses'))
    expect(names.every((n) => /^[0-9a-f]{104}\.bin$/.test(n))).toBe(true)
    expect((await readRoundEvidence(dir, 5n)).offenses.map(toHex).sort()).toEqual(full.offenses.map(toHex).sort())
  })
})

describe('writeRoundEvidence / readRoundEvidence', () => {
  it('round-trips a round, content-addressed, and lists rounds in order', async () => {
    const dir = tmp()
    const r7 = round(7n)
    const r12 = round(12n)
    expect(await writeRoundEvidence(dir, r12.evidence)).toBe(join(dir, 'round-000012'))
    await writeRoundEvidence(dir, r7.evidence)
    expect(await listEvidenceRounds(dir)).toEqual([7n, 12n])
    expect(readdirSync(dir).sort()).toEqual(['manifest.bin', 'round-000007', 'round-000012'])
    const back = await readRoundEvidence(dir, 7n)
    const sorted = (xs: Uint8Array[]) => xs.map((x) => Buffer.from(x).toString('hex')).sort()
    expect(back.round).toBe(7n)
    expect(back.manifestBytes).toEqual(manifestBytes)
    expect(back.roundResultBody).toEqual(r7.evidence.roundResultBody)
    expect(sorted(back.deltas)).toEqual(sorted(r7.evidence.deltas))
    expect(sorted(back.groups)).toEqual(sorted(r7.evidence.groups))
    expect(back.signatures.length).toBe(3)
    const deltaFiles = readdirSync(join(dir, 'round-000007', 'deltas'))
    expect(deltaFiles).toContain(`${toHex(hashDelta(decodeSignedMessage(r7.evidence.deltas[0]!).body))}.bin`)
  })

  it('adds signatures to a round written before, and refuses another RoundResult for it', async () => {
    const dir = tmp()
    const two = round(3n, validatorKeys.slice(0, 2))
    await writeRoundEvidence(dir, two.evidence)
    const later = round(3n, validatorKeys.slice(2, 4))
    await writeRoundEvidence(dir, { ...later.evidence, deltas: [], groups: [] })
    const back = await readRoundEvidence(dir, 3n)
    expect(back.signatures.length).toBe(4)
    expect(back.deltas.length).toBe(3)
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([])

    const other = round(3n, validatorKeys.slice(0, 3), new Uint8Array(32))
    await expect(writeRoundEvidence(dir, other.evidence)).rejects.toThrow(/already holds another RoundResult for round 3/)
  })

  it('keeps every signature when two writers add to one round at once', async () => {
    const dir = tmp()
    const all = round(4n, validatorKeys)
    const halves = [all.evidence.signatures.slice(0, 2), all.evidence.signatures.slice(2)]
    await Promise.all(halves.map((signatures) => writeRoundEvidence(dir, { ...all.evidence, signatures })))
    expect((await readRoundEvidence(dir, 4n)).signatures.length).toBe(4)
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('refuses an archive of another run and a signature over another body', async () => {
    const dir = tmp()
    await writeRoundEvidence(dir, round(0n).evidence)
    const foreign = syntheticManifest({ chainId: 1n, ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3', validatorKeys, quorum: 3 })
    await expect(writeRoundEvidence(dir, { ...round(1n).evidence, manifestBytes: foreign })).rejects.toMatchObject({
      name: 'EvidenceFormatError',
    })
    const r2 = round(2n)
    const mixed = { ...r2.evidence, signatures: [...r2.evidence.signatures, round(1n).evidence.signatures[0]!] }
    await expect(writeRoundEvidence(dir, mixed)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[EvidenceFormatError: signatures[3] (0xD8648C739BBD889e0a4952F69F4E9CB0fBe77e9C) signs another RoundResult body than round-result.bin.]`,
    )
  })

  it('names the file and author of an altered group', async () => {
    const dir = tmp()
    const r = round(5n)
    await writeRoundEvidence(dir, r.evidence)
    const groups = join(dir, roundDirName(5n), 'groups')
    const [a, b] = readdirSync(groups).sort()
    // swap two files' contents: both are valid envelopes, neither is at its address any more
    const bytesA = readFileSync(join(groups, a!))
    writeFileSync(join(groups, a!), readFileSync(join(groups, b!)))
    writeFileSync(join(groups, b!), bytesA)
    const err = await readRoundEvidence(dir, 5n).catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'EvidenceFormatError', details: { author: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) } })
    expect((err as Error).message).toMatch(
      new RegExp(
        `^${join(groups, a!)} holds a ScoredGroup by 0x[0-9a-fA-F]{40} whose id is [0-9a-f]{64}: the file was altered or misnamed\\.$`,
      ),
    )
  })

  it('says which rounds an archive has when asked for a missing one', async () => {
    const dir = tmp()
    await writeRoundEvidence(dir, round(1n).evidence)
    renameSync(join(dir, 'round-000001'), join(dir, 'round-000002'))
    await expect(readRoundEvidence(dir, 9n)).rejects.toThrow(`No evidence for round 9 in ${dir} (it has rounds 2).`)
    await expect(readRoundEvidence(dir, 2n)).rejects.toThrow(/is the RoundResult of round 1, not round 2/)
    rmSync(dir, { recursive: true })
    expect(await listEvidenceRounds(dir)).toEqual([])
  })
})
