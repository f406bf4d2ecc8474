/**
 * `murmur audit`: re-derives every leaf of committed rounds from an evidence archive and checks
 * them against the ledger (src/chain/audit.ts). The archive is a local folder (--evidence) or is
 * fetched from validators over /murmur/evidence/1 (--from-peers) into a temporary folder and
 * audited exactly the same way. Prints a per-contributor table and a verdict, or with --json one
 * object on the last line; exits 1 when anything differs.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Multiaddr } from '@multiformats/multiaddr'
import { toChecksumAddress, toHex0x } from '@murmur/protocol'
import { Command } from 'commander'
import { type AuditProblem, type AuditReport, auditEvidence, type EvidenceOrigin, type RoundAudit } from '../chain/audit.js'
import { readEvidenceManifest } from '../chain/evidence.js'
import { LedgerClient } from '../chain/ledger-client.js'
import { type FetchedEvidence, fetchPeerEvidence } from '../chain/peer-evidence.js'
import type { CliIo } from '../cli.js'
import { CliError, CliUsageError, EXIT } from '../errors.js'
import type { EvidenceAttempt } from '../net/errors.js'
import { EvidenceClient } from '../net/evidence-client.js'
import { intOption, roundOption } from './options.js'

interface AuditOptions {
  evidence?: string
  fromPeers?: string[]
  peerTimeoutMs: number
  round?: bigint
  all: boolean
  rpc: string
  ledger: string
  json: boolean
}

const attemptText = (a: EvidenceAttempt) => `${a.peer}: ${a.reason} (${a.detail})`

/** Each fetched round's notes (where it came from, who failed first), or why none delivered it. */
function originsOf(fetched: FetchedEvidence): Map<bigint, EvidenceOrigin> {
  return new Map(
    fetched.rounds.map((r): [bigint, EvidenceOrigin] => [
      r.round,
      r.from === null
        ? { notes: [], missing: `no peer delivered its evidence: ${r.attempts.map(attemptText).join('; ')}` }
        : { notes: [`evidence from ${r.from}`, ...r.attempts.map((a) => `not from ${attemptText(a)}`)] },
    ]),
  )
}

/** Fetches the archive from `peers` into a fresh temporary folder; the caller removes it. */
async function fetchFromPeers(
  peers: readonly Multiaddr[],
  rounds: readonly bigint[] | 'all',
  timeoutMs: number,
): Promise<{ dir: string; fetched: FetchedEvidence }> {
  const dir = await mkdtemp(join(tmpdir(), 'murmur-audit-'))
  const client = await EvidenceClient.start({ timeoutMs })
  try {
    return { dir, fetched: await fetchPeerEvidence({ source: client, peers, rounds, dir }) }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    if ((err as Error).name === 'EvidenceUnavailableError') throw new CliError((err as Error).message, EXIT.failure, { cause: err })
    throw err
  } finally {
    await client.stop()
  }
}

const yesNo = (b: boolean | null) => (b === null ? '-' : b ? 'yes' : 'no')

function roundText(a: RoundAudit, quorum: number, validators: number): string[] {
  const lines = [
    `round ${a.round}: ${a.leaves.length} contributors, ${a.groups} groups, ${a.deltas} deltas${a.screened.length ? ` (+${a.screened.length} screened out)` : ''}, ${a.signers} of ${validators} validators signed (quorum ${quorum}), ${a.committed ? 'committed' : 'NOT committed'}`,
    ...a.screened.map(
      (x) => `  screened out: delta ${x.id.slice(0, 14)}… of ${x.author ?? 'an author not in the evidence'}, which forfeits the round`,
    ),
    ...a.offenses.map(
      (o) =>
        `  offense: ${o.kind} by ${o.offender} (message ${o.id.slice(0, 14)}…), which forfeits the round${o.proven === true ? '' : o.proven === null ? ' (not re-checked: it needs the round policy or the payload, which an archive does not keep)' : ' — NOT proven by the archive'}`,
    ),
  ]
  if (a.leaves.length > 0) {
    lines.push(`  ${'contributor'.padEnd(42)}  ${'groups'.padStart(6)}  ${'deltas'.padStart(6)}  ${'credit'.padStart(14)}  claimed`)
    for (const l of a.leaves)
      lines.push(
        `  ${l.address}  ${String(l.groups).padStart(6)}  ${String(l.deltas).padStart(6)}  ${String(l.credit).padStart(14)}  ${yesNo(l.claimed)}`,
      )
  }
  for (const note of a.notes) lines.push(`  note: ${note}`)
  if (a.ok) lines.push(`  ok: every leaf re-derived from signed evidence; root ${a.root ? toHex0x(a.root) : '-'} matches the chain`)
  for (const p of a.problems) lines.push(`  MISMATCH ${p.message}`)
  return lines
}

function problemJson(p: AuditProblem) {
  return { round: p.round === null ? null : Number(p.round), contributor: p.contributor, field: p.field, message: p.message }
}

/** The --json object: `ok`, `rounds` and `contributors` first, as the issue asks. */
function reportJson(report: AuditReport, ledger: LedgerClient, elapsedMs: number, fetched: FetchedEvidence | null) {
  const problems = [...report.problems, ...report.rounds.flatMap((r) => r.problems)]
  return {
    ok: report.ok,
    rounds: report.rounds.map((r) => ({
      round: Number(r.round),
      ok: r.ok,
      committed: r.committed,
      signers: r.signers,
      groups: r.groups,
      deltas: r.deltas,
      screened: r.screened,
      offenses: r.offenses,
      contributors: r.leaves.length,
      root: r.root ? toHex0x(r.root) : null,
      problems: r.problems.map(problemJson),
      notes: r.notes,
    })),
    contributors: report.rounds.flatMap((r) =>
      r.leaves.map((l) => ({
        round: Number(r.round),
        address: l.address,
        groups: l.groups,
        deltas: l.deltas,
        credit: String(l.credit),
        claimed: l.claimed,
      })),
    ),
    problems: problems.map(problemJson),
    run: toHex0x(report.runId),
    ledger: ledger.ledgerAddress,
    chainId: String(ledger.chainId),
    rpcUrl: ledger.rpcUrl,
    ...(fetched && {
      fetched: fetched.rounds.map((r) => ({ round: Number(r.round), from: r.from, attempts: r.attempts })),
    }),
    elapsedMs: Math.round(elapsedMs),
  }
}

/** `murmur audit (--evidence DIR | --from-peers MULTIADDR…) (--round R | --all) --rpc URL --ledger ADDRESS [--json]` */
export function auditCommand(io: CliIo): Command {
  return new Command('audit')
    .description('re-derive every leaf of committed rounds from signed evidence and check them against the ledger')
    .option('--evidence <dir>', 'evidence archive (manifest.bin + round-NNNNNN/), e.g. from `murmur evidence export`')
    .option(
      '--from-peers <multiaddr...>',
      'fetch the evidence from validators over /murmur/evidence/1 instead (each round from the first that has it, the next on error), e.g. /ip4/203.0.113.7/tcp/4001/p2p/16Uiu2…',
    )
    .option('--peer-timeout-ms <ms>', 'per request to a peer: dial, request and whole answer', intOption('--peer-timeout-ms', 1), 30_000)
    .option('--round <r>', 'the round to audit', roundOption('--round'))
    .option('--all', 'audit every round in the archive (with --from-peers: every round any peer lists)', false)
    .requiredOption('--rpc <url>', 'JSON-RPC URL of the chain, e.g. http://127.0.0.1:8545')
    .requiredOption('--ledger <address>', 'address of the ContributionLedger')
    .option('--json', 'print one JSON object (the last stdout line)', false)
    .action(async (o: AuditOptions) => {
      if ((o.round === undefined) === !o.all) throw new CliUsageError('Pass exactly one of --round R or --all.')
      if ((o.evidence === undefined) === (o.fromPeers === undefined))
        throw new CliUsageError('Pass exactly one of --evidence DIR or --from-peers MULTIADDR….')
      const started = performance.now()
      const rounds = o.all ? 'all' : [o.round!]
      let dir: string
      let fetched: FetchedEvidence | null = null
      if (o.fromPeers) {
        const peers = o.fromPeers.map((text) => {
          try {
            return EvidenceClient.peerAddress(text)
          } catch (err) {
            throw new CliUsageError(`--from-peers: ${(err as Error).message}`)
          }
        })
        ;({ dir, fetched } = await fetchFromPeers(peers, rounds, o.peerTimeoutMs))
        if (fetched.rounds.length === 0) {
          await rm(dir, { recursive: true, force: true })
          throw new CliError(
            `No peer lists any round of run ${toHex0x(fetched.runId)}: a validator keeps a round once a quorum agreed on it.`,
          )
        }
      } else dir = o.evidence!
      let report: AuditReport
      let ledger: LedgerClient
      try {
        const manifestBytes = fetched ? fetched.manifestBytes : await readEvidenceManifest(dir)
        ledger = await LedgerClient.connect({ rpcUrl: o.rpc, ledger: o.ledger, manifest: manifestBytes })
        try {
          report = fetched
            ? await auditEvidence(ledger, { dir, rounds: fetched.rounds.map((r) => r.round), origins: originsOf(fetched) })
            : await auditEvidence(ledger, { dir, rounds })
        } finally {
          ledger.close()
        }
      } finally {
        if (fetched) await rm(dir, { recursive: true, force: true })
      }
      const elapsedMs = performance.now() - started
      const problems = [...report.problems, ...report.rounds.flatMap((r) => r.problems)]
      if (o.json) io.stdout(`${JSON.stringify(reportJson(report, ledger, elapsedMs, fetched))}\n`)
      else {
        const m = report.manifest
        const lines = [
          `audit of run "${m.name}" ${toHex0x(report.runId)} on chain ${ledger.chainId}, ledger ${ledger.ledgerAddress} (${ledger.rpcUrl})`,
          `validators: ${m.validators.map(toChecksumAddress).join(', ')}`,
          ...(fetched
            ? [`evidence: fetched over /murmur/evidence/1 from ${o.fromPeers!.length} peer(s) (the run ${fetched.runFrom} keeps)`]
            : []),
          ...report.problems.map((p) => `MISMATCH ${p.message}`),
        ]
        for (const r of report.rounds) lines.push(...roundText(r, m.quorum, m.validators.length))
        const leaves = report.rounds.reduce((n, r) => n + r.leaves.length, 0)
        const failed = report.rounds.filter((r) => !r.ok).length
        lines.push(
          report.ok
            ? `verdict: OK: ${report.rounds.length} round(s), ${leaves} leaves re-derived from signed evidence match the ledger (${(elapsedMs / 1000).toFixed(2)} s)`
            : `verdict: FAILED: ${problems.length} mismatch(es) in ${failed} of ${report.rounds.length} round(s)${report.problems.length ? ' and the run' : ''}`,
        )
        io.stdout(`${lines.join('\n')}\n`)
      }
      if (!report.ok) {
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more${o.json ? '' : '; see the table above'})` : ''
        throw new CliError(`audit failed: ${problems[0]!.message}${more}`, EXIT.failure)
      }
    })
}
