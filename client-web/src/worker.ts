/**
 * The browser peer proper, in a Web Worker so the page never blocks: the same SwarmPeer and round
 * machine as a node peer (`@murmur/node/browser`), over libp2p WebSockets, with onnxruntime-web
 * (the WebGPU EP when the page found an adapter, wasm otherwise) sampling the rollouts. It joins
 * by syncing to the checkpoint a quorum of validators announces, samples its share of each
 * round's groups, signs and gossips them, and follows every round's aggregation.
 */
import { enable as enableLogs } from '@libp2p/logger'
import { decodeTokensPerSecond, type PeerRoundReport, SwarmEngine, SwarmPeer, swarmRun } from '@murmur/node/browser'
import {
  contributionsRoot,
  deriveSeed,
  fromHex,
  initWeights,
  NAMED_CONFIGS,
  Policy,
  type RuntimeComponents,
  toHex0x,
} from '@murmur/protocol'
import type { FromWorker, ToWorker, WorkerStatus } from './messages.js'
import { WEB_CLIENT } from './peers.js'
import { hasRtcPeerConnection, installRtcProxy } from './rtc-proxy.js'

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m)

let peer: SwarmPeer | null = null
let engine: SwarmEngine | null = null
let share = 1
let statusTimer: ReturnType<typeof setInterval> | null = null
const totals = { groupsIncluded: 0, deltasIncluded: 0, tokens: 0, computeSeconds: 0 }

/**
 * The largest model a tab trains on wasm by default: a GRPO step of the 1 M-parameter tiny
 * model takes a few seconds there, of the 9.5 M small one far longer than a round. On WebGPU a
 * tab trains whatever it samples.
 */
export const WASM_TRAIN_MAX_PARAMS = 2_000_000

function status(device: WorkerStatus['device'], threads: number): WorkerStatus | null {
  if (!peer) return null
  const s = peer.status()
  return {
    address: peer.address,
    peerId: peer.libp2pHost.peerId.toString(),
    device,
    threads,
    roles: [...peer.roles],
    connections: peer.libp2pHost.libp2p.getConnections().length,
    webrtc: peer.libp2pHost.libp2p
      .getConnections()
      .filter((c) => c.remoteAddr.toString().includes('/webrtc'))
      .map((c) => ({ peerId: c.remotePeer.toString(), protocols: [...new Set(c.streams.map((s) => s.protocol ?? ''))].sort() })),
    addresses: peer.libp2pHost.libp2p.getMultiaddrs().map(String),
    round: s ? Number(s.round) : null,
    phase: s?.phase ?? 'syncing',
    policyHash: s?.policyHash ?? null,
    share,
    groupsPublished: peer.counters.groupsPublished,
    groupsIncluded: totals.groupsIncluded,
    deltasIncluded: totals.deltasIncluded,
    tokens: totals.tokens,
    tokensPerSecond: totals.computeSeconds > 0 ? totals.tokens / totals.computeSeconds : 0,
    peers: peer.peerStatuses(),
  }
}

/** Whether a round's leaves rebuild its agreed contributions root (the page's first audit step). */
function leavesHashToRoot(runId: Uint8Array, round: bigint, c: NonNullable<PeerRoundReport['contributions']>): boolean {
  const credits = c.leaves.map((x) => ({
    contributor: fromHex(x.address),
    acceptedGroups: x.groups,
    acceptedDeltas: x.deltas,
    credit: BigInt(x.credit),
  }))
  return toHex0x(contributionsRoot(runId, round, credits)).toLowerCase() === c.root.toLowerCase()
}

/**
 * onnxruntime-web with one EP, loaded for it: the wasm-only build (a 14 MB binary) for wasm,
 * the WebGPU build (28 MB, JSEP) only when the page computes on WebGPU. wasm threads only when
 * the page is cross-origin isolated.
 */
async function webRuntime(device: WorkerStatus['device']): Promise<{ runtime: RuntimeComponents; threads: number }> {
  const ort = device === 'webgpu' ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm')
  const threads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency - 1)) : 1
  ort.env.wasm.numThreads = threads
  return { runtime: { ort: ort as never, executionProviders: [device], exclusiveRuns: true }, threads }
}

async function bench(m: Extract<ToWorker, { type: 'bench' }>): Promise<void> {
  const { runtime, threads } = await webRuntime(m.device)
  const cfg = NAMED_CONFIGS[m.config]
  const weights = initWeights(cfg, deriveSeed('murmur/bench/engine', m.config))
  const policy = await Policy.load(runtime, cfg, weights)
  try {
    const tokensPerSecond = await decodeTokensPerSecond(policy, m)
    const params = [...weights.values()].reduce((n, t) => n + t.data.length, 0)
    post({ type: 'bench-result', tokensPerSecond, device: m.device, threads, params })
  } finally {
    await policy.release()
  }
}

async function start(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  if (m.debug) enableLogs(m.debug)
  share = m.share
  const { runtime, threads } = await webRuntime(m.device)
  const run = swarmRun(fromHex(m.join.manifest), 'the join link')
  engine = new SwarmEngine(runtime, run)
  post({
    type: 'log',
    line: `run ${m.join.runId.slice(0, 18)}…: ${run.numel.toLocaleString()} parameters, computing with ${m.device} (${threads} threads)`,
  })
  const train = m.train ?? (m.device === 'webgpu' || run.numel <= WASM_TRAIN_MAX_PARAMS)
  peer = await SwarmPeer.start({
    engine,
    privateKey: m.privateKey,
    // a trainer turns the round's groups (its own and everyone's) into a signed, compressed delta
    roles: train ? ['worker', 'trainer'] : ['worker'],
    // WebRTC to other tabs, signalled through a node peer's relay, when the page lent its WebRTC
    transports: hasRtcPeerConnection() ? ['websockets', 'webrtc'] : ['websockets'],
    iceServers: m.join.ice,
    listen: [],
    bootstrap: m.join.bootstrap,
    start: 'sync',
    computeShare: () => share,
    client: WEB_CLIENT,
    log: (line) => post({ type: 'log', line }),
    // ?debug=murmur: the peer's own timing lines (phases, deltas, votes) in the tab's log
    debug: m.debug?.split(',').includes('murmur') ?? false,
    onRound: (r: PeerRoundReport) => {
      totals.groupsIncluded += r.ownGroupsIncluded
      if (r.ownDeltaIncluded) totals.deltasIncluded++
      totals.tokens += r.sampledTokens
      totals.computeSeconds += r.computeSeconds
      post({
        type: 'round',
        line: {
          round: r.round + 1,
          reward: r.reward,
          sampleAccuracy: r.sampleAccuracy,
          ownGroups: r.ownGroups,
          ownGroupsIncluded: r.ownGroupsIncluded,
          ownDeltaIncluded: r.ownDeltaIncluded,
          ownNoGradient: r.own.groups.noGradient,
          ownUnused: r.own.groups.unused,
          ownDelta: r.own.delta,
          included: r.included,
          policyHash: r.policyHash,
          tokensPerSecond: r.computeSeconds > 0 ? r.sampledTokens / r.computeSeconds : 0,
          contributions: r.contributions && {
            ...r.contributions,
            consistent: leavesHashToRoot(run.runId, BigInt(r.round), r.contributions),
          },
        },
      })
    },
  })
  peer.begin()
  post({ type: 'log', line: `peer ${peer.address} dialled ${m.join.bootstrap.length} bootstrap peers` })
  statusTimer = setInterval(() => {
    const s = status(m.device, threads)
    if (s) post({ type: 'status', status: s })
  }, 500)
}

async function stop(): Promise<void> {
  if (statusTimer) clearInterval(statusTimer)
  statusTimer = null
  const p = peer
  peer = null
  await p?.stop()
  await engine?.close()
  engine = null
  post({ type: 'stopped' })
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data
  const fail = (err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) })
  if (m.type === 'rtc') installRtcProxy(m.port)
  else if (m.type === 'start') start(m).catch(fail)
  else if (m.type === 'share') share = Math.min(1, Math.max(0, m.share))
  else if (m.type === 'stop') stop().catch(fail)
  else if (m.type === 'bench') bench(m).catch(fail)
}
