/**
 * A local swarm: N peers in one process on loopback (real libp2p over TCP), sharing one engine,
 * for `murmur swarm`, the tests, the benchmarks and `murmur up`. The run's manifest is made from
 * run.json with development keys (deterministic, never for real money: anyone can derive them)
 * whose addresses are the validators, and written to the data dir so `murmur node` processes can
 * join the same run.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  addressFromPrivateKey,
  compareBytes,
  DEFAULT_SWARM,
  deriveSeed,
  encodeRunManifest,
  type Hex32,
  type Role,
  type RuntimeComponents,
  roundScheduleOf,
  type SwarmSettings,
  swarmManifest,
  type Weights,
} from '@murmur/protocol'
import { median } from '../bench/report.js'
import { heldOutAccuracy } from '../train/evaluate.js'
import { readGenesis, readRun } from '../train/run-dir.js'
import type { SwarmEngine } from './engine.js'
import { type PeerRoundReport, SwarmPeer, type SwarmPeerInit } from './peer.js'
import { type SwarmRun, swarmRun } from './run.js'
import { nodeSwarmEngine } from './trainer-worker.js'

export const MANIFEST_FILE = 'manifest.bin'

/** Development key of local peer `i` (public knowledge: for local swarms and tests only). */
export const devKey = (i: number) => deriveSeed('murmur/dev-key/v1', i)

export interface LocalSwarmOptions {
  runDir: string
  peers: number
  /** Validators: the first min(peers, this) peers' keys; quorum is a majority of them. */
  validators?: number
  /**
   * Peer i signs with devKey(firstKey + i) (default 0). One-peer swarms started side by side need
   * different keys to be different runs: with the same key they share a run id, hence every prompt.
   */
  firstKey?: number
  roundDurationMs?: number
  settings?: Partial<Omit<SwarmSettings, 'validators' | 'quorum'>>
}

/** The manifest of a local swarm over the run in `runDir`. */
export async function localManifest(o: LocalSwarmOptions): Promise<{ bytes: Uint8Array; genesis: Weights }> {
  const run = await readRun(o.runDir)
  const genesis = await readGenesis(o.runDir)
  const n = Math.min(o.peers, o.validators ?? 7)
  const validators = Array.from({ length: n }, (_, i) => addressFromPrivateKey(devKey((o.firstKey ?? 0) + i))).sort(compareBytes)
  const manifest = swarmManifest(run, {
    ...DEFAULT_SWARM,
    chainId: 31337n,
    ledger: new Uint8Array(20),
    bootstrap: [],
    roundDurationMs: o.roundDurationMs ?? run.roundDurationMs,
    ...o.settings,
    validators,
    quorum: Math.floor(n / 2) + 1,
  })
  return { bytes: encodeRunManifest(manifest), genesis: genesis.weights }
}

export interface SwarmRoundLine {
  round: number
  reward: number
  sampleAccuracy: number
  accuracy?: number
  peers: { address: `0x${string}`; policyHash: Hex32 }[]
  included: number
  /** Included deltas the screen left out of the aggregate (the largest count any peer saw). */
  screened: number
  seconds: number
  /** Live peers that went past this round without closing it (they fell behind and synced a later θ). */
  syncedPast: number
  /** Median over peers of busy (sampling + training + aggregation) ÷ wall seconds. */
  computeFraction: number
  /** Median over peers of the groups each sampled this round. */
  groupsPerPeer: number
  /** Median over peers of their early groups of this round (sampled on θ_{r−1} while round r − 1 closed). */
  earlyGroupsPerPeer: number
  /** The peers' own groups of this round in θ_{r+1} ÷ those they published with a gradient (sampled work that counted). */
  groupsUsedFraction: number
  /** Mean bytes a peer originated this round, and its delta's compression ratio vs dense fp32. */
  bytesPerPeer: number
  /** `bytesPerPeer` by gossip topic, and `blobs` for bytes served over the blob protocol. */
  bytesPerPeerByKind: Record<string, number>
  compressionRatio: number | null
  /** From the aggregation deadline (median peer) to the first peer on θ_{r+1}, and from the first to the last (ms). */
  commitMs: number
  spreadMs: number
  /** Groups in θ_{r+1} by author (the largest count any peer saw): browser tabs and other workers included. */
  includedGroupsBy: Record<`0x${string}`, number>
  /** The agreed contributions root and leaves, from the first peer that holds the RoundResult body. */
  contributions: PeerRoundReport['contributions']
}

export interface LocalSwarm {
  run: SwarmRun
  engine: SwarmEngine
  peers: SwarmPeer[]
  /**
   * Resolves with each round's line once every live peer closed it or went past it (a peer that
   * falls behind syncs a later θ and skips rounds: the line then covers the peers that closed it).
   */
  rounds: AsyncIterable<SwarmRoundLine>
  /** Stops peer `i` abruptly (its connections drop mid-round); rounds stop waiting for it. */
  kill(i: number): Promise<void>
  stop(): Promise<void>
}

export interface StartLocalSwarmOptions extends LocalSwarmOptions {
  runtime: RuntimeComponents
  /** Where the manifest and each peer's checkpoints go. */
  dataDir: string
  /** Held-out greedy accuracy every this many rounds (0: never). */
  evalEvery?: number
  evalProblems?: number
  roles?: (i: number) => Role[]
  /** Peer i's ledger client (validators submit agreed rounds; see SwarmPeerInit.ledger). */
  ledger?: (i: number, run: SwarmRun) => Promise<SwarmPeerInit['ledger']> | SwarmPeerInit['ledger']
  /** Peers claim their credit of each committed round (see SwarmPeerInit.autoClaim). */
  autoClaim?: boolean
  /** Elastic rollouts: prompts per pass (see SwarmPeerInit.rolloutPassPrompts). */
  rolloutPassPrompts?: number
  /** Early rollouts with elastic ones (see SwarmPeerInit.earlyRollouts; default on). */
  earlyRollouts?: boolean
  /** Misbehaving peers for adversary tests (see SwarmPeerInit.faults). */
  faults?: (i: number) => SwarmPeerInit['faults']
  /** Every peer's report of every round it closes, faulty peers' included (the round lines leave those out). */
  onPeerRound?: (report: PeerRoundReport) => void
  log?: (line: string) => void
  debug?: boolean
  /** Start every peer at this round and θ (a resumed session) instead of genesis at round 0. */
  resume?: { round: bigint; weights: Weights; momentum?: Float32Array | null }
  /** Listen addresses of every peer (default: TCP and WebSocket on 127.0.0.1, any port). */
  listen?: string[]
}

/** Starts N connected peers on genesis (or the manifest already in `dataDir`). */
export async function startLocalSwarm(o: StartLocalSwarmOptions): Promise<LocalSwarm> {
  await mkdir(o.dataDir, { recursive: true })
  const made = await localManifest(o)
  const manifestPath = join(o.dataDir, MANIFEST_FILE)
  let bytes = made.bytes
  try {
    const existing = new Uint8Array(await readFile(manifestPath))
    if (existing.length > 0) bytes = existing
  } catch {
    await writeFile(manifestPath, bytes)
  }
  const run = swarmRun(bytes, manifestPath)
  const engine = nodeSwarmEngine(o.runtime, run)
  const { trainingEndMs } = roundScheduleOf(run.manifest)
  const reports = new Map<number, PeerRoundReport[]>()
  const lines: SwarmRoundLine[] = []
  const waiting: Array<() => void> = []
  // lines come out in round order, from the round the peers start at
  let emitted = Number(o.resume?.round ?? 0n) - 1
  const peers: SwarmPeer[] = []
  let stopped = false
  let stopping: Promise<void> | undefined

  /** The latest round each peer reported. */
  const latest = new Map<string, number>()
  const flush = async () => {
    for (;;) {
      const round = emitted + 1
      const got = reports.get(round) ?? []
      // rounds are closed by the honest peers: a faulty one may be cut off and fall behind
      const live = peers.filter((p) => !dead.has(p) && !faulty.has(p)).map((p) => p.address)
      const ready = roundLineReady(round, live, got, latest)
      if (ready === 'wait') return
      emitted = round
      reports.delete(round)
      // every live peer synced over it: no peer closed the round, so there is no line to give
      if (got.length === 0) continue
      const line = await summarise(round, got, ready.syncedPast)
      lines.push(line)
      for (const w of waiting.splice(0)) w()
    }
  }
  const dead = new Set<SwarmPeer>()
  const faulty = new Set<SwarmPeer>()
  let flushing = Promise.resolve()
  /**
   * θ_{r+1} as the first honest peer to close round r holds it when it does: lines can come out
   * in bursts (the slowest peer closes several rounds at once), and each is evaluated on its own θ.
   */
  const thetaAfter = new Map<number, ReturnType<SwarmPeer['weights']>>()
  const evaluated = (round: number) => (o.evalEvery ?? 0) > 0 && (round + 1) % (o.evalEvery ?? 1) === 0
  const onRound = (r: PeerRoundReport) => {
    o.onPeerRound?.(r)
    const reporter = peers.find((p) => p.address === r.address)
    if (reporter && faulty.has(reporter)) return
    if (reporter && evaluated(r.round) && !thetaAfter.has(r.round)) thetaAfter.set(r.round, reporter.weights())
    latest.set(r.address, Math.max(latest.get(r.address) ?? -1, r.round))
    reports.set(r.round, [...(reports.get(r.round) ?? []), r])
    flushing = flushing.then(flush).catch((err: unknown) => o.log?.(`round summary failed: ${String(err)}`))
  }
  const summarise = async (round: number, got: PeerRoundReport[], syncedPast: number): Promise<SwarmRoundLine> => {
    const weighted = got.filter((r) => r.groups > 0)
    const line: SwarmRoundLine = {
      round: round + 1,
      reward: weighted.length ? weighted.reduce((s, r) => s + r.reward, 0) / weighted.length : 0,
      sampleAccuracy: weighted.length ? weighted.reduce((s, r) => s + r.sampleAccuracy, 0) / weighted.length : 0,
      peers: got.map((r) => ({ address: r.address, policyHash: r.policyHash })).sort((a, b) => (a.address < b.address ? -1 : 1)),
      included: Math.max(...got.map((r) => r.included)),
      syncedPast,
      screened: Math.max(...got.map((r) => r.screened)),
      seconds: median(got.map((r) => r.seconds)),
      computeFraction: median(got.map((r) => (r.seconds > 0 ? r.computeSeconds / r.seconds : 0))),
      groupsPerPeer: median(got.map((r) => r.ownGroups)),
      earlyGroupsPerPeer: median(got.map((r) => r.own.groups.early)),
      groupsUsedFraction: (() => {
        // groups without reward variance carry no gradient and are never trained on, by rule
        const trainable = got.reduce((n, r) => n + r.own.groups.published - r.own.groups.noGradient, 0)
        return trainable > 0 ? got.reduce((n, r) => n + r.own.groups.included, 0) / trainable : 0
      })(),
      bytesPerPeer: got.reduce((s, r) => s + r.bytesSent, 0) / got.length,
      bytesPerPeerByKind: got.reduce<Record<string, number>>((acc, r) => {
        for (const [k, n] of Object.entries(r.bytesByKind)) acc[k] = (acc[k] ?? 0) + (n ?? 0) / got.length
        return acc
      }, {}),
      commitMs: Math.min(...got.map((r) => r.advancedAtMs)) - (median(got.map((r) => r.startedAtMs)) + trainingEndMs),
      spreadMs: Math.max(...got.map((r) => r.advancedAtMs)) - Math.min(...got.map((r) => r.advancedAtMs)),
      includedGroupsBy: got.reduce<Record<`0x${string}`, number>>((acc, r) => {
        for (const [a, n] of Object.entries(r.includedGroupsBy) as [`0x${string}`, number][]) acc[a] = Math.max(acc[a] ?? 0, n)
        return acc
      }, {}),
      contributions: got.find((r) => r.contributions)?.contributions ?? null,
      compressionRatio: (() => {
        const d = got.filter((r) => r.deltaBytes > 0)
        return d.length ? median(d.map((r) => r.denseDeltaBytes / r.deltaBytes)) : null
      })(),
    }
    const theta = thetaAfter.get(round)
    thetaAfter.delete(round)
    if (evaluated(round) && !stopped) {
      const w = await theta
      if (w) {
        const policy = await engine.acquire(w.hash, w.weights)
        try {
          const ctx = run.ctx
          const r = await heldOutAccuracy({
            policy,
            task: ctx.task,
            tokenizer: ctx.tokenizer,
            problems: o.evalProblems ?? ctx.run.evalProblems,
            maxNewTokens: run.manifest.maxCompletionTokens,
          })
          line.accuracy = r.accuracy
        } finally {
          await engine.release(w.hash)
        }
      }
    }
    return line
  }

  for (let i = 0; i < o.peers; i++) {
    const peer = await SwarmPeer.start({
      engine,
      privateKey: devKey((o.firstKey ?? 0) + i),
      roles: o.roles?.(i) ?? ['worker', 'trainer', 'validator'],
      faults: o.faults?.(i),
      ...(o.rolloutPassPrompts ? { rolloutPassPrompts: o.rolloutPassPrompts } : {}),
      ...(o.earlyRollouts === false ? { earlyRollouts: false } : {}),
      ledger: await o.ledger?.(i, run),
      autoClaim: o.autoClaim,
      dataDir: join(o.dataDir, `peer-${i}`),
      start: o.resume ?? { round: 0n, weights: made.genesis },
      onRound,
      log: (line) => o.log?.(`peer ${i}: ${line}`),
      debug: o.debug,
      ...(o.listen ? { listen: o.listen } : {}),
    })
    peers.push(peer)
    if (o.faults?.(i)) faulty.add(peer)
  }
  // full mesh on loopback: explicit dials (libp2p 3 does not auto-dial discovered peers)
  const local = (p: SwarmPeer) => {
    const all = p.libp2pHost.multiaddrs()
    return all.find((a) => a.toString().startsWith('/ip4/127.0.0.1/')) ?? all[0]!
  }
  for (let i = 1; i < peers.length; i++) for (let j = 0; j < i; j++) await peers[i]!.libp2pHost.dial(local(peers[j]!))
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline && !peers.every((p) => p.libp2pHost.gossip.meshPeers('groups').length >= Math.min(peers.length - 1, 1))) {
    await new Promise((r) => setTimeout(r, 50))
  }
  for (const p of peers) p.begin()

  const rounds: AsyncIterable<SwarmRoundLine> = {
    async *[Symbol.asyncIterator]() {
      let next = 0
      for (;;) {
        while (next < lines.length) yield lines[next++]!
        if (stopped) return
        await new Promise<void>((r) => waiting.push(r))
      }
    },
  }
  return {
    run,
    engine,
    peers,
    rounds,
    async kill(i: number) {
      const peer = peers[i]
      if (!peer || dead.has(peer)) return
      dead.add(peer)
      await peer.stop()
      flushing = flushing.then(flush)
    },
    stop() {
      stopping ??= (async () => {
        stopped = true
        for (const w of waiting.splice(0)) w()
        await Promise.all(peers.map((p) => p.stop()))
        await engine.close()
      })()
      return stopping
    },
  }
}

/**
 * Whether round `round`'s line can be given: once every live peer reported it or reported a later
 * round. Peers report rounds in order, so one past `round` without a report of it synced over it
 * (it fell behind and fetched a later θ); the line then covers the peers that closed the round.
 */
export function roundLineReady(
  round: number,
  live: readonly string[],
  got: readonly Pick<PeerRoundReport, 'address'>[],
  latest: ReadonlyMap<string, number>,
): 'wait' | { syncedPast: number } {
  if (live.length === 0) return 'wait'
  let syncedPast = 0
  for (const a of live) {
    if (got.some((r) => r.address === a)) continue
    if ((latest.get(a) ?? -1) <= round) return 'wait'
    syncedPast++
  }
  return { syncedPast }
}

/**
 * The swarm's next `n` round lines, or as many as closed within `budgetMs` (`stalled` then
 * says the rounds stopped closing: a liveness finding a benchmark reports instead of hanging).
 */
export async function takeRounds(
  swarm: Pick<LocalSwarm, 'rounds'>,
  n: number,
  budgetMs: number,
  onLine?: (line: SwarmRoundLine) => void,
): Promise<{ lines: SwarmRoundLine[]; stalled: boolean }> {
  const lines: SwarmRoundLine[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  const budget = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), budgetMs)
  })
  const it = swarm.rounds[Symbol.asyncIterator]()
  try {
    while (lines.length < n) {
      const next = await Promise.race([it.next(), budget])
      if (next === 'stalled') return { lines, stalled: true }
      if (next.done) break
      lines.push(next.value)
      onLine?.(next.value)
    }
    return { lines, stalled: false }
  } finally {
    clearTimeout(timer)
  }
}
