import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CreditEntry, deriveSeed, type ScoredGroup, toChecksumAddress } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EVIDENCE_DIR, readRoundEvidence, roundDirName, writeRoundEvidence } from '../chain/evidence.js'
import { type SyntheticRound, syntheticRound } from '../chain/synthetic-round.js'
import { type LedgerTestbed, startLedgerTestbed } from '../chain/testbed.js'
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
