/**
 * The swarm on a real libp2p network on loopback: in-process peers over TCP sharing one engine.
 * Every peer must hold the same policy hash after every round; a late joiner syncs and
 * contributes; a stopped peer does not stall rounds; a peer that lies is rejected by all and
 * loses score.
 */
import { join } from 'node:path'
import {
  devKey,
  type LocalSwarm,
  nodeRuntime,
  type PeerRoundReport,
  SwarmPeer,
  type SwarmRoundLine,
  startLocalSwarm,
  takeRounds,
} from '@murmur/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
})
afterAll(() => cleanup?.())

async function take(swarm: LocalSwarm, n: number, during?: (line: SwarmRoundLine) => Promise<void> | void): Promise<SwarmRoundLine[]> {
  const lines: SwarmRoundLine[] = []
  for await (const line of swarm.rounds) {
    lines.push(line)
    await during?.(line)
    if (lines.length >= n) break
  }
  return lines
}

const oneHash = (line: SwarmRoundLine) => new Set(line.peers.map((p) => p.policyHash)).size === 1

describe('swarm of in-process peers on loopback', () => {
  it('four peers agree on θ after every round, include each other’s deltas, and move the policy', async () => {
    const runtime = await nodeRuntime('cpu')
    const swarm = await startLocalSwarm({ runDir, peers: 4, runtime, dataDir: join(runDir, 'swarm-a'), roundDurationMs: 5000 })
    try {
      const lines = await take(swarm, 4)
      for (const line of lines) {
        expect(line.peers).toHaveLength(4)
        expect(oneHash(line), JSON.stringify(line.peers)).toBe(true)
      }
      expect(lines.some((l) => l.included >= 2)).toBe(true)
      expect(new Set(lines.map((l) => l.peers[0]!.policyHash)).size).toBeGreaterThan(1)
      expect(lines.find((l) => l.compressionRatio !== null)!.compressionRatio).toBeGreaterThan(50)
    } finally {
      await swarm.stop()
    }
  })

  it('rounds close when validators’ votes are lost on gossip: a peer stuck in a round gets its quorum from those that closed it', async () => {
    // 4 validators, quorum 3: peers 0 and 1 lose the first gossip of every vote they sign. Each
    // holds its own vote and those of peers 2 and 3, a quorum, and moves on; peers 2 and 3 see 2
    // of 3 and may not re-vote while the unseen ones could complete a quorum (step.ts). Without
    // the relay (helpLaggards) the swarm sat split across rounds 0 and 1 for good.
    const reports: PeerRoundReport[] = []
    const swarm = await startLocalSwarm({
      runDir,
      peers: 4,
      runtime: await nodeRuntime('cpu'),
      dataDir: join(runDir, 'swarm-lost-votes'),
      roundDurationMs: 4000,
      faults: (i) => (i < 2 ? { loseFirstVote: true } : undefined),
      onPeerRound: (r) => reports.push(r),
    })
    try {
      const { lines, stalled } = await takeRounds(swarm, 3, 60_000)
      expect(stalled, `${lines.length} of 3 rounds closed`).toBe(false)
      // every peer, the ones whose votes were lost too, closed every round on the same θ
      for (const line of lines) {
        // a line's round counts from 1: the line of round r is θ_{r+1}
        const closed = reports.filter((r) => r.round + 1 === line.round)
        expect(new Set(closed.map((r) => r.address)).size, `round ${line.round}`).toBe(4)
        expect(new Set(closed.map((r) => r.policyHash)), `round ${line.round}`).toEqual(new Set([line.peers[0]!.policyHash]))
      }
      expect(lines.some((l) => l.included >= 2)).toBe(true)
    } finally {
      await swarm.stop()
    }
  })

  it('a peer joining late syncs the agreed checkpoint and contributes; a stopped peer does not stall rounds', async () => {
    const runtime = await nodeRuntime('cpu')
    // 4 validators, quorum 3: one can go away
    const swarm = await startLocalSwarm({ runDir, peers: 4, runtime, dataDir: join(runDir, 'swarm-b'), roundDurationMs: 5000 })
    const joinerReports: PeerRoundReport[] = []
    let joiner: SwarmPeer | undefined
    try {
      const lines = await take(swarm, 6, async (line) => {
        if (line.round === 2) {
          joiner = await SwarmPeer.start({
            engine: swarm.engine,
            privateKey: devKey(10),
            roles: ['worker', 'trainer'],
            start: 'sync',
            bootstrap: [swarm.peers[0]!.multiaddrs()[0]!],
            onRound: (r) => joinerReports.push(r),
          })
          joiner.begin()
        }
        if (line.round === 3) await swarm.kill(3) // gone mid-stream: its connections drop
      })
      for (const line of lines) expect(oneHash(line), JSON.stringify(line.peers)).toBe(true)
      expect(lines.at(-1)!.peers).toHaveLength(3)
      expect(joiner!.counters.syncs).toBeGreaterThanOrEqual(1)
      expect(joinerReports.length).toBeGreaterThan(0)
      for (const r of joinerReports) {
        const line = lines.find((l) => l.round === r.round + 1)
        if (line) expect(r.policyHash).toBe(line.peers[0]!.policyHash)
      }
      expect(joinerReports.some((r) => r.ownDeltaIncluded || r.ownGroups > 0)).toBe(true)
    } finally {
      await joiner?.stop()
      await swarm.stop()
    }
  })

  it('with Nesterov outer momentum, a late joiner fetches θ and its momentum, then reproduces every θ itself', async () => {
    const runtime = await nodeRuntime('cpu')
    const swarm = await startLocalSwarm({
      runDir,
      peers: 3,
      runtime,
      dataDir: join(runDir, 'swarm-momentum'),
      roundDurationMs: 5000,
      settings: { outerMomentum: 0.9, outerLearningRate: 0.7 },
    })
    const joinerReports: PeerRoundReport[] = []
    let joiner: SwarmPeer | undefined
    try {
      const lines = await take(swarm, 6, async (line) => {
        if (line.round === 1)
          joiner = await SwarmPeer.start({
            engine: swarm.engine,
            privateKey: devKey(12),
            roles: ['worker', 'trainer'],
            start: 'sync',
            bootstrap: [swarm.peers[0]!.multiaddrs()[0]!],
            onRound: (r) => joinerReports.push(r),
          }).then((p) => {
            p.begin()
            return p
          })
      })
      for (const line of lines) expect(oneHash(line), JSON.stringify(line.peers)).toBe(true)
      expect(joiner!.counters.syncs).toBe(1)
      // every θ it fetched came with its momentum (the round it joined mid-way may be one)
      expect(joiner!.counters.outerStatesFetched).toBe(joiner!.counters.checkpointsFetched)
      expect(joinerReports.length).toBeGreaterThanOrEqual(3)
      // from the first full round on it computed θ_{r+1} with the m_r it fetched: the quorum's,
      // every round (with zero momentum its θ would differ and it would fetch every round)
      for (const r of joinerReports.slice(1)) expect(r.fetchedCheckpoint, `round ${r.round}`).toBe(false)
      for (const r of joinerReports) {
        const line = lines.find((l) => l.round === r.round + 1)
        if (line) expect(r.policyHash).toBe(line.peers[0]!.policyHash)
      }
    } finally {
      await joiner?.stop()
      await swarm.stop()
    }
  })

  it('elastic rollouts: peers sample pass after pass until their deadline, train within theirs, sample the next round early, and still agree', async () => {
    const runtime = await nodeRuntime('cpu')
    const elastic = await toySwarmRun({ promptsPerPeer: 4096 })
    const reports: PeerRoundReport[] = []
    const swarm = await startLocalSwarm({
      runDir: elastic.dir,
      peers: 2,
      runtime,
      dataDir: join(elastic.dir, 'swarm-elastic'),
      roundDurationMs: 5000,
      rolloutPassPrompts: 8,
      onPeerRound: (r) => reports.push(r),
    })
    try {
      const lines = await take(swarm, 4)
      for (const line of lines) {
        expect(oneHash(line), JSON.stringify(line.peers)).toBe(true)
        // time ended the sampling, not the cap, and more than one pass ran
        expect(line.groupsPerPeer).toBeGreaterThan(8)
        expect(line.groupsPerPeer).toBeLessThan(4096)
      }
      expect(lines.some((l) => l.included === 2)).toBe(true)
      // early rollouts: round r + 1's first groups, sampled on θ_r while round r closed, were
      // published, checked by the other peer on θ_r, and trained on in round r + 1
      for (const peer of swarm.peers) {
        expect(peer.counters.earlyGroupsPublished).toBeGreaterThan(0)
        expect(peer.counters.earlyGroupsAccepted).toBeGreaterThan(0)
      }
      const later = reports.filter((r) => r.round >= 1)
      expect(later.some((r) => r.own.groups.early > 0)).toBe(true)
      expect(lines.slice(1).some((l) => l.earlyGroupsPerPeer > 0)).toBe(true)
      // early groups were trained on in the round they are signed for, and count in θ there
      expect(later.some((r) => r.own.groups.earlyIncluded > 0)).toBe(true)
    } finally {
      await swarm.stop()
      elastic.cleanup()
    }
  })

  it('a peer stopped while it syncs a checkpoint ends quietly (no unhandled rejection)', async () => {
    const runtime = await nodeRuntime('cpu')
    const swarm = await startLocalSwarm({ runDir, peers: 3, runtime, dataDir: join(runDir, 'swarm-stop-sync'), roundDurationMs: 4000 })
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    let joiner: SwarmPeer | undefined
    try {
      await take(swarm, 1)
      let stopping: Promise<void> | undefined
      const syncing = new Promise<void>((resolve) => {
        void SwarmPeer.start({
          engine: swarm.engine,
          privateKey: devKey(11),
          roles: ['worker'],
          start: 'sync',
          bootstrap: [swarm.peers[0]!.multiaddrs()[0]!],
          // stop the moment it starts fetching: the fetch then ends with "peer stopped"
          log: (line) => {
            if (line.startsWith('syncing to round') && joiner && !stopping) {
              stopping = joiner.stop()
              resolve()
            }
          },
        }).then((p) => {
          joiner = p
          p.begin()
        })
      })
      await syncing
      await stopping
      await new Promise((r) => setTimeout(r, 1500))
      expect(unhandled).toEqual([])
      expect(joiner!.counters.syncs).toBe(0)
    } finally {
      process.off('unhandledRejection', onUnhandled)
      await joiner?.stop()
      await swarm.stop()
    }
  })

  it('a peer publishing invalid groups or corrupt deltas is rejected by every honest peer and loses score', async () => {
    const runtime = await nodeRuntime('cpu')
    // peers 0-2 are the honest validators; 3 signs wrong rewards, 4 serves corrupt delta payloads
    const swarm = await startLocalSwarm({
      runDir,
      peers: 5,
      validators: 3,
      runtime,
      dataDir: join(runDir, 'swarm-c'),
      roundDurationMs: 5000,
      faults: (i) => (i === 3 ? { wrongReward: true } : i === 4 ? { corruptPayload: true } : undefined),
    })
    const [liar, corrupt] = [swarm.peers[3]!, swarm.peers[4]!]
    try {
      const lines = await take(swarm, 4)
      const honest = swarm.peers.slice(0, 3)
      for (const line of lines) {
        const hashes = line.peers.filter((p) => honest.some((h) => h.address === p.address)).map((p) => p.policyHash)
        expect(new Set(hashes).size).toBe(1)
      }
      for (const h of honest) {
        const rejections = h.libp2pHost.gossip.rejections()
        expect(rejections['reward-mismatch'] ?? 0, JSON.stringify(rejections)).toBeGreaterThan(0)
        expect(h.counters.deltasInvalid).toBeGreaterThan(0)
        expect(h.libp2pHost.gossip.score(liar.libp2pHost.peerId)).toBeLessThan(0)
        expect(h.libp2pHost.gossip.score(corrupt.libp2pHost.peerId)).toBeLessThan(0)
      }
    } finally {
      await swarm.stop()
    }
  })
})
