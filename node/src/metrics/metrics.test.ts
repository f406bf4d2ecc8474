import { describe, expect, it } from 'vitest'
import type { PeerRoundReport } from '../swarm/peer.js'
import { type MetricsSource, peerMetrics, serveMetrics } from './metrics.js'

function source() {
  const counters: Record<string, number> = { groupsPublished: 0, groupsAccepted: 0, roundsClosed: 0 }
  const rejections: Record<string, number> = {}
  const peer: MetricsSource = {
    counters,
    pendingTasks: 3,
    status: () => ({ round: 7n, phase: 'rollouts' }),
    libp2pHost: {
      libp2p: { getConnections: () => [1, 2] },
      gossip: { rejections: () => ({ ...rejections }), ignoredCount: () => 4, receivedStats: () => ({ messages: 9, bytes: 4096 }) },
      blobs: { stats: () => ({ requests: 2, bytes: 1024 }), fetchStats: () => ({ blobs: 1, bytes: 2048 }) },
    },
  }
  return { peer, counters, rejections }
}

const value = (text: string, metric: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('peer metrics', () => {
  it("exports the peer's tallies as monotonic counters, its state as gauges, and round figures", async () => {
    const { peer, counters, rejections } = source()
    const m = peerMetrics(peer, { address: '0xabc', run: '0x123' })
    counters.groupsPublished = 5
    rejections['bad-signature'] = 2
    let text = await m.registry.metrics()
    expect(value(text, 'murmur_groups_published_total')).toBe(5)
    expect(text).toContain('murmur_gossip_rejected_total{reason="bad-signature",peer="0xabc",run="0x123"} 2')
    expect(value(text, 'murmur_round')).toBe(7)
    expect(value(text, 'murmur_peers_connected')).toBe(2)
    expect(value(text, 'murmur_pending_tasks')).toBe(3)
    expect(value(text, 'murmur_blob_served_bytes_total')).toBe(1024)
    expect(value(text, 'murmur_blob_fetched_bytes_total')).toBe(2048)
    expect(value(text, 'murmur_gossip_received_total')).toBe(9)
    expect(value(text, 'murmur_gossip_received_bytes_total')).toBe(4096)
    expect(text).toContain('murmur_process_cpu_seconds_total')
    // a later scrape adds only what changed
    counters.groupsPublished = 8
    rejections['bad-signature'] = 3
    m.onRound({ reward: 0.5, seconds: 6, sampledTokens: 600, computeSeconds: 2, bytesSent: 10, ownGroupsIncluded: 4 } as PeerRoundReport)
    text = await m.registry.metrics()
    expect(value(text, 'murmur_groups_published_total')).toBe(8)
    expect(text).toContain('murmur_gossip_rejected_total{reason="bad-signature",peer="0xabc",run="0x123"} 3')
    expect(value(text, 'murmur_tokens_per_second')).toBe(300)
    expect(value(text, 'murmur_round_reward')).toBe(0.5)
    expect(value(text, 'murmur_own_groups_included_total')).toBe(4)
  })

  it('serves /metrics over HTTP and nothing else', async () => {
    const m = peerMetrics(source().peer, { address: '0xabc', run: '0x123' })
    const server = await serveMetrics(m.registry, { port: 0 })
    try {
      const res = await fetch(server.url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/text\/plain/)
      expect(await res.text()).toContain('murmur_round{')
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404)
    } finally {
      await server.close()
    }
  })
})
