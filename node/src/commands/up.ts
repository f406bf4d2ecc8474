import { existsSync } from 'node:fs'
import { readFile, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { deployLedger, ledgerProvider, startLocalChain } from '@murmur/contracts'
import {
  addressFromPrivateKey,
  createSoloRun,
  decodeRunManifest,
  deriveSeed,
  fromHex,
  type ModelConfig,
  NAMED_CONFIGS,
  Policy,
  taskSpecFromDifficulty,
  toHex0x,
  type Weights,
} from '@murmur/protocol'
import { Command, Option } from 'commander'
import { getCreateAddress, Wallet } from 'ethers'
import { auditEvidence } from '../chain/audit.js'
import { EVIDENCE_DIR, listEvidenceRounds, roundDirName } from '../chain/evidence.js'
import { LedgerClient } from '../chain/ledger-client.js'
import type { CliIo } from '../cli.js'
import { describeEnvironment } from '../environment.js'
import { CliError, EXIT } from '../errors.js'
import { createLogger, type LogOptions, lineLogger, logOptions } from '../log.js'
import { DEVICE_CHOICES, type DeviceChoice, selectDevice } from '../runtime/device.js'
import { dropSwarmCheckpointsAfter, readSwarmCheckpoint } from '../swarm/checkpoints.js'
import { devKey, MANIFEST_FILE, type SwarmRoundLine, startLocalSwarm } from '../swarm/local.js'
import { runContext } from '../train/context.js'
import { heldOutAccuracy } from '../train/evaluate.js'
import { createGenesis } from '../train/genesis.js'
import { progressBar, statusLine } from '../train/progress.js'
import { readGenesis, readRun, writeRun } from '../train/run-dir.js'
import { type DashboardFeed, RoundFeed } from '../web/feed.js'
import { type JoinInfo, joinInfoOf, joinLink } from '../web/join.js'
import { lanAddress, lanJoinInfo } from '../web/lan.js'
import { serveWebClient, WebClientMissingError, type WebServer, webClientDir } from '../web/serve.js'
import { intOption } from './options.js'

/** Where `murmur up` keeps its state between runs. */
export function dataDir(): string {
  return process.env.MURMUR_HOME ?? join(homedir(), '.murmur')
}

interface UpOptions {
  peers: number
  rounds: number
  roundMs: number
  warmupSteps: number
  evalProblems: number
  chainPort: number
  webPort: number
  headless: boolean
  lan: boolean
  device: DeviceChoice
  logLevel: LogOptions['logLevel']
  logFormat: LogOptions['logFormat']
  json: boolean
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`

/**
 * `murmur up`: the one command a new user runs. It brings up a whole local swarm on embedded
 * defaults: a local EVM with the ContributionLedger, N peers on loopback (real libp2p) training
 * the tiny policy on addition, every agreed round committed on chain by the validators, and an
 * audit of the evidence against the chain at the end. The genesis model is made once (warm-up
 * with a progress bar) and reused. Unless --headless, it serves the web client on localhost with
 * the swarm's join information, so a browser tab joins the same swarm as a peer.
 */
export function upCommand(io: CliIo): Command {
  return (
    new Command('up')
      .description(
        'run a whole local swarm: local chain + ledger, N peers on loopback training together, rounds committed on chain and audited',
      )
      .option('--peers <n>', 'number of local peers (all validators)', intOption('--peers', 1, 16), 3)
      .option('--rounds <n>', 'rounds to run, then audit and exit (0 = until Ctrl-C)', intOption('--rounds', 0, 1_000_000), 0)
      .option('--round-ms <ms>', 'round duration', intOption('--round-ms', 500, 600_000), 10_000)
      .option('--warmup-steps <n>', 'supervised warm-up steps for a new genesis', intOption('--warmup-steps', 0, 1_000_000), 400)
      .option('--eval-problems <n>', 'held-out problems per accuracy evaluation', intOption('--eval-problems', 1, 100_000), 100)
      .option(
        '--chain-port <port>',
        'port of the local chain JSON-RPC on 127.0.0.1 (0 = any free port)',
        intOption('--chain-port', 0, 65_535),
        0,
      )
      .option('--web-port <port>', 'port of the web client on 127.0.0.1 (0 = any free port)', intOption('--web-port', 0, 65_535), 8400)
      .option('--headless', 'do not serve the web client', false)
      .option(
        '--lan',
        'serve the web client, the peers and the chain on every interface, with a join link for a phone on this network (a network you trust: the chain has public dev keys)',
        false,
      )
      .addOption(new Option('--device <device>', 'execution provider of the local peers').choices([...DEVICE_CHOICES]).default('cpu'))
      .option('--json', 'print a JSON summary as the last line', false)
      // the peers' own logs stay quiet under the status lines unless asked for (--log-level info)
      .addOption(logOptions('warn')[0]!)
      .addOption(logOptions('warn')[1]!)
      .action(async (o: UpOptions) => {
        const say = (line: string) => (o.json ? io.stderr(`${line}\n`) : io.stdout(`${line}\n`))
        const started = performance.now()
        const env = await describeEnvironment()
        say('murmur up — a local swarm on embedded defaults')
        say(`  node ${env.node}, ${env.cpus} cores, onnxruntime-node ${env.ort.version} (${env.ort.backends.join(', ')})`)
        const home = join(dataDir(), 'up')
        const runDir = join(home, 'run')
        const { runtime, device, log: deviceLog } = await selectDevice(o.device)
        say(`  device ${device} (${deviceLog.join('; ')})`)

        // 1. the run and its genesis (made once, reused)
        if (!existsSync(join(runDir, 'run.json'))) {
          const run = createSoloRun({
            name: 'murmur-up',
            model: 'tiny',
            config: NAMED_CONFIGS.tiny,
            task: taskSpecFromDifficulty('addition', '1'),
            seed: deriveSeed('murmur/up/run'),
            grpo: { groupSize: 8, promptsPerPeer: 8, maxCompletionTokens: 3, learningRate: 1e-3, trainBatchSize: 64 },
            warmup: { steps: o.warmupSteps, batchSize: 64, learningRate: 3e-3, evalEvery: 50, evalProblems: 64, targetAccuracy: 0.3 },
            evalEvery: 5,
            evalProblems: o.evalProblems,
          })
          await writeRun(runDir, run)
        }
        if ((await readRun(runDir)).genesisPolicyHash === null) {
          say(`  making the genesis model in ${runDir} (supervised warm-up; resumable)`)
          const bar = statusLine(io.stderr, Boolean(process.stderr.isTTY) && !o.json)
          await createGenesis({
            runtime,
            runDir,
            onProgress: (p) =>
              bar.update(
                `  warm-up ${progressBar(p.step, p.steps)} step ${p.step}/${p.steps}${p.accuracy === undefined ? '' : `, accuracy ${pct(p.accuracy)}`}`,
              ),
          })
          bar.done()
        } else say(`  reusing the genesis model in ${runDir}`)
        const ctx = runContext(await readRun(runDir))
        const genesis = await readGenesis(runDir)
        const accuracyOf = async (weights: Weights) => {
          const policy = await Policy.load(runtime, ctx.cfg, weights)
          try {
            return (
              await heldOutAccuracy({
                policy,
                task: ctx.task,
                tokenizer: ctx.tokenizer,
                problems: o.evalProblems,
                maxNewTokens: ctx.run.maxCompletionTokens,
              })
            ).accuracy
          } finally {
            await policy.release()
          }
        }
        const genesisAccuracy = await accuracyOf(genesis.weights)
        say(`  genesis held-out accuracy ${pct(genesisAccuracy)} on ${o.evalProblems} problems`)

        // 2. the local chain, kept in MURMUR_HOME/up/chain (a journal replayed at the next start),
        // and the ledger (deterministic address: the deployer's first transaction)
        const chainDir = join(home, 'chain')
        const swarmDir = join(home, 'swarm')
        const lanIp = o.lan ? lanAddress() : null
        if (o.lan && !lanIp)
          throw new CliError('--lan: this machine has no non-loopback IPv4 address; join from this machine instead.', EXIT.input)
        const bind = lanIp ? { host: '0.0.0.0' } : {}
        const chain = await startLocalChain({ port: o.chainPort, dataDir: chainDir, ...bind }).catch(async (err: unknown) => {
          const message = (err as Error).message
          // another `murmur up` on this home, or a busy port: say so, touch nothing
          if (/is in use by process|Cannot lock|Cannot serve JSON-RPC/.test(message))
            throw new CliError(message, EXIT.failure, { cause: err })
          // a chain that cannot be restored is kept aside, and a new one started
          const aside = `${chainDir}.unrestorable-${Date.now()}`
          say(`  the chain in ${chainDir} cannot be restored (${(err as Error).message}); moved to ${aside}, starting a new one`)
          await rename(chainDir, aside)
          if (existsSync(swarmDir)) await rename(swarmDir, `${swarmDir}.unrestorable-${Date.now()}`)
          return startLocalChain({ port: o.chainPort, dataDir: chainDir, ...bind })
        })
        // bound to every interface (--lan), the chain is still reached over loopback from here
        const rpcUrl = chain.rpcUrl.replace('://0.0.0.0:', '://127.0.0.1:')
        const provider = ledgerProvider(rpcUrl)
        const deployer = new Wallet(chain.accounts[0]!, provider)
        const expected = getCreateAddress({ from: deployer.address, nonce: 0 })
        const restored = (await provider.getCode(expected)) !== '0x'
        const ledger = restored ? expected : await (await deployLedger(deployer)).getAddress()
        for (let i = 0; i < o.peers; i++) {
          const to = toHex0x(addressFromPrivateKey(devKey(i)))
          if ((await provider.getBalance(to)) < 10n ** 18n) await (await deployer.sendTransaction({ to, value: 10n ** 19n })).wait()
        }
        say(
          `  local chain ${rpcUrl} (chain id ${chain.chainId}${restored ? `, restored from ${chainDir}` : ''}), ContributionLedger at ${ledger}`,
        )

        // 3. the swarm: a new run, or the last session's resumed where the ledger left it
        const resume = await resumePoint({
          swarmDir,
          cfg: ctx.cfg,
          genesis: genesis.weights,
          chain: { rpcUrl, chainId: chain.chainId },
          ledger,
          peers: o.peers,
          roundMs: o.roundMs,
          say,
        })
        const clients: LedgerClient[] = []
        const swarm = await startLocalSwarm({
          runDir,
          peers: o.peers,
          runtime,
          dataDir: swarmDir,
          roundDurationMs: o.roundMs,
          settings: { chainId: chain.chainId, ledger: fromHex(ledger) },
          ledger: async (i, run) => {
            const client = await LedgerClient.connect({
              rpcUrl,
              ledger,
              privateKey: devKey(i),
              chainId: chain.chainId,
              // every validator reads the run's rounds (to wait its turn, or to step in), not only the registrar
              manifest: run.manifestBytes,
              retry: { initialDelayMs: 200, maxDelayMs: 2000 },
            })
            if (i === 0) await client.ensureRun(run.manifestBytes)
            clients.push(client)
            return client
          },
          autoClaim: true,
          resume: resume ?? undefined,
          evalEvery: 5,
          evalProblems: o.evalProblems,
          ...(lanIp ? { listen: ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'] } : {}),
          log: lineLogger(createLogger(o, io.stderr, Boolean(process.stderr.isTTY))),
        })
        say(
          `  ${o.peers} peers on loopback, run ${toHex0x(swarm.run.runId).slice(0, 18)}…, rounds of ${o.roundMs} ms${o.rounds ? `, ${o.rounds} rounds` : ' (Ctrl-C to stop)'}`,
        )
        const localInfo = () => joinInfoOf(swarm.run, swarm.peers, { rpcUrl, chainId: chain.chainId, ledger })
        const joinInfo = lanIp ? () => lanJoinInfo(localInfo(), lanIp) : localInfo
        const feed = new RoundFeed()
        const web = o.headless ? null : await startWeb(o.webPort, joinInfo, () => feed.snapshot(swarm.peers[0]?.peerStatuses()), say, lanIp)
        const stop = new AbortController()
        const onSignal = () => stop.abort()
        process.once('SIGINT', onSignal)
        process.once('SIGTERM', onSignal)
        const reader = clients[0]!
        const lines: SwarmRoundLine[] = []
        let summary: Record<string, unknown>
        // a live line on a terminal: the round in progress, its phase and the chain, under the round lines
        const live = statusLine(io.stdout, Boolean(process.stdout.isTTY) && !o.json)
        let lastLine: SwarmRoundLine | null = null
        let committedThrough = 0n
        const ticker = setInterval(() => {
          const s = swarm.peers[0]?.status()
          if (!s) return
          live.update(
            `  round ${s.round + 1n} ${s.phase}…  ${swarm.peers.length} peers  committed through round ${committedThrough}` +
              (lastLine ? `  last reward ${lastLine.reward.toFixed(3)}` : '') +
              (web ? `  dashboard ${web.url}` : ''),
          )
        }, 1000)
        ticker.unref()
        try {
          const iterator = swarm.rounds[Symbol.asyncIterator]()
          const aborted = new Promise<null>((r) => stop.signal.addEventListener('abort', () => r(null), { once: true }))
          while (o.rounds === 0 || lines.length < o.rounds) {
            const next = await Promise.race([iterator.next(), aborted])
            if (next === null || next.done) break
            const line = next.value
            lines.push(line)
            feed.record({
              round: line.round,
              reward: line.reward,
              ...(line.accuracy === undefined ? {} : { accuracy: line.accuracy }),
              policyHash: line.peers[0]?.policyHash ?? '',
              included: line.included,
              contributions: line.contributions,
            })
            const committed = (await reader.lastCommittedRound().catch(() => null)) ?? -1n
            committedThrough = committed + 1n
            lastLine = line
            const hashes = new Set(line.peers.map((p) => p.policyHash))
            const text =
              `  round ${line.round}  reward ${line.reward.toFixed(3)}  ${line.accuracy === undefined ? '' : `held-out ${pct(line.accuracy)}  `}` +
              `${line.peers.length} peers on ${hashes.size === 1 ? `θ ${[...hashes][0]!.slice(0, 10)}…` : `${hashes.size} policies`}  ` +
              `${line.included} deltas  committed through round ${committedThrough}`
            if (o.json) say(text)
            else live.update(text, true)
          }
          clearInterval(ticker)
          live.done()
          // 4. every round on chain, then the audit of the evidence against it
          const target = (resume?.round ?? 0n) + BigInt(lines.length) - 1n
          const deadline = Date.now() + 60_000
          while (target >= 0n && ((await reader.lastCommittedRound()) ?? -1n) < target && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 250))
          const final = await swarm.peers[0]!.weights()
          // stopping drains the peers' background work, the evidence writes among it: a validator
          // that saw the quorum after the submitter's commit landed may still be writing its copy
          await swarm.stop()
          const committedRounds = Number(((await reader.lastCommittedRound()) ?? -1n) + 1n)
          const finalAccuracy = final ? await accuracyOf(final.weights) : genesisAccuracy
          // the audit covers every committed round peer 0 holds evidence of: a round that reached its
          // quorum as the swarm stopped may have evidence but no commit (stopping cut the submission)
          const evidenceDir = join(swarmDir, 'peer-0', EVIDENCE_DIR)
          const held = committedRounds > 0 ? await listEvidenceRounds(evidenceDir) : []
          const uncommitted = held.filter((r) => r >= BigInt(committedRounds))
          if (uncommitted.length)
            say(
              `  round ${uncommitted.join(', ')} reached its quorum as the swarm stopped and was not committed; its evidence is kept, not audited`,
            )
          const audited = held.filter((r) => r < BigInt(committedRounds))
          const audit = audited.length > 0 ? await auditEvidence(reader, { dir: evidenceDir, rounds: audited }) : null
          const agreed = lines.every((l) => new Set(l.peers.map((p) => p.policyHash)).size === 1)
          summary = {
            // the swarm may close (and commit) one more round while this waits for the last one
            ok: agreed && BigInt(committedRounds) >= target + 1n && (audit?.ok ?? lines.length === 0),
            rounds: lines.length,
            committedRounds,
            resumedFromRound: resume ? Number(resume.round) : null,
            genesisAccuracy,
            finalAccuracy,
            auditOk: audit?.ok ?? false,
            rpcUrl,
            ledger,
            webUrl: web?.url ?? null,
            runId: toHex0x(swarm.run.runId),
            peers: o.peers,
            sameThetaEveryRound: agreed,
            seconds: (performance.now() - started) / 1000,
            node: env.node,
            ort: env.ort,
          }
          for (const p of [...(audit?.problems ?? []), ...(audit?.rounds.flatMap((r) => r.problems) ?? [])].slice(0, 10))
            say(
              `  audit: ${p.round === null ? '' : `round ${p.round}: `}${p.contributor ? `${p.contributor} ` : ''}${p.field}: ${p.message}`,
            )
          say(
            `  ${lines.length} rounds, ${committedRounds} committed on chain, audit ${audit?.ok ? 'passed' : 'FAILED'}; held-out accuracy ${pct(genesisAccuracy)} → ${pct(finalAccuracy)}`,
          )
        } finally {
          clearInterval(ticker)
          live.done()
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          await web?.close()
          await swarm.stop()
          for (const c of clients) c.close()
          provider.destroy()
          await chain.stop()
        }
        if (o.json) io.stdout(`${JSON.stringify(summary)}\n`)
        if (!summary.ok)
          throw Object.assign(new Error('The local swarm did not commit and audit every round; see the lines above.'), { exitCode: 1 })
      })
  )
}

/** Serves the web client for `murmur up`; a missing build or a busy port is said, not fatal. */
async function startWeb(
  port: number,
  info: () => JoinInfo,
  rounds: () => DashboardFeed,
  say: (line: string) => void,
  lanIp: string | null,
): Promise<WebServer | null> {
  let root: string
  try {
    root = await webClientDir()
  } catch (err) {
    if (!(err instanceof WebClientMissingError)) throw err
    say(`  ${err.message} Running headless.`)
    return null
  }
  const serve = (p: number) => serveWebClient({ root, join: info, rounds, port: p, ...(lanIp ? { host: '0.0.0.0' } : {}) })
  const web = await serve(port).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE' || port === 0) throw err
    say(`  port ${port} is busy: serving the web client on another port (pick one with --web-port)`)
    return serve(0)
  })
  say(`  web client and dashboard ${web.url} — open it to watch the swarm, or to add this browser as a peer`)
  if (lanIp) {
    const url = `http://${lanIp}:${web.port}/`
    say(`  on this network (a phone): ${url} — join link ${joinLink(url, info())}`)
    say(
      '  --lan: the chain, the peers and the web client listen on every interface; the chain’s dev keys are public, so use a network you trust',
    )
  } else say(`  join link (carries the run, the peers and the chain): ${joinLink(web.url, info())}`)
  return web
}

/**
 * Where this session's swarm starts. A new run (the swarm folder cleared) unless the last
 * session's run is registered on the restored ledger; then every peer starts at the ledger's
 * next round R from θ_R as peer 0 persisted it, and whatever the last session did after the
 * ledger's last round (checkpoints, evidence of uncommitted rounds) is dropped, since those
 * rounds are redone.
 */
async function resumePoint(o: {
  swarmDir: string
  cfg: ModelConfig
  genesis: Weights
  chain: { rpcUrl: string; chainId: bigint }
  ledger: string
  peers: number
  roundMs: number
  say: (line: string) => void
}): Promise<{ round: bigint; weights: Weights; momentum: Float32Array | null } | null> {
  const manifestPath = join(o.swarmDir, MANIFEST_FILE)
  const fresh = async (why: string) => {
    if (existsSync(o.swarmDir)) o.say(`  starting a new run: ${why}`)
    await rm(o.swarmDir, { recursive: true, force: true })
    return null
  }
  if (!existsSync(manifestPath)) return fresh('no earlier run')
  const manifest = new Uint8Array(await readFile(manifestPath))
  const reader = await LedgerClient.connect({ rpcUrl: o.chain.rpcUrl, ledger: o.ledger, chainId: o.chain.chainId, manifest })
  try {
    const registration = await reader.checkRun(manifest).catch(() => 'missing' as const)
    if (registration === 'missing' || registration.length > 0) return fresh('the last run is not on this ledger')
    const m = decodeRunManifest(manifest)
    if (m.validators.length !== Math.min(o.peers, 7))
      return fresh(`the last run had ${m.validators.length} validators, this session asks for ${Math.min(o.peers, 7)}`)
    if (m.roundDurationMs !== o.roundMs)
      return fresh(`the last run had rounds of ${m.roundDurationMs} ms, this session asks for ${o.roundMs} ms`)
    const last = await reader.lastCommittedRound()
    const round = last === null ? 0n : last + 1n
    const peer0 = join(o.swarmDir, 'peer-0')
    let weights: Weights
    let momentum: Float32Array | null = null
    try {
      if (round === 0n) weights = o.genesis
      else ({ weights, momentum } = await readSwarmCheckpoint(peer0, o.cfg, round))
    } catch (err) {
      return fresh(`θ of round ${round} is not on disk (${(err as Error).message})`)
    }
    for (let i = 0; i < o.peers; i++) {
      const dir = join(o.swarmDir, `peer-${i}`)
      await dropSwarmCheckpointsAfter(dir, round)
      const evidence = join(dir, EVIDENCE_DIR)
      for (const r of await listEvidenceRounds(evidence).catch(() => []))
        if (r >= round) await rm(join(evidence, roundDirName(r)), { recursive: true })
    }
    o.say(`  resuming the last run at round ${round} (${round} rounds on the ledger)`)
    return { round, weights, momentum }
  } finally {
    reader.close()
  }
}
