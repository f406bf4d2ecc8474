/**
 * The audit behind `murmur audit`: re-derive every leaf of a round from its signed evidence and
 * check it against the ledger, trusting neither the archive's author nor the validators.
 *
 * Per round: every RoundResult signature is verified (verifyRoundResult) and a quorum of distinct
 * validators must have signed the one body; the groups the listed deltas reference are verified
 * with the run's task reward oracle (verifyScoredGroup, no replay) and the listed deltas' headers
 * with verifyDeltaHeader; credits are recomputed with `roundCredits` exactly as validators do
 * (docs/PROTOCOL.md "Rounds" step 3) and compared leaf by leaf with the signed RoundResult; the
 * rebuilt contributions root, the policy hashes and the RoundResult digest are compared with what
 * the chain stores. The screen's verdicts (`screened`) are taken from the quorum-signed body: the
 * archive keeps delta headers, not payloads, so the screen itself is not re-run. Each offense the
 * RoundResult lists must be proven by a message in the archive's `offenses/` (verifyOffense; a
 * `wrong-result` offense is judged against the archive's RoundResult of the round before; a
 * `replay-mismatch` or `invalid-payload` one is checked up to the replay or the payload, which
 * the archive does not keep, and noted),
 * and its offender has no leaf. Every difference is a problem naming the round, the contributor
 * (when there is one) and the field.
 */
import {
  type Address,
  contributionsRoot,
  decodeRoundResult,
  decodeRunManifest,
  equalBytes,
  hashRoundResult,
  hashRunManifest,
  parameterSpecs,
  type RoundResult,
  type RunManifest,
  roundCredits,
  runDomain,
  soloRunOfManifest,
  taskRewardOracle,
  toChecksumAddress,
  toHex0x,
} from '@murmur/protocol'
import { runContext } from '../train/context.js'
import { type AuditRun, compareCredits, verifyOffenses, verifySignatures, verifyWork } from './audit-checks.js'
import { type ChainError, EvidenceFormatError, LedgerUsageError } from './errors.js'
import { listEvidenceRounds, type RoundEvidence, readEvidenceManifest, readRoundEvidence } from './evidence.js'
import type { LedgerClient } from './ledger-client.js'

export interface AuditProblem {
  /** null for a problem of the run as a whole. */
  round: bigint | null
  /** EIP-55 address of the contributor concerned, when there is one. */
  contributor: string | null
  /** What differs: `credit`, `acceptedGroups`, `reward`, `contributionsRoot`, `policyHash`, `quorum`, … */
  field: string
  message: string
}

/** One leaf as the audit re-derived it. */
export interface AuditLeaf {
  address: string
  groups: number
  deltas: number
  credit: bigint
  /** Whether the leaf is claimed on-chain; null when the round is not committed. */
  claimed: boolean | null
}

export interface RoundAudit {
  round: bigint
  ok: boolean
  committed: boolean
  /** Distinct validators whose signature over the body verified. */
  signers: number
  /** Listed deltas that verified and were aggregated (not screened), and the groups they reference that verified. */
  deltas: number
  groups: number
  /** Deltas the RoundResult lists as screened out of the aggregate, with their authors (who forfeit the round). */
  screened: { id: string; author: string | null }[]
  /** Offenses the RoundResult lists (their offenders forfeit the round), and whether the archive proves each. */
  offenses: { kind: string; offender: string; id: string; proven: boolean | null }[]
  /** The contributions root re-derived from the evidence (null when the archive could not be read). */
  root: Uint8Array | null
  leaves: AuditLeaf[]
  problems: AuditProblem[]
  notes: string[]
}

export interface AuditReport {
  ok: boolean
  runId: Uint8Array
  manifest: RunManifest
  /** Problems of the run itself (its registration on the ledger). */
  problems: AuditProblem[]
  rounds: RoundAudit[]
}

/** Where a round's evidence came from, when it was fetched rather than read from a local archive. */
export interface EvidenceOrigin {
  /** Added first to the round's notes (which peer delivered it, which failed before). */
  notes: readonly string[]
  /** Set when no source delivered the round: the round fails with this as its `evidence` problem. */
  missing?: string
}

/** isClaimed lookups in flight at once: enough to hide RPC latency, few enough for a public endpoint. */
const CLAIM_LOOKUPS_IN_FLIGHT = 16

function auditRun(manifestBytes: Uint8Array): AuditRun {
  let manifest: RunManifest
  try {
    manifest = decodeRunManifest(manifestBytes)
  } catch (err) {
    throw new EvidenceFormatError(`The archive's manifest.bin is not a murmur run manifest: ${(err as Error).message}`, {}, { cause: err })
  }
  const runId = hashRunManifest(manifestBytes)
  const ctx = runContext(soloRunOfManifest(manifest, runId))
  const numel = parameterSpecs(ctx.cfg).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0)
  return { manifestBytes, manifest, runId, domain: runDomain(manifestBytes), oracle: taskRewardOracle(ctx.task, ctx.tokenizer), numel }
}

const address = (a: Address) => toChecksumAddress(a)

/**
 * Audits `rounds` of the archive in `dir` against `ledger` (connected with the archive's
 * manifest). `origins` says where fetched rounds came from (`murmur audit --from-peers`).
 * @throws EvidenceFormatError when the archive has no manifest or no such rounds.
 */
export async function auditEvidence(
  ledger: LedgerClient,
  { dir, rounds, origins }: { dir: string; rounds: readonly bigint[] | 'all'; origins?: ReadonlyMap<bigint, EvidenceOrigin> },
): Promise<AuditReport> {
  const stored = await listEvidenceRounds(dir)
  const wanted = rounds === 'all' ? stored : rounds
  if (wanted.length === 0)
    throw new EvidenceFormatError(`${dir} holds no round evidence (round-NNNNNN folders); export some with \`murmur evidence export\`.`, {
      dir,
    })
  const manifestBytes = await readEvidenceManifest(dir)
  const run = auditRun(manifestBytes)
  if (!ledger.runId || !equalBytes(ledger.runId, run.runId))
    throw new LedgerUsageError(
      `The ledger client serves another run than the archive's (${toHex0x(run.runId)}); connect it with the archive's manifest.`,
    )
  const problems: AuditProblem[] = []
  const registration = await ledger.checkRun(manifestBytes)
  if (registration === 'missing') {
    problems.push({
      round: null,
      contributor: null,
      field: 'run',
      message: `run ${toHex0x(run.runId)} is not registered on ledger ${ledger.ledgerAddress} (${ledger.rpcUrl})`,
    })
  } else
    for (const m of registration)
      problems.push({ round: null, contributor: null, field: m.field, message: `run ${toHex0x(run.runId)}: ${m.message}` })
  const audits: RoundAudit[] = []
  for (const round of wanted) {
    const origin = origins?.get(round)
    const audit = origin?.missing === undefined ? await auditStoredRound(run, ledger, dir, round) : unreadRound(round, origin.missing, null)
    if (origin) audit.notes.unshift(...origin.notes)
    audits.push(audit)
  }
  return { ok: problems.length === 0 && audits.every((a) => a.ok), runId: run.runId, manifest: run.manifest, problems, rounds: audits }
}

/** A round whose evidence could not be read or obtained: one `evidence` problem, nothing re-derived. */
function unreadRound(round: bigint, message: string, contributor: string | null): RoundAudit {
  const problem = { round, contributor, field: 'evidence', message: `round ${round}: ${message}` }
  return {
    round,
    ok: false,
    committed: false,
    signers: 0,
    deltas: 0,
    groups: 0,
    screened: [],
    offenses: [],
    root: null,
    leaves: [],
    problems: [problem],
    notes: [],
  }
}

async function auditStoredRound(run: AuditRun, ledger: LedgerClient, dir: string, round: bigint): Promise<RoundAudit> {
  let evidence: RoundEvidence
  try {
    evidence = await readRoundEvidence(dir, round)
  } catch (err) {
    if ((err as Error).name !== 'EvidenceFormatError') throw err
    const e = err as ChainError
    return unreadRound(round, e.message, typeof e.details.author === 'string' ? e.details.author : null)
  }
  if (!equalBytes(evidence.manifestBytes, run.manifestBytes))
    throw new EvidenceFormatError(`The manifest of ${dir} changed while it was audited.`, { dir })
  // `wrong-result` offenses are judged against the round before: its body, if the archive has it
  let previous: RoundResult | null = null
  if (round > 0n && decodeRoundResult(evidence.roundResultBody).offenses.some((o) => o.kind === 'wrong-result'))
    previous = await readRoundEvidence(dir, round - 1n).then(
      (e) => decodeRoundResult(e.roundResultBody),
      () => null,
    )
  return auditRound(run, ledger, evidence, previous)
}

/** Audits one round's evidence; see the file comment for what is checked. */
async function auditRound(run: AuditRun, ledger: LedgerClient, evidence: RoundEvidence, previous: RoundResult | null): Promise<RoundAudit> {
  const { round } = evidence
  const problems: AuditProblem[] = []
  const notes: string[] = []
  const problem = (field: string, message: string, contributor: Address | null = null) => {
    const who = contributor ? address(contributor) : null
    problems.push({ round, contributor: who, field, message: `round ${round}: ${who ? `contributor ${who}: ` : ''}${message}` })
  }
  const result = decodeRoundResult(evidence.roundResultBody)
  if (!equalBytes(result.run, run.runId))
    problem('run', `the RoundResult is for run ${toHex0x(result.run)}, not the manifest's ${toHex0x(run.runId)}`)

  const signers = verifySignatures(run, evidence, result, problem)
  const work = await verifyWork(run, evidence, result, problem, notes)

  const offenses = await verifyOffenses(run, evidence, result, previous, problem, notes)
  // credits as the validators derived them (every listed offender forfeits): a listed offense
  // the archive does not prove is its own problem, not a credit difference for every leaf
  const credits = roundCredits({
    groups: work.groups,
    deltas: work.deltas,
    screened: result.screened,
    offenders: result.offenses.map((o) => o.offender),
  })
  compareCredits(result.credits, credits, problem)
  const root = contributionsRoot(run.runId, round, credits)
  if (!equalBytes(root, result.contributionsRoot))
    problem(
      'contributionsRoot',
      `the signed RoundResult's contributionsRoot is ${toHex0x(result.contributionsRoot)}; the leaves re-derived from the evidence give ${toHex0x(root)}`,
    )

  const onChain = await ledger.roundOf(round)
  if (onChain === null) problem('committed', `the round is not committed on ledger ${ledger.ledgerAddress}`)
  else {
    const digest = hashRoundResult(evidence.roundResultBody)
    const fields: [string, Uint8Array, Uint8Array | null, string][] = [
      ['previousPolicyHash', result.previousPolicyHash, onChain.previousPolicyHash, "the signed RoundResult's previousPolicyHash"],
      ['policyHash', result.newPolicyHash, onChain.policyHash, "the signed RoundResult's newPolicyHash"],
      ['contributionsRoot', root, onChain.contributionsRoot, 'the root re-derived from the evidence'],
      ['resultDigest', digest, onChain.resultDigest, 'hashRoundResult of the archived body'],
    ]
    for (const [field, ours, chain, what] of fields) {
      if (chain === null) notes.push(`the node returned no RoundCommitted event, so ${field} was not compared`)
      else if (!equalBytes(ours, chain)) problem(field, `the chain stores ${field} ${toHex0x(chain)}; ${what} is ${toHex0x(ours)}`)
    }
  }
  const leaves: AuditLeaf[] = []
  for (let i = 0; i < credits.length; i += CLAIM_LOOKUPS_IN_FLIGHT) {
    const batch = credits.slice(i, i + CLAIM_LOOKUPS_IN_FLIGHT)
    const claimed = await Promise.all(batch.map((c) => (onChain ? ledger.isClaimed(round, c.contributor) : Promise.resolve(null))))
    for (const [j, c] of batch.entries()) {
      leaves.push({
        address: address(c.contributor),
        groups: c.acceptedGroups,
        deltas: c.acceptedDeltas,
        credit: c.credit,
        claimed: claimed[j]!,
      })
    }
  }
  return {
    round,
    ok: problems.length === 0,
    committed: onChain !== null,
    signers,
    deltas: work.deltas.filter((d) => d.accepted && !result.screened.some((x) => equalBytes(x, d.id))).length,
    groups: work.groups.filter((g) => g.accepted).length,
    screened: result.screened.map((id) => {
      const d = work.deltas.find((x) => equalBytes(x.id, id))
      return { id: toHex0x(id), author: d ? address(d.author) : null }
    }),
    offenses,
    root,
    leaves,
    problems,
    notes,
  }
}
