/**
 * `adversarial` benchmark (issue #10, first slice): in-process peers on loopback (real libp2p),
 * a fraction of them adversarial — each a real peer speaking the protocol with its own key, its
 * work corrupted by one attack family (SwarmPeerInit.faults) — against the same swarm without
 * adversaries, on the same seeds and budget. Per family and fraction: final held-out accuracy
 * vs clean, whether the honest peers agreed on θ every round, the adversaries' share of the
 * credit in the agreed rounds, and the honest peers' rejections by reason.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addressFromPrivateKey, createSoloRun, NAMED_CONFIGS, taskSpecFromDifficulty, toHex0x } from '@murmur/protocol'
import { nodeRuntime } from '../runtime/runtimes.js'
import { devKey, type SwarmRoundLine, startLocalSwarm, takeRounds } from '../swarm/local.js'
import type { PeerFaults } from '../swarm/peer.js'
import { createGenesis } from '../train/genesis.js'
import { writeRun } from '../train/run-dir.js'
import { type Benchmark, machineInfo, median } from './report.js'

export const ATTACKS: Record<string, PeerFaults> = {
  'forged reward': { wrongReward: true },
  'corrupt payload': { corruptPayload: true },
  'sign-flipped delta': { delta: 'sign-flip' },
  'delta ×100': { delta: 'scale' },
  'stale base policy': { delta: 'stale-base' },
  'lied norm': { delta: 'lie-norm' },
  'colluding bias': { delta: 'collude' },
  'replayed messages': { replay: true },
  'wrong RoundResult': { wrongResult: true },
  'forged completions': { forgeCompletions: true },
  'slow blob holder': { slowBlobs: true },
  'sybil copies': { copyDeltas: true },
  'junk bytes': { junk: true },
  'double-dipped groups': { doubleDip: true },
}

/** Attacks only a validator can make: their adversaries are validators (the last ones). */
const VALIDATOR_ATTACKS = new Set(['wrong RoundResult'])
/**
 * Final accuracy is the mean over this many last rounds: one round's greedy accuracy on the tiny
 * task swings by tens of points between runs that differ only in which deltas met the freeze.
 */
const FINAL_ROUNDS = 3

/** Validators of the bench's swarm: the first this many peers (startLocalSwarm's default). */
const BENCH_VALIDATORS = 7

export interface AttackResult {
  attack: string
  adversaries: number
  peers: number
  /** Held-out greedy accuracy of the agreed θ: the mean over the last FINAL_ROUNDS rounds. */
  finalAccuracy: number
  /** Held-out greedy accuracy of the agreed θ after each round that closed. */
  accuracyByRound: number[]
  /** The honest peers held one θ after every round. */
  agreed: boolean
  /** Adversaries' credit ÷ all credit in the agreed rounds' contributions. */
  adversaryCreditShare: number
  /** Rejections by reason, summed over the honest peers (gossip validators and delta payload checks). */
  rejected: Record<string, number>
  /** Deltas of adversaries included in an agreed round (and not screened out). */
  adversaryDeltasIncluded: number
  /** Included deltas the delta screen left out of the aggregate, over the agreed rounds. */
  screened: number
  /** Groups of adversaries that included deltas trained on. */
  adversaryGroupsIncluded: number
  /** Offenses the agreed RoundResults proved against adversaries (each forfeits its round), and against honest peers (must be 0). */
  offensesProven: number
  offensesAgainstHonest: number
  /** Messages the honest peers' gossip validators ignored (another round's: late, early or replayed), summed. */
  ignored: number
  /** The honest peers' gossipsub score of the adversaries at the end (median), and how many honest→adversary connections were gone. */
  adversaryScore: number | null
  disconnected: number
  /** Rounds that closed (fewer than asked when the case stalled). */
  roundsClosed: number
  /** The rounds did not all close within 3× their scheduled time: a liveness failure. */
  stalled: boolean
  /** With --repeats: each run's accuracy, credit share and rounds closed (the fields above are medians or worst cases). */
  runs?: { finalAccuracy: number; adversaryCreditShare: number; roundsClosed: number }[]
}

/**
 * One case run several times: the median accuracy; the worst credit share, rounds closed and
 * agreement; counts summed over the runs.
 */
export function combineRuns(runs: AttackResult[]): AttackResult {
  if (runs.length === 1) return runs[0]!
  const sum = (f: (r: AttackResult) => number) => runs.reduce((n, r) => n + f(r), 0)
  const scores = runs.flatMap((r) => (r.adversaryScore === null ? [] : [r.adversaryScore]))
  const rejected: Record<string, number> = {}
  for (const r of runs) for (const [k, n] of Object.entries(r.rejected)) rejected[k] = (rejected[k] ?? 0) + n
  return {
    ...runs[0]!,
    finalAccuracy: median(runs.map((r) => r.finalAccuracy)),
    accuracyByRound: runs[0]!.accuracyByRound.map((_, i) => median(runs.flatMap((r) => r.accuracyByRound[i] ?? []))),
    agreed: runs.every((r) => r.agreed),
    adversaryCreditShare: Math.max(...runs.map((r) => r.adversaryCreditShare)),
    rejected,
    adversaryDeltasIncluded: sum((r) => r.adversaryDeltasIncluded),
    screened: sum((r) => r.screened),
    adversaryGroupsIncluded: sum((r) => r.adversaryGroupsIncluded),
    offensesProven: sum((r) => r.offensesProven),
    offensesAgainstHonest: sum((r) => r.offensesAgainstHonest),
    ignored: sum((r) => r.ignored),
    // null where no run had adversaries to score (the clean case)
    adversaryScore: scores.length > 0 ? median(scores) : null,
    disconnected: sum((r) => r.disconnected),
    roundsClosed: Math.min(...runs.map((r) => r.roundsClosed)),
    stalled: runs.some((r) => r.stalled),
    runs: runs.map((r) => ({ finalAccuracy: r.finalAccuracy, adversaryCreditShare: r.adversaryCreditShare, roundsClosed: r.roundsClosed })),
  }
}

export const adversarialBenchmark: Benchmark = {
  name: 'adversarial',
  description: 'attack families at 0%, 20% and 33% adversarial peers: accuracy vs clean, credit share, rejections by reason',
  async run({ quick, log, partial, attacks: only, repeats = 1 }) {
    const startedAt = new Date().toISOString()
    const runtime = await nodeRuntime('cpu')
    const runDir = await mkdtemp(join(tmpdir(), 'murmur-adversarial-'))
    const peers = quick ? 3 : 9
    const rounds = quick ? 3 : 6
    const roundDurationMs = quick ? 6000 : 10_000
    const fractions = quick ? [1 / 3] : [0.2, 1 / 3]
    const attacks = only ?? (quick ? ['stale base policy', 'lied norm'] : Object.keys(ATTACKS))
    try {
      const run = createSoloRun({
        name: 'adversarial-bench',
        model: 'tiny',
        config: NAMED_CONFIGS.tiny,
        task: taskSpecFromDifficulty('addition', '1'),
        seed: new Uint8Array(32).fill(7),
        grpo: { learningRate: 1e-3, groupSize: 8, promptsPerPeer: 8, maxCompletionTokens: 3, trainBatchSize: 64 },
        warmup: { steps: quick ? 60 : 200, batchSize: 64, learningRate: 3e-3, evalEvery: 1000, evalProblems: 64, targetAccuracy: 0.3 },
      })
      await writeRun(runDir, run)
      log(`adversarial: genesis warm-up in ${runDir}`)
      await createGenesis({ runtime, runDir })

      const runCase = async (attack: string, adversaries: number, repeat: number): Promise<AttackResult> => {
        const faults = attack === 'clean' ? undefined : ATTACKS[attack]
        // the adversaries are the last peers, or the last validators for an attack only a validator
        // can make (peer 0 stays honest: it evaluates and proposes first)
        const last = VALIDATOR_ATTACKS.has(attack) ? Math.min(peers, BENCH_VALIDATORS) : peers
        const isAdversary = (i: number) => i >= last - adversaries && i < last
        log(
          `adversarial: ${attack}, ${adversaries} of ${peers} peers, ${rounds} rounds of ${roundDurationMs} ms${repeats > 1 ? `, run ${repeat + 1} of ${repeats}` : ''}`,
        )
        const swarm = await startLocalSwarm({
          runDir,
          peers,
          runtime,
          dataDir: join(runDir, `case-${attack.replace(/\W+/g, '-')}-${adversaries}-${repeat}`),
          roundDurationMs,
          validators: BENCH_VALIDATORS,
          faults: (i) => (isAdversary(i) ? faults : undefined),
          // every round's θ is evaluated: the final accuracy is a mean of the last rounds, and
          // "rounds to the clean accuracy" needs the curve
          evalEvery: 1,
          evalProblems: quick ? 50 : 200,
        })
        const adversaryAddresses = new Set(
          Array.from({ length: peers }, (_, i) => i)
            .filter(isAdversary)
            .map((i) => toHex0x(addressFromPrivateKey(devKey(i))).toLowerCase()),
        )
        let lines: SwarmRoundLine[] = []
        const rejected: Record<string, number> = {}
        let ignored = 0
        let stalled = false
        const scores: number[] = []
        let disconnected = 0
        try {
          // a case gets 3× its scheduled time; rounds that do not close by then are a finding
          ;({ lines, stalled } = await takeRounds(swarm, rounds, 3 * rounds * roundDurationMs))
          if (stalled) log(`  stalled: ${lines.length} of ${rounds} rounds closed in ${(3 * rounds * roundDurationMs) / 1000} s`)
          swarm.peers.forEach((p, i) => {
            if (isAdversary(i)) return
            for (const [j, q] of swarm.peers.entries()) {
              if (!isAdversary(j)) continue
              scores.push(p.libp2pHost.gossip.score(q.libp2pHost.peerId))
              if (p.libp2pHost.libp2p.getConnections(q.libp2pHost.peerId).length === 0) disconnected++
            }
            ignored += p.libp2pHost.gossip.ignoredCount()
            for (const [reason, n] of Object.entries(p.libp2pHost.gossip.rejections())) rejected[reason] = (rejected[reason] ?? 0) + n
            if (p.counters.deltasInvalid)
              rejected['delta payload invalid'] = (rejected['delta payload invalid'] ?? 0) + p.counters.deltasInvalid
          })
        } finally {
          await swarm.stop()
        }
        let total = 0n
        let theirs = 0n
        let adversaryDeltasIncluded = 0
        let adversaryGroupsIncluded = 0
        let offensesProven = 0
        let offensesAgainstHonest = 0
        for (const l of lines)
          for (const o of l.contributions?.offenses ?? [])
            if (adversaryAddresses.has(o.offender.toLowerCase())) offensesProven++
            else offensesAgainstHonest++
        for (const l of lines)
          for (const leaf of l.contributions?.leaves ?? []) {
            total += BigInt(leaf.credit)
            if (adversaryAddresses.has(leaf.address.toLowerCase())) {
              theirs += BigInt(leaf.credit)
              adversaryDeltasIncluded += leaf.deltas
              adversaryGroupsIncluded += leaf.groups
            }
          }
        const accuracyByRound = lines.flatMap((l) => (l.accuracy === undefined ? [] : [l.accuracy]))
        const finalRounds = accuracyByRound.slice(-FINAL_ROUNDS)
        return {
          attack,
          adversaries,
          peers,
          finalAccuracy: finalRounds.length ? finalRounds.reduce((a, b) => a + b, 0) / finalRounds.length : 0,
          accuracyByRound,
          agreed: lines.length > 0 && lines.every((l) => new Set(l.peers.map((p) => p.policyHash)).size === 1),
          adversaryCreditShare: total === 0n ? 0 : Number((theirs * 1_000_000n) / total) / 1_000_000,
          rejected,
          adversaryDeltasIncluded,
          screened: lines.reduce((n, l) => n + l.screened, 0),
          adversaryGroupsIncluded,
          offensesProven,
          offensesAgainstHonest,
          ignored,
          adversaryScore: scores.length ? median(scores) : null,
          disconnected,
          roundsClosed: lines.length,
          stalled,
        }
      }

      const pct = (x: number) => `${(100 * x).toFixed(1)}%`
      const report = (results: AttackResult[]) => {
        const clean = results[0]!
        /**
         * Credit per adversary ÷ credit per honest peer: 1 is an honest peer's pay (adversaries that
         * also do honest work earn it for that work), 0 is none; above 1, the attack paid.
         */
        const payRatio = (r: AttackResult) =>
          r.adversaries === 0 || r.adversaryCreditShare >= 1
            ? null
            : r.adversaryCreditShare / r.adversaries / ((1 - r.adversaryCreditShare) / (r.peers - r.adversaries))
        /** The first round whose accuracy reached the clean run's final accuracy, or null. */
        const reached = (r: AttackResult) => {
          const i = r.accuracyByRound.findIndex((a) => a >= clean.finalAccuracy)
          return i < 0 ? null : i + 1
        }
        return {
          name: 'adversarial',
          startedAt,
          machine: machineInfo(),
          results: {
            model: 'tiny',
            task: 'addition 1 digit',
            peers,
            rounds,
            roundDurationMs,
            repeats,
            finalRounds: FINAL_ROUNDS,
            cases: results.map((r) => ({ ...r, roundsToCleanAccuracy: reached(r), adversaryPayRatio: payRatio(r) })),
          },
          table: {
            headers: [
              'attack',
              'adversaries',
              'final accuracy (clean)',
              'rounds to clean accuracy',
              'rounds closed',
              'θ agreed',
              'adversary credit (pay per peer vs honest)',
              'adversary deltas / groups in θ',
              'deltas screened out',
              'offenses proven (vs honest)',
              'rejected (honest peers)',
              'ignored (clean)',
              'adversary score, links cut',
            ],
            rows: results.map((r) => [
              r.attack,
              `${r.adversaries} of ${r.peers}`,
              `${pct(r.finalAccuracy)}${r.runs ? ` [${pct(Math.min(...r.runs.map((x) => x.finalAccuracy)))}–${pct(Math.max(...r.runs.map((x) => x.finalAccuracy)))}]` : ''} (${pct(clean.finalAccuracy)})`,
              String(reached(r) ?? `not in ${r.roundsClosed}`),
              `${r.roundsClosed} of ${rounds}${r.stalled ? ' (stalled)' : ''}`,
              r.agreed ? 'yes' : 'NO',
              `${pct(r.adversaryCreditShare)}${payRatio(r) === null ? '' : ` (${payRatio(r)!.toFixed(2)}×)`}`,
              `${r.adversaryDeltasIncluded} / ${r.adversaryGroupsIncluded}`,
              String(r.screened),
              `${r.offensesProven} (${r.offensesAgainstHonest})`,
              Object.entries(r.rejected)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ') || '—',
              `${r.ignored} (${clean.ignored})`,
              r.adversaryScore === null ? '—' : `${r.adversaryScore.toFixed(0)}, ${r.disconnected}`,
            ]),
          },
          notes: [
            'Adversaries are real peers with their own keys, speaking the protocol; their groups (honest rollouts, except the forged half under "forged reward") still earn credit when honest trainers use them, unless a delta of theirs is screened out of that round or a RoundResult proves an offense of theirs (a forged reward, a wrong RoundResult of the round before): then they forfeit the round. A credit share above 0 is not by itself a successful attack: it is what their honest work earned in rounds nothing proved against them. In parentheses: credit per adversary ÷ credit per honest peer (1× is an honest peer\'s pay; above 1×, the attack paid).',
            `Accuracy: held-out greedy accuracy of the agreed θ after every round (${quick ? 50 : 200} problems); final accuracy is the mean over the last ${FINAL_ROUNDS} rounds, since one round's swings by tens of points between runs that differ only in timing. Rounds to clean accuracy: the first round whose accuracy reached the clean run's final accuracy.`,
            'Attacks only a validator can make (wrong RoundResult) are made by the last validators (7 of the 9 peers validate).',
            'Offenses proven: fraud proofs the agreed RoundResults list (docs/PROTOCOL.md, "Fraud proofs"), one per offender and round; against honest peers, in parentheses, must be 0. A sybil that re-signs another trainer\'s delta leaves no proof; commit and reveal keeps its copies out of θ (docs/PROTOCOL.md, "Copied deltas"): its deltas in θ must be 0.',
            "Rejected: reasons counted by the honest peers' gossip validators (a message can be counted by every peer it reaches) and delta payloads that failed verification after fetching. Replayed messages of an earlier round are ignored by the round gate (no penalty, never accepted).",
            "Targets (issue 10): final accuracy within 5% of clean at 20% and 33%; adversaries' credit share < 1%; 0 forged or replayed messages accepted.",
            ...(repeats > 1
              ? [
                  `Each case ran ${repeats} times: accuracy is the median [min–max], credit share and rounds closed the worst run, counts summed over the runs.`,
                ]
              : []),
          ],
        }
      }
      const repeated = async (attack: string, adversaries: number) => {
        const runs: AttackResult[] = []
        for (let k = 0; k < repeats; k++) runs.push(await runCase(attack, adversaries, k))
        return combineRuns(runs)
      }
      const results: AttackResult[] = [await repeated('clean', 0)]
      partial?.(report(results))
      for (const attack of attacks)
        for (const f of fractions) {
          results.push(await repeated(attack, Math.max(1, Math.round(f * peers))))
          partial?.(report(results))
        }
      return report(results)
    } finally {
      await rm(runDir, { recursive: true, force: true })
    }
  },
}
