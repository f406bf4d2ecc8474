/**
 * Prometheus metrics of one swarm peer (prom-client), for `murmur node --metrics-port`. Counters
 * are read from the peer's own tallies at scrape time (no hooks in the hot path), round figures
 * from its round reports; Node's process metrics come along with the `murmur_` prefix.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { PeerRoundReport } from '../swarm/peer.js'

/** What the metrics read of a peer (SwarmPeer has it all). */
export interface MetricsSource {
  readonly counters: Readonly<Record<string, number>>
  readonly pendingTasks: number
  status(): { round: bigint; phase: string } | null
  readonly libp2pHost: {
    libp2p: { getConnections(): unknown[] }
    gossip: { rejections(): Record<string, number>; ignoredCount(): number; receivedStats(): { messages: number; bytes: number } }
    blobs: { stats(): { requests: number; bytes: number }; fetchStats(): { blobs: number; bytes: number } }
  }
}

/** Peer counters exported as `murmur_<name>_total` (SwarmPeer.counters keys). */
const COUNTERS: Record<string, string> = {
  groupsPublished: 'groups this peer sampled, signed and gossiped',
  groupsAccepted: "other peers' groups that passed verification",
  earlyGroupsPublished: "this peer's early groups: the next round's, sampled on the current θ while the round closed",
  earlyGroupsAccepted: "other peers' early groups (of a round, on the θ before it) that passed verification",
  deltasAccepted: 'deltas whose header and payload verified',
  deltasInvalid: 'deltas rejected (bad payload, wrong base, …)',
  deltasScreened: 'included deltas the delta screen left out of an agreed aggregate (norm or direction)',
  commitmentsLate: 'delta commitments that arrived after this peer’s commitments deadline (their deltas are left out)',
  deltasCopied: 'deltas whose payload another author revealed before their commitment came (copies; left out, not forwarded)',
  groupsOfCheatsLeftOut:
    'groups left out of training because an agreed RoundResult named their author a cheat (an offense, a screened delta)',
  roundsClosed: 'rounds this peer closed (moved to the next θ)',
  checkpointsFetched: 'checkpoints fetched from other peers',
  outerStatesFetched: 'outer-optimiser momentum states fetched with a checkpoint',
  syncs: 'syncs to the swarm’s announced checkpoint',
  recovered: 'messages fetched by id after gossip missed them',
  ledgerCommits: 'rounds this peer committed on the ledger',
  ledgerRecommits: 'rounds this peer committed again from its evidence after the ledger lost them (a reorg)',
  claims: 'credit claims this peer sent',
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** A counter that follows a monotonic tally read at scrape time. */
function tallyCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let last = 0
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read()
      if (now > last) this.inc(now - last)
      last = Math.max(last, now)
    },
  })
}

export interface PeerMetrics {
  registry: Registry
  /** Feed each closed round's report (reward, tokens/s, bytes, own groups included). */
  onRound(report: PeerRoundReport): void
}

export function peerMetrics(peer: MetricsSource, labels: { address: string; run: string }): PeerMetrics {
  const registry = new Registry()
  registry.setDefaultLabels({ peer: labels.address, run: labels.run })
  collectDefaultMetrics({ register: registry, prefix: 'murmur_' })
  for (const [key, help] of Object.entries(COUNTERS))
    tallyCounter(registry, `murmur_${snake(key)}_total`, help, () => peer.counters[key] ?? 0)
  tallyCounter(registry, 'murmur_gossip_ignored_total', 'gossip ignored (honest, but for another round)', () =>
    peer.libp2pHost.gossip.ignoredCount(),
  )
  tallyCounter(registry, 'murmur_blob_served_bytes_total', 'bytes served over /murmur/blob/1', () => peer.libp2pHost.blobs.stats().bytes)
  tallyCounter(registry, 'murmur_blob_requests_served_total', 'blob requests served', () => peer.libp2pHost.blobs.stats().requests)
  tallyCounter(
    registry,
    'murmur_blob_fetched_bytes_total',
    'bytes fetched over /murmur/blob/1 (hash-verified)',
    () => peer.libp2pHost.blobs.fetchStats().bytes,
  )
  tallyCounter(
    registry,
    'murmur_gossip_received_total',
    'gossip messages that reached the validators',
    () => peer.libp2pHost.gossip.receivedStats().messages,
  )
  tallyCounter(
    registry,
    'murmur_gossip_received_bytes_total',
    'bytes of gossip messages that reached the validators',
    () => peer.libp2pHost.gossip.receivedStats().bytes,
  )
  const rejected = new Map<string, number>()
  new Counter({
    name: 'murmur_gossip_rejected_total',
    help: 'gossip messages rejected, by reason (bad signature, wrong round, replay mismatch, …)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const [reason, n] of Object.entries(peer.libp2pHost.gossip.rejections())) {
        const d = n - (rejected.get(reason) ?? 0)
        if (d > 0) this.inc({ reason }, d)
        rejected.set(reason, Math.max(n, rejected.get(reason) ?? 0))
      }
    },
  })
  new Gauge({
    name: 'murmur_round',
    help: 'the round this peer is in (-1 before it has a policy)',
    registers: [registry],
    collect() {
      const s = peer.status()
      this.set(s ? Number(s.round) : -1)
    },
  })
  new Gauge({
    name: 'murmur_peers_connected',
    help: 'open libp2p connections',
    registers: [registry],
    collect() {
      this.set(peer.libp2pHost.libp2p.getConnections().length)
    },
  })
  new Gauge({
    name: 'murmur_pending_tasks',
    help: 'background work in flight: sampling, training, fetches, ledger writes',
    registers: [registry],
    collect() {
      this.set(peer.pendingTasks)
    },
  })
  const reward = new Gauge({ name: 'murmur_round_reward', help: 'mean reward of the last closed round’s groups', registers: [registry] })
  const tokensPerSecond = new Gauge({
    name: 'murmur_tokens_per_second',
    help: 'sampling throughput in the last closed round',
    registers: [registry],
  })
  const roundSeconds = new Gauge({ name: 'murmur_round_seconds', help: 'wall time of the last closed round', registers: [registry] })
  const sampled = new Counter({ name: 'murmur_sampled_tokens_total', help: 'completion tokens sampled', registers: [registry] })
  const sent = new Counter({
    name: 'murmur_bytes_sent_total',
    help: 'bytes this peer originated (gossip published, blobs served)',
    registers: [registry],
  })
  const included = new Counter({
    name: 'murmur_own_groups_included_total',
    help: 'this peer’s groups that made it into the agreed policy',
    registers: [registry],
  })
  return {
    registry,
    onRound(r) {
      reward.set(r.reward)
      roundSeconds.set(r.seconds)
      if (r.computeSeconds > 0) tokensPerSecond.set(r.sampledTokens / r.computeSeconds)
      sampled.inc(r.sampledTokens)
      sent.inc(r.bytesSent)
      included.inc(r.ownGroupsIncluded)
    },
  }
}

export interface MetricsServer {
  url: string
  close(): Promise<void>
}

/** Serves `registry` at http://host:port/metrics (text format); every other path is 404. */
export async function serveMetrics(
  registry: Registry,
  { host = '127.0.0.1', port }: { host?: string; port: number },
): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('GET /metrics\n')
      return
    }
    registry
      .metrics()
      .then((text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text))
      .catch((err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(err)}\n`))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
