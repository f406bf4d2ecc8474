/**
 * Churn (issue 10): four `murmur node` processes on a `murmur chain` ledger, and half of them
 * SIGKILLed mid-round and restarted on their data dirs, twice, on a schedule — the bootstrap
 * and registrar peer among the second pair. Rounds keep closing while half the swarm is down
 * (three validators, quorum two: each wave leaves two); every round committed before a wave
 * stays committed with the same θ; the restarted peers resume from disk and close rounds on
 * the swarm's θ again; and afterwards every data dir reads back whole: each persisted
 * checkpoint rehashes to a θ the swarm agreed on, and each validator's evidence archive
 * audits clean against the ledger.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  auditEvidence,
  EVIDENCE_DIR,
  LedgerClient,
  listEvidenceRounds,
  listSwarmCheckpoints,
  localManifest,
  MANIFEST_FILE,
  readSwarmCheckpoint,
  swarmRun,
} from '@murmur/node'
import { fromHex, toHex0x } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devTcpAddr, freePort, type MurmurProc, ProcessGroup, until } from '../helpers/node-procs.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
const procs = new ProcessGroup()
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
})
afterAll(() => {
  procs.killAll()
  cleanup?.()
})

interface Report {
  round: number
  policyHash: string
}

describe('churn across processes', () => {
  it('keeps closing and committing rounds while half the peers are SIGKILLed and restarted, twice; nothing on disk is damaged', {
    timeout: 600_000,
  }, async () => {
    const chain = procs.start(['chain', '--port', '0', '--dev-keys', '4', '--json'])
    await until(
      'the chain',
      () => chain.lines.length > 0,
      60_000,
      () => chain.stderr,
    )
    const { rpcUrl, ledger } = chain.lines[0] as { rpcUrl: string; ledger: string }
    const { bytes: manifest } = await localManifest({
      runDir,
      peers: 4,
      validators: 3,
      roundDurationMs: 5000,
      settings: { chainId: 31337n, ledger: fromHex(ledger) },
    })
    mkdirSync(join(runDir, 'swarm'), { recursive: true })
    writeFileSync(join(runDir, 'swarm', MANIFEST_FILE), manifest)

    const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()))
    const addr = (i: number) => devTcpAddr(ports[i]!, i)
    // every peer knows every other, so a restarted bootstrap peer is found again
    const start = (i: number, minPeers = 0) =>
      procs.start<Report>([
        'node',
        '--run',
        runDir,
        '--dev-key',
        String(i),
        '--data-dir',
        join(runDir, `node-${i}`),
        '--listen',
        `/ip4/127.0.0.1/tcp/${ports[i]}`,
        ...[0, 1, 2, 3].filter((j) => j !== i).flatMap((j) => ['--bootstrap', addr(j)]),
        '--rpc',
        rpcUrl,
        '--ledger',
        ledger,
        '--min-peers',
        String(minPeers),
        '--json',
      ])
    // the first start waits for the whole swarm, so round 0 begins together
    const nodes: MurmurProc<Report>[] = [0, 1, 2, 3].map((i) => start(i, i === 0 ? 3 : 0))
    const runs: MurmurProc<Report>[][] = nodes.map((n) => [n]) // every process each peer ran, in order
    const show = () => [chain, ...nodes].map((n, i) => `--- ${i === 0 ? 'chain' : `node ${i - 1}`}\n${n.stderr.slice(-4000)}`).join('\n')
    const lastRound = (n: MurmurProc<Report>) => n.lines.at(-1)?.round ?? -1
    const reader = await LedgerClient.connect({ rpcUrl, ledger, chainId: 31337n, manifest })
    const committed = async () => {
      const last = await reader.lastCommittedRound()
      const out = new Map<number, string>()
      for (let r = 0n; last !== null && r <= last; r++) out.set(Number(r), toHex0x((await reader.roundOf(r))!.policyHash))
      return out
    }
    try {
      await until('two closed rounds on every node', () => nodes.every((n) => n.lines.length >= 2), 180_000, show)
      for (const wave of [
        [2, 3],
        [0, 3],
      ]) {
        const before = await committed()
        expect(before.size, show()).toBeGreaterThan(0)
        await new Promise((r) => setTimeout(r, 1500)) // mid-round
        const killedAt = Date.now()
        for (const i of wave) nodes[i]!.child.kill('SIGKILL')
        for (const i of wave) expect(await nodes[i]!.exited).toBe(null)
        // the other half closes rounds without them
        const survivors = [0, 1, 2, 3].filter((i) => !wave.includes(i)).map((i) => nodes[i]!)
        const from = Math.max(...survivors.map(lastRound))
        await until(
          `two rounds closed while nodes ${wave.join(' and ')} are down`,
          () => survivors.every((n) => lastRound(n) >= from + 2),
          120_000,
          show,
        )
        // the ledger keeps committing (a dead validator's turn to submit passes to the next after
        // a delay), and what was committed before stays committed, with the same θ
        let after = await committed()
        const deadline = Date.now() + 60_000
        while (after.size <= before.size && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000))
          after = await committed()
        }
        expect(after.size, show()).toBeGreaterThan(before.size)
        for (const [r, h] of before) expect(after.get(r), `round ${r}`).toBe(h)
        // the killed peers restart on their data dirs and close rounds on the swarm's θ again
        const downRounds = Math.max(...survivors.map(lastRound)) - from
        const restartedAt = Date.now()
        for (const i of wave) {
          nodes[i] = start(i)
          runs[i]!.push(nodes[i]!)
        }
        const rejoinFrom = Math.max(...survivors.map(lastRound))
        await until('the restarted nodes close a round', () => wave.every((i) => lastRound(nodes[i]!) > rejoinFrom), 150_000, show)
        console.log(
          `churn: nodes ${wave.join(' and ')} down ${((restartedAt - killedAt) / 1000).toFixed(1)} s, ${downRounds} round(s) closed without them, ` +
            `${after.size - before.size} more committed; restart to first closed round ${((Date.now() - restartedAt) / 1000).toFixed(1)} s`,
        )
        for (const i of wave) expect(nodes[i]!.stderr, show()).toMatch(/resuming from round \d+/)
      }

      // two more rounds with everyone up: a validator that restarted mid-round completes its
      // evidence of that round from the others (they write theirs in the background too)
      const settled = Math.max(...nodes.map(lastRound))
      await until('two more rounds on every node', () => nodes.every((n) => lastRound(n) >= settled + 2), 120_000, show)

      for (const proc of runs.flat()) expect(proc.stderr, show()).not.toMatch(/its evidence lacks/)
      const completed = runs.flat().flatMap((p) => p.stderr.match(/round \d+: evidence completed from other validators.*/g) ?? [])
      console.log(`evidence completions: ${completed.length ? completed.join('; ') : 'none needed'}`)

      // every peer that reported a round reported the same θ for it, and it is the ledger's
      const agreed = new Map<number, string>()
      for (const proc of runs.flat())
        for (const l of proc.lines) {
          expect(agreed.get(l.round) ?? l.policyHash, `round ${l.round}`).toBe(l.policyHash)
          agreed.set(l.round, l.policyHash)
        }
      const onChain = await committed()
      for (const [r, h] of onChain) if (agreed.has(r)) expect(h, `round ${r} on chain`).toBe(agreed.get(r))

      // stop everything gracefully, then read every data dir back
      for (const n of nodes) n.child.kill('SIGTERM')
      expect(await Promise.all(nodes.map((n) => n.exited)), show()).toEqual([0, 0, 0, 0])
      const { cfg } = swarmRun(manifest, 'the churn manifest')
      const known = new Set([...agreed.values(), toHex0x(swarmRun(manifest, 'genesis').manifest.genesisPolicyHash)])
      const last = await reader.lastCommittedRound()
      for (const i of [0, 1, 2, 3]) {
        const dataDir = join(runDir, `node-${i}`)
        const rounds = await listSwarmCheckpoints(dataDir)
        expect(rounds.length, `node ${i} checkpoints`).toBeGreaterThan(0)
        for (const r of rounds)
          expect(known, `node ${i} checkpoint ${r}`).toContain(toHex0x((await readSwarmCheckpoint(dataDir, cfg, r)).policyHash))
        if (i === 3) continue // not a validator: no evidence archive
        const evidence = join(dataDir, EVIDENCE_DIR)
        const stored = (await listEvidenceRounds(evidence)).filter((r) => last !== null && r <= last)
        expect(stored.length, `node ${i} evidence`).toBeGreaterThan(0)
        const audit = await auditEvidence(reader, { dir: evidence, rounds: stored })
        expect(
          audit.ok,
          JSON.stringify(
            audit.rounds.map((r) => r.problems),
            (_, x) => (typeof x === 'bigint' ? x.toString() : x),
          ),
        ).toBe(true)
      }
    } finally {
      reader.close()
    }
  })
})
