import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type CreditEntry,
  decodeDelta,
  decodeScoredGroup,
  decodeSignedMessage,
  deriveSeed,
  type ScoredGroup,
  toChecksumAddress,
} from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  directoryEvidenceArchive,
  EVIDENCE_DIR,
  type EvidenceArchive,
  readRoundEvidence,
  roundDirName,
  writeRoundEvidence,
} from '../chain/evidence.js'
import { type SyntheticRound, syntheticRound } from '../chain/synthetic-round.js'
import { type LedgerTestbed, startLedgerTestbed } from '../chain/testbed.js'
import { evidenceService } from '../net/evidence-service.js'
import { createMurmurHost, type MurmurHost } from '../net/host.js'
import { runCli } from '../testing.js'

let t: LedgerTestbed
beforeAll(async () => {
  t = await startLedgerTestbed()
})
afterAll(() => t.stop())

const contributors = (label: string, n: number) => Array.from({ length: n }, (_, i) => deriveSeed('murmur/test/audit', label, i))
const tmp = () => mkdtempSync(join(tmpdir(), 'murmur-audit-'))

interface Scenario {
  forgeCredits?: (honest: CreditEntry[]) => CreditEntry[]
  alterGroup?: (group: ScoredGroup, contributor: number) => ScoredGroup
  /** Leave the round off the chain. */
  uncommitted?: boolean
  /** Contributors whose delta the validators screened out. */
  screen?: number[]
  /** Contributors the validators list as offenders (a forged-reward group proves each). */
  offenders?: number[]
}

/**
 * A run with `rounds.length` rounds: each built, signed by validators 0-2, committed (unless
 * asked not to) and archived in a fresh evidence folder; round 0's first leaf is claimed.
 */
async function archivedRun(name: string, rounds: Scenario[], contributorCount = 3) {
  const manifest = t.manifest(name)
  const client = await t.client(t.validatorKeys[0])
  await client.ensureRun(manifest)
  const dir = tmp()
  let previous = (await client.runInfo())!.genesisPolicyHash
  const built: SyntheticRound[] = []
  for (const [i, s] of rounds.entries()) {
    const r = syntheticRound({
      manifestBytes: manifest,
      round: BigInt(i),
      previousPolicyHash: previous,
      contributorKeys: contributors(name, contributorCount),
      signerKeys: t.validatorKeys.slice(0, 3),
      forgeCredits: s.forgeCredits,
      alterGroup: s.alterGroup,
      screen: s.screen,
      offenders: s.offenders,
    })
    if (!s.uncommitted) await client.commitRound({ body: r.evidence.roundResultBody, signatures: r.signatures })
    await writeRoundEvidence(dir, r.evidence)
    built.push(r)
    previous = r.result.newPolicyHash
  }
  if (!rounds[0]?.uncommitted) {
    const first = built[0]!.result.credits[0]!
    await client.claim(0n, first, built[0]!.tree.proof(first.contributor))
  }
  return { dir, client, rounds: built }
}

const audit = (dir: string, ...extra: string[]) =>
  runCli('audit', '--evidence', dir, '--rpc', t.chain.rpcUrl, '--ledger', t.ledger, ...extra)
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!)

describe('murmur audit', () => {
  it('re-derives every leaf of committed rounds and finds them on-chain', async () => {
    const { dir, rounds } = await archivedRun('honest', [{}, {}])
    const json = await audit(dir, '--all', '--json')
    expect(json.stderr).toBe('')
    expect(json.code).toBe(0)
    const report = lastJson(json.stdout)
    expect(report).toMatchObject({ ok: true, problems: [], ledger: t.ledger, chainId: '31337' })
    expect(report.rounds.map((r: { round: number; ok: boolean; signers: number }) => [r.round, r.ok, r.signers])).toEqual([
      [0, true, 3],
      [1, true, 3],
    ])
    const leaves = rounds.flatMap((r) =>
      r.result.credits.map((c) => ({
        round: Number(r.result.round),
        address: toChecksumAddress(c.contributor),
        groups: c.acceptedGroups,
        deltas: c.acceptedDeltas,
        credit: String(c.credit),
        claimed: r.result.round === 0n && c === rounds[0]!.result.credits[0],
      })),
    )
    expect(report.contributors).toEqual(leaves)

    const text = await audit(dir, '--round', '1')
    expect(text.code).toBe(0)
    const lines = text.stdout.trim().split('\n')
    expect(lines[2]).toBe('round 1: 3 contributors, 6 groups, 3 deltas, 3 of 4 validators signed (quorum 3), committed')
    expect(lines[3]).toBe(`  contributor${' '.repeat(33)}groups  deltas          credit  claimed`)
    expect(lines.at(-1)).toMatch(/^verdict: OK: 1 round\(s\), 3 leaves re-derived from signed evidence match the ledger \(\d+\.\d\d s\)$/)
  })

  it('names the contributor and the field of a forged leaf that validators signed and committed', async () => {
    let forged = ''
    const { dir } = await archivedRun('forged-leaf', [
      {
        forgeCredits: (honest) =>
          honest.map((c, i) => {
            if (i !== 1) return c
            forged = toChecksumAddress(c.contributor)
            return { ...c, credit: c.credit * 2n }
          }),
      },
    ])
    const r = await audit(dir, '--round', '0', '--json')
    expect(r.code).toBe(1)
    const report = lastJson(r.stdout)
    expect(report.ok).toBe(false)
    expect(report.problems.map((p: { field: string; contributor: string | null }) => [p.field, p.contributor])).toEqual([
      ['credit', forged],
      ['contributionsRoot', null],
      ['contributionsRoot', null],
    ])
    expect(r.stderr).toMatch(
      new RegExp(
        `^murmur: audit failed: round 0: contributor ${forged}: credit is \\d+ in the signed RoundResult, but the evidence gives \\d+ \\(and 2 more\\)\\n$`,
      ),
    )
  })

  it('shows the deltas a round screened out and their authors, who have no leaf; the round audits clean', async () => {
    const { dir, rounds } = await archivedRun('screened', [{ screen: [1] }])
    const author = toChecksumAddress(decodeDelta(decodeSignedMessage(rounds[0]!.evidence.deltas[1]!).body).author)
    const r = await audit(dir, '--round', '0', '--json')
    expect(r.code, r.stderr).toBe(0)
    const [round] = lastJson(r.stdout).rounds
    expect(round.screened).toEqual([{ id: expect.stringMatching(/^0x[0-9a-f]{64}$/), author }])
    expect(round.deltas).toBe(2)
    expect(round.contributors).toBe(2)
    const text = await audit(dir, '--round', '0')
    expect(text.stdout).toContain('2 deltas (+1 screened out)')
    expect(text.stdout).toContain(`of ${author}, which forfeits the round`)
  })

  it('checks each offense a round lists against its proof in the archive; the offender has no leaf', async () => {
    const { dir, rounds } = await archivedRun('offense', [{ offenders: [2] }])
    const offender = toChecksumAddress(rounds[0]!.result.offenses[0]!.offender)
    const r = await audit(dir, '--round', '0', '--json')
    expect(r.code, r.stdout).toBe(0)
    const report = lastJson(r.stdout)
    expect(report.rounds[0].offenses).toEqual([
      { kind: 'reward-mismatch', offender, id: expect.stringMatching(/^0x[0-9a-f]{64}$/), proven: true },
    ])
    expect(report.contributors.map((c: { address: string }) => c.address)).not.toContain(offender)
    expect((await audit(dir, '--round', '0')).stdout).toContain(`offense: reward-mismatch by ${offender}`)

    // the proof is gone: the validators' word is not enough
    const proofDir = join(dir, 'round-000000', 'offenses')
    const [file] = readdirSync(proofDir)
    const proof = readFileSync(join(proofDir, file!))
    rmSync(join(proofDir, file!))
    const gone = lastJson((await audit(dir, '--round', '0', '--json')).stdout)
    expect(gone.ok).toBe(false)
    expect(gone.problems).toEqual([
      expect.objectContaining({
        field: 'offenses',
        contributor: offender,
        message: expect.stringMatching(/not proven: the archive holds no message/),
      }),
    ])
    // a proof file under another name is refused when the archive is read
    writeFileSync(join(proofDir, `${'0'.repeat(40)}${file!.slice(40)}`), proof)
    const misnamed = lastJson((await audit(dir, '--round', '0', '--json')).stdout)
    expect(misnamed.problems[0]).toMatchObject({ field: 'evidence', message: expect.stringMatching(/not the message its name says/) })
  })

  it('catches a contributor whose group declares rewards the task does not give', async () => {
    let liar = ''
    const { dir } = await archivedRun('lying-rewards', [
      {
        alterGroup: (g, i) => {
          if (i !== 2 || g.promptIndex !== 0) return g
          liar = toChecksumAddress(g.author)
          return { ...g, completions: g.completions.map((c) => ({ ...c, reward: 1 })) }
        },
      },
    ])
    const r = await audit(dir, '--all', '--json')
    expect(r.code).toBe(1)
    const fields = lastJson(r.stdout).problems.map((p: { field: string; contributor: string | null }) => `${p.field} ${p.contributor}`)
    expect(fields).toContain(`reward ${liar}`)
    expect(fields.filter((f: string) => f.startsWith('credit ') || f.startsWith('accepted'))).not.toEqual([])
  })

  it('reports altered evidence files, a missing quorum and an uncommitted round, each by round', async () => {
    const { dir } = await archivedRun('tampered', [{}, {}, { uncommitted: true }])
    // round 0: a group file's bytes changed
    const groups = join(dir, roundDirName(0n), 'groups')
    const file = join(groups, readdirSync(groups)[0]!)
    const bytes = readFileSync(file)
    bytes[bytes.length - 70]! ^= 1
    writeFileSync(file, bytes)
    // round 1: one of the three signatures lost
    const sigs = join(dir, roundDirName(1n), 'signatures')
    rmSync(join(sigs, readdirSync(sigs)[0]!))
    const r = await audit(dir, '--all', '--json')
    expect(r.code).toBe(1)
    const report = lastJson(r.stdout)
    expect(report.rounds.map((x: { round: number; problems: { field: string }[] }) => [x.round, x.problems.map((p) => p.field)])).toEqual([
      [0, ['evidence']],
      [1, ['quorum']],
      [2, ['committed']],
    ])
    expect(report.problems[0].message).toMatch(
      /^round 0: .*groups\/[0-9a-f]{64}\.bin (holds a ScoredGroup by 0x[0-9a-fA-F]{40} whose id is|is not a signed ScoredGroup)/,
    )
  })

  it('says which RPC URL it cannot reach, and rejects bad flags', async () => {
    const { dir } = await archivedRun('unreachable', [{}])
    const r = await runCli('audit', '--evidence', dir, '--round', '0', '--rpc', 'http://127.0.0.1:9', '--ledger', t.ledger)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      'murmur: Cannot reach the JSON-RPC endpoint http://127.0.0.1:9 (ECONNREFUSED). Start a local chain with `murmur chain`, or pass the right --rpc URL.\n',
    )
    expect((await audit(dir)).stderr).toBe('murmur: Pass exactly one of --round R or --all.\n')
    const noLedger = await runCli(
      'audit',
      '--evidence',
      dir,
      '--all',
      '--rpc',
      t.chain.rpcUrl,
      '--ledger',
      '0x000000000000000000000000000000000000dEaD',
    )
    expect(noLedger.stderr).toBe(
      `murmur: No contract at 0x000000000000000000000000000000000000dEaD on ${t.chain.rpcUrl} (chain 31337). Deploy one with \`murmur chain\`, or pass the ledger's address.\n`,
    )
    expect((await runCli('audit', '--evidence', tmp(), '--all', '--rpc', t.chain.rpcUrl, '--ledger', t.ledger)).stderr).toMatch(
      /^murmur: .*manifest\.bin is missing; an evidence archive starts with the run manifest\.\n$/,
    )
  })
})

describe('murmur evidence export', () => {
  it("copies a round of a peer's archive that audit then accepts", async () => {
    const { dir } = await archivedRun('export', [{}, {}])
    const dataDir = tmp()
    // a peer's data dir keeps its archive under evidence/
    for (const round of [0n, 1n]) {
      await writeRoundEvidence(join(dataDir, EVIDENCE_DIR), await readRoundEvidence(dir, round))
    }
    const out = join(tmp(), 'exported')
    const r = await runCli('evidence', 'export', '--data-dir', dataDir, '--round', '1', '--out', out)
    expect(r).toEqual({ code: 0, stdout: `exported round 1 from ${join(dataDir, EVIDENCE_DIR)} to ${out}\n`, stderr: '' })
    expect(readdirSync(out).sort()).toEqual(['manifest.bin', 'round-000001'])
    expect((await audit(out, '--all')).code).toBe(0)
    const missing = await runCli('evidence', 'export', '--data-dir', dataDir, '--round', '5', '--out', out)
    expect(missing.stderr).toBe(`murmur: No evidence for round 5 in ${join(dataDir, EVIDENCE_DIR)} (it has rounds 0, 1).\n`)
    expect(missing.code).toBe(3)
  })
})

describe('murmur audit --from-peers', () => {
  const hosts: MurmurHost[] = []
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()))
  })
  /** A validator-like peer serving `archive` over /murmur/evidence/1; returns its TCP multiaddr. */
  async function servingPeer(label: string, archive: EvidenceArchive): Promise<string> {
    const host = await createMurmurHost({
      privateKey: deriveSeed('murmur/test/audit/peer', label),
      runId: new Uint8Array(32).fill(1),
      validate: () => ({ ok: true }),
      transports: ['tcp'],
      discovery: false,
    })
    hosts.push(host)
    await evidenceService()({
      archive,
      logger: host.libp2p.logger,
      handle: (p, h, o) => host.libp2p.handle(p, h, o),
      unhandle: (p) => host.libp2p.unhandle(p),
    }).start()
    return host.multiaddrs()[0]!.toString()
  }
  const fromPeers = (peers: string[], ...extra: string[]) =>
    runCli('audit', '--from-peers', ...peers, '--rpc', t.chain.rpcUrl, '--ledger', t.ledger, '--peer-timeout-ms', '5000', ...extra)
  const dead = '/ip4/127.0.0.1/tcp/9'

  it('fetches every round from a peer and audits it as a local archive; skips peers that fail or keep another run', async () => {
    const { dir } = await archivedRun('from-peers', [{}, {}])
    const { dir: otherDir } = await archivedRun('from-peers-other', [{}])
    const honest = await servingPeer('honest', directoryEvidenceArchive(dir))
    const other = await servingPeer('other', directoryEvidenceArchive(otherDir))
    const r = await fromPeers([honest], '--all', '--json')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const report = lastJson(r.stdout)
    expect(report.ok).toBe(true)
    expect(report.rounds.map((x: { round: number; ok: boolean; signers: number }) => [x.round, x.ok, x.signers])).toEqual([
      [0, true, 3],
      [1, true, 3],
    ])
    expect(report.fetched).toEqual([
      { round: 0, from: honest, attempts: [] },
      { round: 1, from: honest, attempts: [] },
    ])
    expect(report.contributors).toEqual(lastJson((await audit(dir, '--all', '--json')).stdout).contributors)

    // the first peer to answer names the run: `other` is asked for that run and declines
    const fallback = await fromPeers([dead, honest, other], '--round', '1')
    expect(fallback.code).toBe(0)
    const lines = fallback.stdout.trim().split('\n')
    expect(lines[2]).toBe(`evidence: fetched over /murmur/evidence/1 from 3 peer(s) (the run ${honest} keeps)`)
    expect(lines).toContain(`  note: evidence from ${honest}`)
    expect(lines.some((l) => l.startsWith(`  note: not from ${dead}: dial (`))).toBe(true)
    expect(lines.at(-1)).toMatch(/^verdict: OK: 1 round\(s\), 3 leaves re-derived from signed evidence match the ledger/)
    const missing = lastJson((await fromPeers([honest, other], '--round', '7', '--json')).stdout)
    expect(missing.ok).toBe(false)
    expect(missing.problems).toEqual([
      {
        round: 7,
        contributor: null,
        field: 'evidence',
        message: expect.stringMatching(
          new RegExp(
            `^round 7: no peer delivered its evidence: ${honest}: not-found \\(its index does not list round 7\\); ${other}: other-run \\(This peer keeps the evidence of run 0x[0-9a-f]{64}, not of run 0x[0-9a-f]{64}\\.\\)$`,
          ),
        ),
      },
    ])
  })

  it('fails the audit of a peer that serves altered evidence, naming the contributor and field', async () => {
    const { dir } = await archivedRun('from-lying-peer', [{}])
    const honest = directoryEvidenceArchive(dir)
    let liar = ''
    const lying = await servingPeer('liar', {
      ...honest,
      async round(r) {
        const e = await honest.round(r)
        if (!e) return e
        const [first, ...rest] = e.groups
        const altered = first!.slice()
        altered[altered.length - 70]! ^= 1
        liar = toChecksumAddress(decodeScoredGroup(decodeSignedMessage(first!).body).author)
        return { ...e, groups: [altered, ...rest] }
      },
    })
    const r = await fromPeers([lying, await servingPeer('honest-too', honest)], '--all', '--json')
    expect(r.code).toBe(1)
    const report = lastJson(r.stdout)
    expect(report.fetched).toEqual([{ round: 0, from: lying, attempts: [] }])
    expect(report.problems.map((p: { field: string; contributor: string | null }) => [p.field, p.contributor])).toContainEqual([
      'groups',
      liar,
    ])
    expect(r.stderr).toMatch(
      new RegExp(
        `^murmur: audit failed: round 0: contributor ${liar}: group 0x[0-9a-f]{64}, used by its delta, is missing from the evidence`,
      ),
    )
  })

  it('says when no peer answers, and takes exactly one source', async () => {
    const none = await fromPeers([dead], '--all')
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(new RegExp(`^murmur: No peer delivered an evidence index \\(1 tried\\): ${dead}: dial \\(.+\\)\\.\n$`))
    const both = await runCli('audit', '--evidence', tmp(), '--from-peers', dead, '--all', '--rpc', t.chain.rpcUrl, '--ledger', t.ledger)
    expect(both).toMatchObject({ code: 2, stderr: 'murmur: Pass exactly one of --evidence DIR or --from-peers MULTIADDR….\n' })
    const bad = await fromPeers(['not-a-multiaddr'], '--all')
    expect(bad.stderr).toBe('murmur: --from-peers: "not-a-multiaddr" is not a multiaddr (e.g. /ip4/203.0.113.7/tcp/4001/p2p/16Uiu2…).\n')
  })
})
