/**
 * The page: the swarm's dashboard (the serving node's rounds, curves, peers and contributions,
 * checked against the chain), and — on "Join" — a peer: it joins the run named by the join link
 * (or the serving peer's), shows the peer's live status and this tab's contributions, and applies
 * the volunteer controls. The peer itself runs in worker.ts; this thread only renders.
 */
import { JOIN_PATH, type JoinInfo, joinInfoFromFragment, type PeerStatusRow, parseJoinInfo } from '@murmur/node/browser'
import { PROTOCOL_VERSION } from '@murmur/protocol'
import type { AddressAudit } from './audit.js'
import { detectCapabilities } from './capabilities.js'
import { rewardCurve } from './chart.js'
import { effectiveShare, parseSettings, type VolunteerSettings } from './controls.js'
import { feedRoundLine, fetchFeed } from './dashboard.js'
import { exportKeystore, type Identity, loadOrCreateIdentity } from './identity.js'
import { type LedgerView, readLedger } from './ledger.js'
import type { Device, FromWorker, RoundLine, ToWorker, WorkerStatus } from './messages.js'
import { type ContributorTotals, joinPeers, peerCells } from './peers.js'
import { serveRtc } from './rtc-host.js'
import type { Eip1193Provider } from './wallet.js'
import './style.css'

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const SETTINGS_KEY = 'murmur.settings'

/** What the page knows, also on `window.murmur` for the end-to-end tests and the curious. */
const state = {
  phase: 'loading' as 'loading' | 'ready' | 'running' | 'error',
  join: null as JoinInfo | null,
  identity: null as { address: string } | null,
  device: null as Device | null,
  status: null as WorkerStatus | null,
  rounds: [] as RoundLine[],
  errors: [] as string[],
  log: [] as string[],
  /** `?bench=decode`: the worker's decode throughput (the browser benchmark reads it). */
  bench: null as { tokensPerSecond: number; device: Device; threads: number; params: number } | null,
  /** The run's ledger, when the join information names one (read every 10 s while joined). */
  ledger: null as LedgerView | null,
  /**
   * Each round's check of its contributions (ledger round numbers, from 0): `consistent` (the
   * leaves hash to the agreed root; no ledger, or not committed yet), `on-chain` (and the chain
   * holds that root), `mismatch` (the chain holds another root), `inconsistent` (the leaves do
   * not hash to the agreed root).
   */
  audit: {} as Record<number, 'consistent' | 'on-chain' | 'mismatch' | 'inconsistent'>,
  /** Each committed round's commit transaction (ledger round numbers, from 0). */
  txs: {} as Record<number, string>,
  /** The wallet this tab's key gave its credit to (CreditLinks.link), once the link is mined. */
  wallet: null as { owner: string; txHash: string; claimTxHash: string | null; claimed: number } | null,
  /** The address picked in the Peers table, its leaves proven against the ledger's roots. */
  addressAudit: null as (AddressAudit & { claimedCredit: bigint | null }) | null,
}
;(globalThis as unknown as { murmur: typeof state }).murmur = state

let settings: VolunteerSettings = parseSettings(localStorage.getItem(SETTINGS_KEY))
let battery: { level: number; charging: boolean } | null = null
let worker: Worker | null = null
let stopRtc: (() => void) | null = null
let identity: Identity | null = null
const curve = rewardCurve($('chart'))

function say(text: string, kind: typeof state.phase = state.phase): void {
  const el = $('status')
  el.textContent = text
  el.dataset.state = kind
}

/** Log lines a tab keeps: it may run for days (and with ?debug=murmur, log a dozen lines a round). */
const LOG_KEPT = 1000

function log(line: string): void {
  state.log.push(line)
  if (state.log.length > LOG_KEPT) state.log.splice(0, state.log.length - LOG_KEPT)
  const el = $('log')
  el.textContent = `${state.log.slice(-200).join('\n')}\n`
  el.scrollTop = el.scrollHeight
}

function currentShare(): { share: number; reason: string | null } {
  return effectiveShare(settings, { visible: document.visibilityState === 'visible', battery })
}

function applySettings(): void {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings))
  const { share, reason } = currentShare()
  worker?.postMessage({ type: 'share', share } satisfies ToWorker)
  $('toggle').textContent = !worker ? 'Join the swarm' : settings.paused ? 'Resume' : 'Pause'
  $<HTMLOutputElement>('share-out').value = `${Math.round(settings.share * 100)}%`
  if (worker) say(reason ? `Joined, not computing: ${reason}.` : `Computing for the swarm at ${Math.round(share * 100)}%.`, 'running')
}

function renderStatus(s: WorkerStatus): void {
  $('peer-card').hidden = false
  $('rounds-card').hidden = false
  const rows: [string, string][] = [
    ['address', s.address],
    ['peer id', s.peerId],
    [
      'connected peers',
      `${s.connections}${s.webrtc.length > 0 ? ` (${s.webrtc.length} tab${s.webrtc.length === 1 ? '' : 's'} over WebRTC)` : ''}`,
    ],
    ['round', s.round === null ? 'syncing to the swarm…' : `${s.round} (${s.phase})`],
    ['policy θ', s.policyHash ? `${s.policyHash.slice(0, 18)}…` : '—'],
    ['device', `${s.device}${s.device === 'wasm' ? `, ${s.threads} thread${s.threads === 1 ? '' : 's'}` : ''}`],
    ['tokens/s', s.tokensPerSecond ? s.tokensPerSecond.toFixed(0) : '—'],
    ['groups published', String(s.groupsPublished)],
    ['roles', s.roles.join(', ')],
    ['groups in the policy', String(s.groupsIncluded)],
    ...(s.roles.includes('trainer') ? ([['rounds with your delta', String(s.deltasIncluded)]] as [string, string][]) : []),
  ]
  if (state.join?.chain) {
    rows.push(['ledger', `${state.join.chain.ledger} on chain ${state.join.chain.chainId}`])
    const l = state.ledger
    rows.push(['rounds on chain', l ? (l.error ? `— (${l.error})` : String(l.committedRounds)) : '…'])
    rows.push(['your claimed credit', l && !l.error ? l.credit.toString() : '…'])
    if (l?.owner) rows.push(['your wallet', `${l.owner.address}: ${l.owner.credit} credit from its linked keys`])
  }
  const dl = $('peer')
  dl.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt')
      dt.textContent = k
      const dd = document.createElement('dd')
      dd.textContent = v
      return [dt, dd]
    }),
  )
}

/** Contributors seen in the agreed rounds, summed (credit as bigint). */
const contributors = new Map<string, ContributorTotals>()

/** Ledger round r (from 0) of a round line (which counts closed rounds from 1). */
const ledgerRound = (l: RoundLine) => l.round - 1

function auditRoundLocally(l: RoundLine): void {
  const c = l.contributions
  if (!c) return
  state.audit[ledgerRound(l)] = c.consistent ? 'consistent' : 'inconsistent'
  const none = { groups: 0, deltas: 0, credit: 0n, forfeits: 0 }
  for (const x of c.leaves) {
    const sum = contributors.get(x.address) ?? none
    contributors.set(x.address, {
      ...sum,
      groups: sum.groups + x.groups,
      deltas: sum.deltas + x.deltas,
      credit: sum.credit + BigInt(x.credit),
    })
  }
  for (const offender of new Set(c.offenses.map((o) => o.offender))) {
    const sum = contributors.get(offender) ?? none
    contributors.set(offender, { ...sum, forfeits: sum.forfeits + 1 })
  }
}

/** The next block to read commit events from. */
let nextBlock = 0

/**
 * Reads the ledger: checks the rounds whose leaves hashed right against the roots it holds,
 * collects the rounds' commit transactions, and re-audits the address the user picked.
 */
async function pollLedger(chain: NonNullable<JoinInfo['chain']>, address: string): Promise<void> {
  const open = state.rounds.filter((l) => state.audit[ledgerRound(l)] === 'consistent').slice(-20)
  const who = state.addressAudit?.address
  const auditRounds = who
    ? state.rounds.filter((l) => l.contributions?.leaves.some((x) => x.address.toLowerCase() === who)).map(ledgerRound)
    : []
  const read = await readLedger(chain, state.join!.runId, address, open.map(ledgerRound), {
    fromBlock: nextBlock,
    ...(who ? { audit: { address: who, rounds: auditRounds } } : {}),
  })
  const { roots, txs, toBlock, audit, ...view } = read
  state.ledger = view
  if (!view.error) nextBlock = toBlock + 1
  for (const [r, tx] of txs) state.txs[r] = tx
  for (const l of open) {
    const onChain = roots.get(ledgerRound(l))
    if (onChain) state.audit[ledgerRound(l)] = onChain === l.contributions!.root.toLowerCase() ? 'on-chain' : 'mismatch'
  }
  if (who && audit && !view.error) {
    // audit.ts (the contributions tree: @openzeppelin/merkle-tree and its ABI coder) loads when an address is audited
    const { auditAddress } = await import('./audit.js')
    state.addressAudit = { ...auditAddress(state.join!.runId, who, state.rounds, roots, audit.claimed), claimedCredit: audit.credit }
    renderAddressAudit()
  }
  if (state.status) renderStatus(state.status)
  renderSwarm()
}

/** Opens the audit of `address` (a row of the Peers table): its leaves, proven against the ledger. */
function openAudit(address: string): void {
  state.addressAudit = { address: address.toLowerCase(), rows: [], earned: 0n, claimedCredit: null }
  renderAddressAudit()
  const chain = state.join?.chain
  if (chain && identity) void pollLedger(chain, identity.address)
  $('audit-card').scrollIntoView({ behavior: 'smooth' })
}

function renderAddressAudit(): void {
  const a = state.addressAudit
  const card = $('audit-card')
  card.hidden = !a
  if (!a) return
  const proven = a.rows.filter((r) => r.onChain === true).length
  $('audit-summary').textContent = !state.join?.chain
    ? `${a.address}: this run has no ledger to check its leaves against.`
    : `${a.address}: ${a.rows.length} round${a.rows.length === 1 ? '' : 's'} credited here, ${proven} proven against the ledger's roots; ` +
      `credit earned ${a.earned}, claimed on chain ${a.claimedCredit ?? '…'}.`
  $('audit')
    .querySelector('tbody')!
    .replaceChildren(
      ...[...a.rows].reverse().map((r) => {
        const tr = cells(document.createElement('tr'), [
          r.round + 1,
          r.groups,
          r.deltas,
          r.credit.toString(),
          r.onChain === null ? 'not committed yet' : r.onChain ? '✓ proof matches the ledger root' : '✗ proof fails the ledger root',
          r.claimed === null ? '…' : r.claimed ? '✓ claimed' : 'not claimed',
        ])
        tr.title = `proof: ${r.proof.join(', ') || '(single leaf: the leaf is the root)'}`
        return tr
      }),
    )
}

const AUDIT_TEXT = { consistent: 'pending', 'on-chain': '✓ on chain', mismatch: '✗ other root on chain', inconsistent: '✗ leaves ≠ root' }

function cells(tr: HTMLTableRowElement, values: readonly (string | number)[]): HTMLTableRowElement {
  for (const v of values) {
    const td = document.createElement('td')
    td.textContent = String(v)
    tr.append(td)
  }
  return tr
}

function renderSwarm(): void {
  const rounds = state.rounds.slice(-20).reverse()
  $('swarm-rounds')
    .querySelector('tbody')!
    .replaceChildren(
      ...rounds.map((l) => {
        const c = l.contributions
        const credit = c ? c.leaves.reduce((a, x) => a + BigInt(x.credit), 0n) : null
        const audit = state.audit[ledgerRound(l)]
        const ledger = !c
          ? '—'
          : !state.join?.chain
            ? audit === 'inconsistent'
              ? AUDIT_TEXT.inconsistent
              : 'no ledger'
            : AUDIT_TEXT[audit ?? 'consistent']
        const tx = state.txs[ledgerRound(l)]
        const tr = cells(document.createElement('tr'), [
          l.round,
          `${l.policyHash.slice(0, 10)}…`,
          l.included,
          c ? c.leaves.length : '—',
          credit?.toString() ?? '—',
          ledger,
          tx ? `${tx.slice(0, 10)}…` : '—',
          c ? `${c.root.slice(0, 12)}…` : '—',
        ])
        if (tx) tr.title = `commit transaction ${tx}`
        return tr
      }),
    )
  renderPeers()
}

/** The Peers card: every peer's signed status joined with its credited work in the agreed rounds. */
function renderPeers(): void {
  const you = identity?.address.toLowerCase()
  $('peers')
    .querySelector('tbody')!
    .replaceChildren(
      ...joinPeers(state.status?.peers ?? feedPeers, contributors).map((row) => {
        const tr = cells(document.createElement('tr'), peerCells(row, you))
        if (row.address === you) tr.className = 'you'
        tr.classList.add('clickable')
        tr.title = `audit ${row.address}`
        tr.onclick = () => openAudit(row.address)
        return tr
      }),
    )
}

/**
 * A closed round, from this tab's peer (`own`) or from the serving node's dashboard feed. Each
 * round is counted and drawn once; a peer's line replaces the feed's for the same round.
 */
function addRound(l: RoundLine & { accuracy?: number }, own: boolean): void {
  const at = state.rounds.findIndex((x) => x.round === l.round)
  if (at >= 0) {
    if (own) state.rounds[at] = l
  } else {
    state.rounds.push(l)
    state.rounds.sort((a, b) => a.round - b.round)
    auditRoundLocally(l)
    renderSwarm()
    curve.push(l.round, l.reward, own ? l.sampleAccuracy : null, l.accuracy ?? null)
  }
  if (own) renderRound(l)
}

/** The dashboard while this tab is not a peer: the serving node's rounds, every few seconds. */
async function pollFeed(): Promise<void> {
  if (worker || !state.join) return
  const last = state.rounds.at(-1)?.round ?? 0
  const rounds = await fetchFeed(last).catch((err: unknown) => {
    log(`dashboard feed: ${err instanceof Error ? err.message : String(err)}`)
    return { rounds: [], peers: feedPeers }
  })
  if (rounds === null) return // this server has no feed (a static host): nothing to follow
  feedPeers = rounds.peers
  for (const r of rounds.rounds) addRound(await feedRoundLine(state.join.runId, r), false)
  renderPeers()
  if (rounds.rounds.length) say(`Following the swarm: round ${state.rounds.at(-1)!.round} closed. Join to lend this tab.`, state.phase)
  setTimeout(() => void pollFeed(), 4000)
}

/** The serving node's peer statuses, shown until this tab joins and holds its own. */
let feedPeers: PeerStatusRow[] = []
let ledgerTimer: ReturnType<typeof setInterval> | null = null
function startLedgerPoll(): void {
  const chain = state.join?.chain
  if (!chain || !identity || ledgerTimer) return
  const address = identity.address
  void pollLedger(chain, address)
  ledgerTimer = setInterval(() => void pollLedger(chain, address), 10_000)
}

/** The "your delta" cell: in, screened out (and why), not included, or — when none was sent. */
function deltaCell(d: RoundLine['ownDelta']): string {
  if (!d) return '—'
  if (d.outcome === 'included') return 'in'
  if (d.outcome === 'screened')
    return d.reason === 'norm' ? 'screened: too long' : d.reason === 'direction' ? 'screened: direction' : 'screened'
  return 'not included'
}

function renderRound(l: RoundLine): void {
  const tr = document.createElement('tr')
  for (const v of [
    l.round,
    l.ownGroups,
    l.ownGroupsIncluded,
    l.ownNoGradient,
    l.ownUnused,
    deltaCell(l.ownDelta),
    l.included,
    l.reward.toFixed(3),
    `${l.policyHash.slice(0, 12)}…`,
  ]) {
    const td = document.createElement('td')
    td.textContent = String(v)
    tr.append(td)
  }
  $('rounds').querySelector('tbody')!.prepend(tr)
}

function onWorker(m: FromWorker): void {
  if (m.type === 'status') {
    state.status = m.status
    renderStatus(m.status)
    renderPeers()
  } else if (m.type === 'round') addRound(m.line, true)
  else if (m.type === 'log') log(m.line)
  else if (m.type === 'stopped') {
    stopRtc?.()
    stopRtc = null
  } else if (m.type === 'bench-result') {
    state.bench = { tokensPerSecond: m.tokensPerSecond, device: m.device, threads: m.threads, params: m.params }
    say(`Decode benchmark: ${m.tokensPerSecond.toFixed(0)} tokens/s on ${m.device} (${m.params.toLocaleString()} parameters).`, 'ready')
  } else if (m.type === 'error') {
    state.errors.push(m.message)
    state.phase = 'error'
    say(`The peer stopped: ${m.message}`, 'error')
    log(`error: ${m.message}`)
  }
}

function join(): void {
  if (!state.join || !identity || !state.device) return
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'murmur-peer' })
  worker.onmessage = (e: MessageEvent<FromWorker>) => onWorker(e.data)
  worker.onerror = (e) => onWorker({ type: 'error', message: e.message || 'the worker failed to load' })
  // the worker has no RTCPeerConnection: the page lends it its own (rtc-proxy.ts), if it has one
  if (typeof RTCPeerConnection === 'function') {
    const rtc = new MessageChannel()
    stopRtc = serveRtc(rtc.port1)
    worker.postMessage({ type: 'rtc', port: rtc.port2 } satisfies ToWorker, [rtc.port2])
  }
  const { share } = currentShare()
  const query = new URLSearchParams(location.search)
  const debug = query.get('debug') ?? undefined
  // ?train=0 keeps the tab to rollouts, ?train=1 trains on any device (the worker's default otherwise)
  const train = query.has('train') ? query.get('train') !== '0' : undefined
  worker.postMessage({
    type: 'start',
    join: state.join,
    privateKey: identity.privateKey,
    device: state.device,
    share,
    train,
    debug,
  } satisfies ToWorker)
  state.phase = 'running'
  applySettings()
  startLedgerPoll()
}

async function chooseDevice(): Promise<Device> {
  const forced = new URLSearchParams(location.search).get('device')
  if (forced === 'wasm' || forced === 'webgpu') return forced
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean } } | null> } }).gpu
  const adapter = await gpu?.requestAdapter().catch(() => null)
  // a software adapter (SwiftShader) is correct but far slower than wasm
  return adapter && !adapter.info?.isFallbackAdapter ? 'webgpu' : 'wasm'
}

async function loadJoinInfo(): Promise<JoinInfo> {
  const fromLink = joinInfoFromFragment(location.hash)
  if (fromLink) return fromLink
  const res = await fetch(JOIN_PATH, { cache: 'no-store' }).catch(() => null)
  if (!res?.ok)
    throw new Error(
      `no join link in the address and ${JOIN_PATH} is not served here: open the link a murmur node printed (murmur node --serve-web).`,
    )
  return parseJoinInfo(await res.json())
}

/** `?bench=decode[&config=tiny|small][&device=wasm|webgpu]`: measure, show, expose; no swarm. */
async function benchmark(params: URLSearchParams): Promise<void> {
  const config = params.get('config') === 'small' ? 'small' : 'tiny'
  const device = await chooseDevice()
  say(`Measuring decode throughput of the ${config} policy on ${device}…`, 'loading')
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'murmur-bench' })
  worker.onmessage = (e: MessageEvent<FromWorker>) => onWorker(e.data)
  worker.onerror = (e) => onWorker({ type: 'error', message: e.message || 'the worker failed to load' })
  const quick = params.has('quick')
  worker.postMessage({ type: 'bench', config, device, group: 8, maxNewTokens: quick ? 16 : 64, runs: quick ? 1 : 3 } satisfies ToWorker)
}

async function main(): Promise<void> {
  const query = new URLSearchParams(location.search)
  if (query.get('bench') === 'decode') return benchmark(query)
  const caps = detectCapabilities(navigator as Navigator & { gpu?: unknown }, globalThis.crossOriginIsolated === true)
  state.join = await loadJoinInfo()
  identity = await loadOrCreateIdentity()
  state.identity = { address: identity.address }
  state.device = await chooseDevice()
  $('identity').textContent = `${identity.address}${identity.created ? ' (new key, kept in this browser)' : ' (kept in this browser)'}`
  $('tagline').textContent =
    `Run ${state.join.runId.slice(0, 18)}… · protocol v${PROTOCOL_VERSION} · ${state.device}` +
    `${caps.crossOriginIsolated ? '' : ' (not cross-origin isolated: single-threaded wasm)'}`
  state.phase = 'ready'
  say(`Ready to join with ${state.join.bootstrap.length} bootstrap peer${state.join.bootstrap.length === 1 ? '' : 's'}.`, 'ready')
  const toggle = $<HTMLButtonElement>('toggle')
  toggle.disabled = false
  toggle.onclick = () => {
    if (!worker) join()
    else {
      settings = { ...settings, paused: !settings.paused }
      applySettings()
    }
  }
  const share = $<HTMLInputElement>('share')
  share.value = String(Math.round(settings.share * 100))
  share.oninput = () => {
    settings = { ...settings, share: Number(share.value) / 100 }
    applySettings()
  }
  const background = $<HTMLInputElement>('background')
  background.checked = settings.background
  background.onchange = () => {
    settings = { ...settings, background: background.checked }
    applySettings()
  }
  const bat = $<HTMLSelectElement>('battery')
  bat.value = String(settings.minBattery)
  bat.onchange = () => {
    settings = { ...settings, minBattery: Number(bat.value) }
    applySettings()
  }
  document.addEventListener('visibilitychange', applySettings)
  const nav = navigator as Navigator & { getBattery?: () => Promise<EventTarget & { level: number; charging: boolean }> }
  nav
    .getBattery?.()
    .then((b) => {
      const update = () => {
        battery = { level: b.level, charging: b.charging }
        applySettings()
      }
      b.addEventListener('levelchange', update)
      b.addEventListener('chargingchange', update)
      update()
    })
    .catch(() => undefined)
  // leave cleanly: the worker hangs up its connections before the tab goes
  addEventListener('pagehide', () => worker?.postMessage({ type: 'stop' } satisfies ToWorker))
  $('export').onclick = async () => {
    const password = prompt('A password for the keystore file (you need it to import the key elsewhere):')
    if (!password || !identity) return
    const json = await exportKeystore(identity.privateKey, password)
    const a = document.createElement('a')
    a.href = URL.createObjectURL(new Blob([json], { type: 'application/json' }))
    a.download = `murmur-${identity.address}.json`
    a.click()
  }
  setUpWallet()
  applySettings()
  if (query.has('autojoin')) join()
  else {
    startLedgerPoll()
    void pollFeed()
  }
}

main().catch((err: unknown) => {
  state.phase = 'error'
  const message = err instanceof Error ? err.message : String(err)
  state.errors.push(message)
  say(`Cannot join: ${message}`, 'error')
})

/**
 * "Give this key's credit to my wallet": shown when the run has a ledger and the page has an
 * injected wallet (window.ethereum). The tab's key keeps signing; the wallet sends one
 * transaction and becomes the owner of the key's credit (wallet.ts).
 */
function setUpWallet(): void {
  // wallet.ts (ethers' BrowserProvider, secp256k1 signing) loads on the first click
  const ethereum = (globalThis as { ethereum?: Eip1193Provider }).ethereum
  const chain = state.join?.chain
  const button = $<HTMLButtonElement>('wallet')
  const status = $('wallet-status')
  if (!ethereum || !chain || !identity || !state.join) return
  button.hidden = false
  const join = state.join
  const me = identity
  button.onclick = async () => {
    button.disabled = true
    status.hidden = false
    status.textContent = 'Asking your wallet…'
    const { linkWallet, walletError } = await import('./wallet.js')
    try {
      const w = await linkWallet(ethereum, chain, join.runId, me, state.rounds)
      state.wallet = w
      status.textContent =
        `This key's credit goes to ${w.owner}` +
        (w.claimed > 0
          ? `; your wallet claimed ${w.claimed} round${w.claimed === 1 ? '' : 's'} of it.`
          : '; no unclaimed round to claim yet.')
      log(
        `credit linked to wallet ${w.owner}${w.txHash ? ` (${w.txHash})` : ''}; ${w.claimed} rounds claimed${w.claimTxHash ? ` (${w.claimTxHash})` : ''}`,
      )
      button.textContent = 'Claim new credit with my wallet'
      button.disabled = false
    } catch (err) {
      status.textContent = `Not linked: ${walletError(err)}.`
      button.disabled = false
    }
  }
}
