/**
 * `ledger-audit` benchmark (issue #7): how long `murmur audit` takes for one round of 100
 * contributors, on a real local chain. Each contributor signs promptsPerPeer groups of 8
 * completions (rewards from the task's oracle) and one delta; three of four validators sign the
 * RoundResult, one commits it, and every leaf is claimed in multicalls. The audit then
 * re-verifies all of it and reads the chain. Target: ≤ 10 s for 100 contributors.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deriveSeed } from '@murmur/protocol'
import { auditEvidence } from '../chain/audit.js'
import { writeRoundEvidence } from '../chain/evidence.js'
import { LedgerClient } from '../chain/ledger-client.js'
import { syntheticManifest, syntheticRound } from '../chain/synthetic-round.js'
import { startLedgerTestbed } from '../chain/testbed.js'
import { run } from '../cli.js'
import { type Benchmark, machineInfo, median, timeMs } from './report.js'

/** Issue #7's target for auditing a 100-contributor round. */
const AUDIT_TARGET_MS = 10_000

export const ledgerAuditBenchmark: Benchmark = {
  name: 'ledger-audit',
  description: '`murmur audit` of one committed round of 100 contributors on a local chain (target ≤ 10 s)',
  async run({ quick, log }) {
    const startedAt = new Date().toISOString()
    const contributors = 100
    const repeats = quick ? 1 : 3
    const testbed = await startLedgerTestbed()
    const dir = await mkdtemp(join(tmpdir(), 'murmur-ledger-audit-bench-'))
    try {
      const manifestBytes = syntheticManifest({
        chainId: testbed.chain.chainId,
        ledger: testbed.ledger,
        validatorKeys: testbed.validatorKeys,
        quorum: 3,
        name: 'ledger-audit-bench',
        groupSize: 8,
        promptsPerPeer: 2,
      })
      const client = await testbed.client()
      await client.ensureRun(manifestBytes)
      const genesis = (await client.runInfo())!.genesisPolicyHash
      let round!: ReturnType<typeof syntheticRound>
      const buildMs = await timeMs(() => {
        round = syntheticRound({
          manifestBytes,
          round: 0n,
          previousPolicyHash: genesis,
          contributorKeys: Array.from({ length: contributors }, (_, i) => deriveSeed('murmur/bench/ledger-audit/contributor', i)),
          signerKeys: testbed.validatorKeys.slice(0, 3),
        })
      })
      log(`ledger-audit: built and signed a round of ${contributors} contributors in ${buildMs.toFixed(0)} ms`)
      const commit = await client.commitRound({ body: round.evidence.roundResultBody, signatures: round.signatures })
      const claims = await client.claimMany(
        round.result.credits.map((entry) => ({ round: 0n, entry, proof: round.tree.proof(entry.contributor) })),
      )
      await writeRoundEvidence(dir, round.evidence)

      const auditTimes: number[] = []
      const cliTimes: number[] = []
      for (let i = 0; i < repeats; i++) {
        // what the command does, without printing: connect, re-derive, compare with the chain
        auditTimes.push(
          await timeMs(async () => {
            const ledger = await LedgerClient.connect({ rpcUrl: testbed.chain.rpcUrl, ledger: testbed.ledger, manifest: manifestBytes })
            try {
              const report = await auditEvidence(ledger, { dir, rounds: [0n] })
              if (!report.ok) throw new Error(`the bench round does not audit: ${report.rounds[0]?.problems[0]?.message}`)
            } finally {
              ledger.close()
            }
          }),
        )
        let out = ''
        cliTimes.push(
          await timeMs(async () => {
            const code = await run(
              [
                'node',
                'murmur',
                'audit',
                '--evidence',
                dir,
                '--round',
                '0',
                '--rpc',
                testbed.chain.rpcUrl,
                '--ledger',
                testbed.ledger,
                '--json',
              ],
              { stdout: (t) => void (out += t), stderr: (t) => void (out += t) },
            )
            if (code !== 0) throw new Error(`murmur audit exited ${code}: ${out}`)
          }),
        )
        log(`ledger-audit: audit ${auditTimes.at(-1)!.toFixed(0)} ms, \`murmur audit --json\` ${cliTimes.at(-1)!.toFixed(0)} ms`)
      }
      const auditMs = median(auditTimes)
      const cliMs = median(cliTimes)
      const groups = round.evidence.groups.length
      const deltas = round.evidence.deltas.length
      return {
        name: 'ledger-audit',
        startedAt,
        machine: machineInfo(),
        results: {
          contributors,
          groups,
          deltas,
          completionsPerGroup: 8,
          signatures: round.signatures.length,
          auditMs,
          cliMs,
          targetMs: AUDIT_TARGET_MS,
          withinTarget: cliMs <= AUDIT_TARGET_MS,
          commitGas: commit.status === 'committed' ? Number(commit.gasUsed) : null,
          claimGasPerLeaf: claims.transactions.length
            ? Number(claims.transactions.reduce((n, t) => n + t.gasUsed, 0n)) / claims.claimed
            : null,
          buildMs,
        },
        table: {
          headers: ['contributors', 'groups', 'deltas', 'audit (ms)', '`murmur audit` (ms)', 'target (ms)'],
          rows: [[contributors, groups, deltas, Math.round(auditMs), Math.round(cliMs), AUDIT_TARGET_MS]],
        },
        notes: [
          `median of ${repeats}; the audit verifies ${groups} ScoredGroups (rewards recomputed by the task oracle), ${deltas} delta headers and ${round.signatures.length} RoundResult signatures, recomputes credits and the root, and reads roundOf, the RoundCommitted event and ${contributors} isClaimed views`,
          '`murmur audit` adds the CLI: reading the manifest, building the run context and printing JSON',
        ],
      }
    } finally {
      await testbed.stop()
      await rm(dir, { recursive: true, force: true })
    }
  },
}
