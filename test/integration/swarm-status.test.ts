/**
 * PeerStatus on a real libp2p network on loopback: three in-process peers each publish a signed
 * status when they enter a round, and every peer's table lists all three with their roles,
 * device, client and counters; honest statuses cost nobody any score.
 */
import { join } from 'node:path'
import { NODE_CLIENT, nodeRuntime, type SwarmRoundLine, startLocalSwarm } from '@murmur/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/net-peers.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
})
afterAll(() => cleanup?.())

describe('peer statuses', () => {
  it('three peers see each other’s signed PeerStatus on the status topic', async () => {
    const runtime = await nodeRuntime('cpu')
    const swarm = await startLocalSwarm({
      runDir,
      peers: 3,
      runtime,
      dataDir: join(runDir, 'swarm-status'),
      roundDurationMs: 4000,
      roles: (i) => (i === 2 ? ['worker'] : ['worker', 'trainer', 'validator']),
    })
    try {
      const lines: SwarmRoundLine[] = []
      for await (const line of swarm.rounds) if (lines.push(line) >= 2) break
      const addresses = swarm.peers.map((p) => p.address.toLowerCase()).sort()
      // the statuses of round 2 (published on entering it, after two closed rounds of sampling)
      await waitFor(
        'every peer to hold round-2 statuses of all three',
        () => swarm.peers.every((p) => p.peerStatuses().filter((s) => s.round >= 2).length === 3),
        20_000,
      )
      for (const peer of swarm.peers) {
        const rows = peer.peerStatuses()
        expect(rows.map((r) => r.address)).toEqual(addresses)
        for (const row of rows) {
          const i = swarm.peers.findIndex((p) => p.address.toLowerCase() === row.address)
          expect(row.device).toBe('cpu')
          expect(row.client).toBe(NODE_CLIENT)
          expect(row.roles).toEqual(i === 2 ? ['worker'] : ['worker', 'trainer', 'validator'])
          expect(row.groupsPublished).toBeGreaterThan(0)
          expect(row.tokensPerSecond).toBeGreaterThan(0)
        }
        const rejections = peer.libp2pHost.gossip.rejections()
        expect(rejections, JSON.stringify(rejections)).toEqual({})
      }
    } finally {
      await swarm.stop()
    }
  })
})
