/**
 * `murmur swarm RUN_DIR --peers N --rounds R [--json]`: N peers in this process on loopback
 * (real libp2p over TCP), training the run together; one JSON line per round with `--json`.
 * `murmur node --run …`: one peer of a swarm, as its own process.
 */
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { equalBytes, fromHex, type Role, toHex, toHex0x, weightsHash } from '@murmur/protocol'
import { Command, Option } from 'commander'
import type { LedgerClient } from '../chain/ledger-client.js'
import { probeChainId } from '../chain/rpc-probe.js'
import type { CliIo } from '../cli.js'
import { CliError, CliUsageError, EXIT } from '../errors.js'
import { readKeystore } from '../keys/keystore.js'
import { getPassword, processPasswordSource } from '../keys/password.js'
import { createLogger, type LogOptions, lineLogger, logOptions } from '../log.js'
import { type PeerMetrics, peerMetrics, serveMetrics } from '../metrics/metrics.js'
import { readModelFolder } from '../model/folder.js'
import { DEVICE_CHOICES, type DeviceChoice, selectDevice } from '../runtime/device.js'
import { readLatestSwarmCheckpoint } from '../swarm/checkpoints.js'
import { devKey, localManifest, MANIFEST_FILE, type SwarmRoundLine, startLocalSwarm } from '../swarm/local.js'
import { SwarmPeer, type SwarmStart } from '../swarm/peer.js'
import { type SwarmRun, swarmRun } from '../swarm/run.js'
import { nodeSwarmEngine } from '../swarm/trainer-worker.js'
import { percent, statusLine } from '../train/progress.js'
import { RoundFeed } from '../web/feed.js'
import { isBrowserDialable, isIceUrl, type JoinInfo, joinInfoOf, joinLink, MAX_ICE_SERVERS } from '../web/join.js'
import { serveWebClient, WebClientMissingError, type WebServer, webClientDir } from '../web/serve.js'
import {
  chainIdOption,
  connectRunLedger,
  type LedgerFlags,
  type LedgerTarget,
  ledgerBinding,
  ledgerOption,
  ledgerTarget,
  rpcUrlOption,
} from './node-ledger.js'
import { intOption } from './options.js'

const ROLES: readonly Role[] = ['worker', 'trainer', 'validator']

function parseRoles(value: string): Role[] {
  const roles = value.split(',').map((r) => r.trim())
  for (const r of roles)
    if (!ROLES.includes(r as Role))
      throw new CliUsageError(`--roles: "${r}" is not a role; use a comma-separated subset of ${ROLES.join(',')}.`)
  return [...new Set(roles)] as Role[]
}

function roundText(l: SwarmRoundLine, rounds: number): string {
  const hashes = new Set(l.peers.map((p) => p.policyHash))
  return [
    `round ${l.round}/${rounds}`,
    `reward ${l.reward.toFixed(3)}`,
    `sample acc ${percent(l.sampleAccuracy)}`,
    l.accuracy === undefined ? '' : `held-out acc ${percent(l.accuracy)}`,
    `${l.peers.length} peers on ${hashes.size === 1 ? `θ ${[...hashes][0]!.slice(0, 10)}…` : `${hashes.size} DIFFERENT policies`}`,
    `${l.included} deltas${l.screened ? ` (${l.screened} screened out)` : ''}`,
    `${l.seconds.toFixed(1)}s`,
    `${(l.bytesPerPeer / 1024).toFixed(1)} KiB/peer`,
  ]
    .filter(Boolean)
    .join('  ')
}

/** The ledger flags `murmur swarm` and `murmur node` share. */
function withLedgerOptions(command: Command): Command {
  return command
    .option('--rpc <url>', "JSON-RPC endpoint of the chain the run's ledger is on (with --ledger)", rpcUrlOption)
    .option(
      '--ledger <address>',
      "the run's ContributionLedger: validators commit agreed rounds to it, peers claim their credit",
      ledgerOption,
    )
    .option('--chain-id <n>', 'the chain id the endpoint must serve (default: asked, and checked against the manifest)', chainIdOption)
    .option('--chain <dir>', 'take --rpc, --ledger and the chain id from DIR/chain.json (written by `murmur chain --data-dir DIR`)')
    .option('--no-auto-claim', 'with a ledger a peer claims its credit of every committed round; this turns that off')
}

/** Refuses ledger flags that disagree with the manifest; says which flags a ledger-bound manifest wants. */
function checkBinding(run: SwarmRun, target: LedgerTarget | null, say: (line: string) => void, hint = ''): void {
  const binding = ledgerBinding(run.manifest, target)
  if (binding && 'refuse' in binding) throw new CliError(`${binding.refuse}${hint}`, EXIT.usage)
  if (binding) say(binding.note)
}

/** Waits (up to `ms`) until the ledger holds rounds 0…`round`, saying so, then says how many it holds. */
async function awaitCommitted(client: LedgerClient, round: bigint, ms: number, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + ms
  let last = await client.lastCommittedRound().catch(() => null)
  if (last === null || last < round) say(`waiting up to ${Math.round(ms / 1000)} s for the ledger to hold ${round + 1n} committed round(s)`)
  while ((last === null || last < round) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250))
    last = await client.lastCommittedRound().catch(() => last)
  }
  say(`ledger ${client.ledgerAddress}: ${last === null ? 0n : last + 1n} round(s) committed`)
}

interface SwarmOptions extends LedgerFlags, LogOptions {
  peers: number
  rounds: number
  json: boolean
  roundMs?: number
  dataDir?: string
  evalEvery: number
  evalProblems?: number
  device: DeviceChoice
  debug: boolean
  autoClaim: boolean
}

export function swarmCommand(io: CliIo): Command {
  const command = new Command('swarm')
    .description('run N peers of a swarm in this process on loopback (real libp2p), training the run in RUN_DIR together')
    .argument('<run-dir>', 'run directory made by `murmur init`')
    .option('--peers <n>', 'peers to start', intOption('--peers', 1, 64), 4)
    .requiredOption('--rounds <n>', 'rounds to run', intOption('--rounds', 1, 10_000_000))
    .option('--json', 'print one JSON object per round on stdout', false)
    .option('--round-ms <ms>', 'round duration (default: run.json roundDurationMs)', intOption('--round-ms', 100, 3_600_000))
    .option('--data-dir <dir>', 'manifest and per-peer checkpoints (default: RUN_DIR/swarm)')
    .option('--eval-every <n>', 'held-out accuracy every n rounds (0 = never)', intOption('--eval-every', 0, 1_000_000), 5)
    .option('--eval-problems <n>', 'held-out problems per evaluation', intOption('--eval-problems', 1, 100_000))
    .addOption(new Option('--device <device>', 'execution provider').choices([...DEVICE_CHOICES]).default('cpu'))
    .option('--debug', 'log every phase change, proposal and delta', false)
  for (const option of logOptions()) command.addOption(option)
  return withLedgerOptions(command).action(async (runDir: string, o: SwarmOptions) => {
    if (!existsSync(join(runDir, 'run.json')))
      throw new CliError(`${runDir} is not a run directory (no run.json); create one with \`murmur init\`.`, EXIT.input)
    const say = lineLogger(createLogger(o, io.stderr, Boolean(process.stderr.isTTY)))
    const dataDir = o.dataDir ?? join(runDir, 'swarm')
    // the swarm keeps the manifest already in its data dir; a new one names the ledger
    const target = await ledgerTarget(o)
    const manifestPath = join(dataDir, MANIFEST_FILE)
    const existing = await readFile(manifestPath).catch(() => null)
    if (existing && existing.length > 0) {
      const hint = ` (${manifestPath} is this swarm's manifest: to start a new run on another ledger, use another --data-dir or move it away.)`
      checkBinding(swarmRun(new Uint8Array(existing), manifestPath), target, say, target ? hint : '')
    }
    const clients: LedgerClient[] = []
    let settings: { chainId: bigint; ledger: Uint8Array } | undefined
    if (target) {
      // every peer's client is connected (and the run registered) before any peer starts
      settings = { chainId: target.chainId ?? (await probeChainId(target.rpcUrl, 10_000)), ledger: fromHex(target.ledger) }
      const bytes =
        existing && existing.length > 0
          ? new Uint8Array(existing)
          : (await localManifest({ runDir, peers: o.peers, roundDurationMs: o.roundMs, settings })).bytes
      const run = swarmRun(bytes, manifestPath)
      try {
        for (let i = 0; i < o.peers; i++)
          clients.push(await connectRunLedger({ target, run, privateKey: devKey(i), say: (line) => say(`peer ${i}: ${line}`) }))
        // the swarm starts the run from its genesis: rounds already on chain would conflict with its own
        const committed = (await clients[0]!.runInfo())?.committedRounds ?? 0n
        if (committed > 0n)
          throw new CliError(
            `Run ${toHex0x(run.runId).slice(0, 18)}… already has ${committed} round(s) committed on ledger ${target.ledger}, and \`murmur swarm\` starts a run from its genesis, so its rounds would conflict. Start a new run (another --data-dir), or join this one with \`murmur node\`.`,
            EXIT.failure,
          )
      } catch (err) {
        for (const c of clients) c.close()
        throw err
      }
    }
    const { runtime, device, log: deviceLog } = await selectDevice(o.device)
    say(`device ${device} (${deviceLog.join('; ')})`)
    const status = statusLine(io.stderr, Boolean(process.stderr.isTTY) && !o.json)
    const swarm = await startLocalSwarm({
      runDir,
      peers: o.peers,
      runtime,
      dataDir,
      roundDurationMs: o.roundMs,
      settings,
      ledger: target ? (i) => clients[i] : undefined,
      autoClaim: target !== null && o.autoClaim,
      evalEvery: o.evalEvery,
      evalProblems: o.evalProblems,
      debug: o.debug,
      log: say,
    }).catch((err: unknown) => {
      for (const c of clients) c.close()
      throw err
    })
    const stop = () => void swarm.stop()
    process.once('SIGINT', stop)
    try {
      if (!o.json)
        say(
          `${o.peers} peers on loopback, run ${toHex0x(swarm.run.runId).slice(0, 18)}…, rounds of ${swarm.run.manifest.roundDurationMs} ms`,
        )
      let n = 0
      let last = 0
      for await (const line of swarm.rounds) {
        if (o.json) io.stdout(`${JSON.stringify(line)}\n`)
        else status.update(roundText(line, o.rounds), true)
        last = line.round
        if (++n >= o.rounds) break
      }
      status.done()
      const reader = clients[0]
      if (reader && n > 0) await awaitCommitted(reader, BigInt(last - 1), Math.max(10_000, 3 * swarm.run.manifest.roundDurationMs), say)
    } finally {
      process.off('SIGINT', stop)
      status.done()
      await swarm.stop()
      for (const c of clients) c.close()
    }
  })
}

interface NodeOptions extends LedgerFlags, LogOptions {
  run: string
  bootstrap: string[]
  keystore?: string
  devKey?: number
  dataDir: string
  roles: Role[]
  device: DeviceChoice
  listen: string[]
  genesis?: string
  rounds?: number
  rolloutPass?: number
  earlyRollouts?: boolean
  minPeers: number
  json: boolean
  debug: boolean
  autoClaim: boolean
  serveWeb: boolean
  iceServer: string[]
  webPort: number
  webHost: string
  metricsPort?: number
  metricsHost: string
}

/** The manifest bytes and (when next to it) the genesis folder of `--run`. */
async function locateRun(path: string): Promise<{ manifestPath: string; genesisDir?: string }> {
  const p = resolve(path)
  if (!existsSync(p)) throw new CliError(`--run ${path}: no such file or directory.`, EXIT.input)
  if (statSync(p).isFile()) return { manifestPath: p }
  for (const candidate of [join(p, MANIFEST_FILE), join(p, 'swarm', MANIFEST_FILE)]) {
    if (existsSync(candidate)) {
      const genesisDir = [join(p, 'genesis'), join(p, '..', 'genesis')].find((g) => existsSync(join(g, 'model.safetensors')))
      return { manifestPath: candidate, genesisDir }
    }
  }
  throw new CliError(`--run ${path}: no ${MANIFEST_FILE} there or in ${join(path, 'swarm')}; point it at a run manifest.`, EXIT.input)
}

export function nodeCommand(io: CliIo): Command {
  const collect = (v: string, prev: string[]) => [...prev, v]
  const command = new Command('node')
    .description('run one peer of a swarm: join by manifest, gossip, train, aggregate, checkpoint')
    .requiredOption('--run <path>', 'run manifest (manifest.bin), or a directory holding one')
    .option('--bootstrap <multiaddr>', 'peer to dial at start (repeatable; /p2p/ id required)', collect, [])
    .option('--keystore <file>', 'encrypted peer key (password from MURMUR_PASSWORD or the prompt)')
    .option('--dev-key <i>', 'use local development key i (public knowledge: local swarms only)', intOption('--dev-key', 0, 1_000_000))
    .requiredOption('--data-dir <dir>', 'where checkpoints are kept (a restart resumes from them)')
    .option('--roles <list>', 'comma-separated roles', parseRoles, [...ROLES])
    .addOption(new Option('--device <device>', 'execution provider').choices([...DEVICE_CHOICES]).default('cpu'))
    .option('--listen <multiaddr>', 'listen address (repeatable)', collect, [])
    .option('--genesis <model-dir>', 'genesis model folder (default: next to the manifest; without one the peer syncs from the swarm)')
    .option('--rounds <n>', 'exit after this many rounds closed', intOption('--rounds', 1, 10_000_000))
    .option(
      '--rollout-pass <prompts>',
      "elastic rollouts: sample passes of this many prompts until the rollouts deadline (the manifest's promptsPerPeer is then a cap); for a peer with a device of its own",
      intOption('--rollout-pass', 1, 65_535),
    )
    .option(
      '--no-early-rollouts',
      "with --rollout-pass: do not sample the next round's first groups on the current policy while a round closes",
    )
    .option(
      '--min-peers <n>',
      'wait until this many peers are connected and subscribed before starting (starting a new swarm together)',
      intOption('--min-peers', 0, 1000),
      0,
    )
    .option('--json', 'print one JSON object per closed round on stdout', false)
    .option('--debug', 'log every phase change, proposal and delta', false)
    .option('--serve-web', "serve the web client with this swarm's join information (browsers join through this peer)", false)
    .option('--web-port <port>', 'port of the web client (with --serve-web)', intOption('--web-port', 0, 65_535), 8400)
    .option('--web-host <host>', 'interface of the web client (0.0.0.0 serves the LAN; the peer must then listen there too)', '127.0.0.1')
    .option(
      '--ice-server <url>',
      'STUN or TURN server the served tabs use for WebRTC between them (repeatable; stun:HOST:PORT, turn:… or turns:…; default none: host candidates only)',
      collect,
      [],
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics at http://HOST:PORT/metrics (0 = any free port)',
      intOption('--metrics-port', 0, 65_535),
    )
    .option('--metrics-host <host>', 'interface of the metrics endpoint', '127.0.0.1')
  for (const option of logOptions()) command.addOption(option)
  return withLedgerOptions(command).action(async (o: NodeOptions) => {
    if ((o.keystore === undefined) === (o.devKey === undefined))
      throw new CliUsageError('Give exactly one of --keystore FILE or --dev-key I.')
    for (const url of o.iceServer)
      if (!isIceUrl(url))
        throw new CliUsageError(`--ice-server ${url}: not a stun:, turn: or turns: URL (e.g. stun:stun.example.org:3478).`)
    if (o.iceServer.length > MAX_ICE_SERVERS) throw new CliUsageError(`--ice-server: at most ${MAX_ICE_SERVERS}.`)
    for (const b of o.bootstrap)
      if (!/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(b))
        throw new CliUsageError(`--bootstrap ${b}: a bootstrap address must end in /p2p/<peer id>.`)
    const say = lineLogger(createLogger(o, io.stderr, Boolean(process.stderr.isTTY)))
    const where = await locateRun(o.run)
    const run = swarmRun(new Uint8Array(await readFile(where.manifestPath)), where.manifestPath)
    const target = await ledgerTarget(o)
    checkBinding(run, target, say)
    const privateKey =
      o.keystore !== undefined
        ? await readKeystore(o.keystore, await getPassword(processPasswordSource(), { label: o.keystore }))
        : devKey(o.devKey!)
    const ledger = target ? await connectRunLedger({ target, run, privateKey, say }) : undefined
    try {
      await runNode(io, o, { where, run, privateKey, ledger, say })
    } finally {
      ledger?.close()
    }
  })
}

/** One peer, from its start point to Ctrl-C or `--rounds` closed rounds (with a ledger, a validator then waits for their commit). */
async function runNode(
  io: CliIo,
  o: NodeOptions,
  {
    where,
    run,
    privateKey,
    ledger,
    say,
  }: {
    where: { manifestPath: string; genesisDir?: string }
    run: SwarmRun
    privateKey: Uint8Array
    ledger: LedgerClient | undefined
    say: (line: string) => void
  },
): Promise<void> {
  const { runtime, device, log: deviceLog } = await selectDevice(o.device)
  say(`device ${device} (${deviceLog.join('; ')})`)
  // where to start: our newest checkpoint, else genesis, else whatever the swarm announces
  const local = await readLatestSwarmCheckpoint(o.dataDir, run.cfg, say)
  // with bootstrap peers a peer joins the running swarm (its own θ if the swarm is there, else
  // the swarm's); a seed (no bootstrap) starts the run after --min-peers subscribed
  const waitForSwarm = o.bootstrap.length > 0
  let start: SwarmStart = 'sync'
  if (local) {
    say(`resuming from round ${local.round} (θ ${toHex(local.policyHash).slice(0, 12)}…) in ${o.dataDir}`)
    start = { round: local.round, weights: local.weights, momentum: local.momentum, waitForSwarm }
  } else {
    const genesisDir = o.genesis ?? where.genesisDir
    if (genesisDir) {
      const folder = await readModelFolder(genesisDir)
      const hash = weightsHash(run.cfg, folder.weights)
      if (!equalBytes(hash, run.manifest.genesisPolicyHash))
        throw new CliError(
          `${genesisDir} hashes to ${toHex(hash)}, not the manifest's genesis ${toHex(run.manifest.genesisPolicyHash)}.`,
          EXIT.input,
        )
      start = { round: 0n, weights: folder.weights, waitForSwarm }
    }
  }
  const engine = nodeSwarmEngine(runtime, run)
  const feed = new RoundFeed()
  const status = statusLine(io.stderr, Boolean(process.stderr.isTTY) && !o.json)
  let closed = 0
  let lastClosed: bigint | null = null
  let byRounds = false
  let finish: () => void = () => {}
  const done = {
    promise: new Promise<void>((r) => {
      finish = r
    }),
    resolve: () => finish(),
  }
  let metrics: PeerMetrics | null = null
  const peer = await SwarmPeer.start({
    engine,
    privateKey,
    roles: o.roles,
    dataDir: o.dataDir,
    listen: o.listen.length > 0 ? o.listen : undefined,
    bootstrap: o.bootstrap,
    start,
    ledger,
    autoClaim: ledger !== undefined && o.autoClaim,
    ...(o.rolloutPass ? { rolloutPassPrompts: o.rolloutPass } : {}),
    earlyRollouts: o.earlyRollouts !== false,
    debug: o.debug,
    log: say,
    onRound: (r) => {
      metrics?.onRound(r)
      feed.recordReport(r)
      lastClosed = BigInt(r.round)
      if (o.json) io.stdout(`${JSON.stringify(r)}\n`)
      else
        status.update(
          `round ${r.round + 1} closed on ${device}  θ ${r.policyHash.slice(0, 10)}…  reward ${r.reward.toFixed(3)}  ${r.included} deltas${r.ownDeltaIncluded ? ' (ours in)' : ''}  ${peer.libp2pHost.libp2p.getPeers().length} peers`,
          true,
        )
      if (o.rounds !== undefined && ++closed >= o.rounds) {
        byRounds = true
        done.resolve()
      }
    },
  })
  say(`peer ${peer.address} (${device}) listening on ${peer.multiaddrs().join(' ')}`)
  if (start === 'sync') say('no local checkpoint or genesis: waiting for the swarm to announce its checkpoint')
  const web = o.serveWeb ? await serveWeb(peer, run, ledger, o, say, feed) : null
  metrics = o.metricsPort === undefined ? null : peerMetrics(peer, { address: peer.address, run: toHex0x(run.runId) })
  const metricsServer = metrics
    ? await serveMetrics(metrics.registry, { host: o.metricsHost, port: o.metricsPort! }).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(
          err.code === 'EADDRINUSE' ? `--metrics-port ${o.metricsPort} is in use; pick another (0 = any free port).` : err.message,
          EXIT.input,
        )
      })
    : null
  if (metricsServer) say(`metrics ${metricsServer.url}`)
  await waitForBootstrap(peer, o.bootstrap, say)
  await waitForPeers(peer, o.minPeers, say)
  peer.begin()
  const stop = () => done.resolve()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    await done.promise
    // a validator that closed its last round lets the ledger catch up before it leaves
    const validator = run.manifest.validators.some((v) => equalBytes(v, fromHex(peer.address)))
    if (ledger && byRounds && validator && lastClosed !== null) {
      status.done()
      await awaitCommitted(ledger, lastClosed, Math.max(10_000, 3 * run.manifest.roundDurationMs), say)
    }
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    status.done()
    await web?.close()
    await metricsServer?.close()
    await peer.stop()
    await engine.close()
  }
}

/**
 * `--serve-web`: the built web client and this swarm's join information — this peer's WebSocket
 * addresses (a browser dials only those), the run, and the ledger when the node has one.
 */
async function serveWeb(
  peer: SwarmPeer,
  run: SwarmRun,
  ledger: LedgerClient | undefined,
  o: NodeOptions,
  say: (line: string) => void,
  feed: RoundFeed,
): Promise<WebServer> {
  const info = (): JoinInfo => {
    const i = joinInfoOf(
      run,
      [peer],
      ledger && { rpcUrl: ledger.rpcUrl, chainId: ledger.chainId, ledger: ledger.ledgerAddress },
      o.iceServer.map((url) => ({ urls: [url] })),
    )
    if (i.bootstrap.length === 0) throw new Error('this peer has no WebSocket listener (add --listen /ip4/…/tcp/PORT/ws)')
    return i
  }
  let root: string
  try {
    root = await webClientDir()
  } catch (err) {
    if (err instanceof WebClientMissingError) throw new CliError(err.message, EXIT.input)
    throw err
  }
  const web = await serveWebClient({
    root,
    join: info,
    rounds: () => feed.snapshot(peer.peerStatuses()),
    host: o.webHost,
    port: o.webPort,
  }).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(
      err.code === 'EADDRINUSE'
        ? `--web-port ${o.webPort} is in use; pick another (0 = any free port).`
        : `Cannot serve the web client: ${err.message}`,
      EXIT.input,
    )
  })
  say(`web client ${web.url}`)
  if (peer.multiaddrs().some(isBrowserDialable)) say(`join link: ${joinLink(web.url, info())}`)
  else say('warning: this peer listens on no WebSocket address, so browsers cannot join through it; add --listen /ip4/…/tcp/PORT/ws')
  return web
}

/** Dials the bootstrap list until one answers, with backoff, saying so. */
async function waitForBootstrap(peer: SwarmPeer, bootstrap: readonly string[], say: (line: string) => void): Promise<void> {
  if (bootstrap.length === 0) return
  for (let attempt = 1; ; attempt++) {
    if (peer.libp2pHost.libp2p.getPeers().length > 0) return
    const results = await Promise.allSettled(bootstrap.map((b) => peer.libp2pHost.dial(b, { signal: AbortSignal.timeout(5000) })))
    if (results.some((r) => r.status === 'fulfilled')) return
    const wait = Math.min(30_000, 500 * 2 ** attempt)
    say(
      `no bootstrap peer reachable (${(results[0] as PromiseRejectedResult).reason?.message ?? 'unknown'}); retrying in ${(wait / 1000).toFixed(1)} s`,
    )
    await new Promise((r) => setTimeout(r, wait))
  }
}

/** Waits until `n` peers subscribe to the run's topics (a new swarm starts its first round together). */
async function waitForPeers(peer: SwarmPeer, n: number, say: (line: string) => void): Promise<void> {
  const gossip = peer.libp2pHost.gossip
  const ready = () => gossip.subscribers('groups').length >= Math.max(n, 1)
  if (n === 0 && peer.libp2pHost.libp2p.getPeers().length === 0) return
  if (!ready()) say(`waiting for ${Math.max(n, 1)} peer(s) on the run's topics`)
  while (!ready()) await new Promise((r) => setTimeout(r, 100))
  // one more gossipsub heartbeat, so the mesh is grafted before the first messages
  await new Promise((r) => setTimeout(r, 1200))
}
