/**
 * Adversarial peers (issue 10): real peers with their own keys that corrupt their work in ways
 * the verifiers must catch — a delta on an invented or stale base policy, and one whose header
 * lies about its norm; a sign-flipped delta and one scaled ×100; messages replayed from the
 * round before; a validator that signs RoundResults with a wrong θ_{r+1}; forged rewards and
 * hand-written completions (fraud proofs: their authors forfeit the round); a holder that
 * accepts blob requests and never answers; junk bytes; a sybil that re-signs others' deltas
 * (too late: commit–reveal).
 * The honest peers keep closing rounds, agree on θ every round, never include the adversaries'
 * deltas twice, a wrong θ or a forged group, and count why they rejected them.
 */
import { join } from 'node:path'
import { devKey, type LocalSwarm, nodeRuntime, type PeerRoundReport, type SwarmRoundLine, startLocalSwarm, takeRounds } from '@murmur/node'
import { addressFromPrivateKey, toHex0x } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
})
afterAll(() => cleanup?.())

const ROUND_MS = 5000
const addressOf = (i: number) => toHex0x(addressFromPrivateKey(devKey(i))).toLowerCase()

/**
 * Runs a loopback swarm of `peers` with `faults` for `rounds` rounds of 5 s: fails if rounds stop
 * closing or the honest peers (the round lines carry them only) hold different θ after a round,
 * then hands the swarm and its round lines to `check`.
 */
async function withAdversaries(
  o: {
    label: string
    peers: number
    rounds: number
    faults: Parameters<typeof startLocalSwarm>[0]['faults']
    settings?: Parameters<typeof startLocalSwarm>[0]['settings']
    onPeerRound?: Parameters<typeof startLocalSwarm>[0]['onPeerRound']
  },
  check: (swarm: LocalSwarm, lines: SwarmRoundLine[]) => void,
): Promise<void> {
  const swarm = await startLocalSwarm({
    runDir,
    peers: o.peers,
    runtime: await nodeRuntime('cpu'),
    dataDir: join(runDir, o.label),
    roundDurationMs: ROUND_MS,
    faults: o.faults,
    settings: o.settings,
    onPeerRound: o.onPeerRound,
  })
  try {
    const { lines, stalled } = await takeRounds(swarm, o.rounds, 4 * o.rounds * ROUND_MS)
    expect(stalled, `${lines.length} of ${o.rounds} rounds closed`).toBe(false)
    for (const line of lines) expect(new Set(line.peers.map((p) => p.policyHash)).size, JSON.stringify(line.peers)).toBe(1)
    check(swarm, lines)
  } finally {
    await swarm.stop()
  }
}

describe('a swarm with adversarial peers', () => {
  it('rejects stale-base and lied-norm deltas with their reasons; honest peers agree and include none of them', async () => {
    const adversaries = new Set([3, 4].map(addressOf))
    // 3 honest validators of 5 are the quorum: the adversaries cannot stall a round by not endorsing it
    const faults = (i: number) => (i === 3 ? { delta: 'lie-norm' as const } : i === 4 ? { delta: 'stale-base' as const } : undefined)
    await withAdversaries({ label: 'swarm-adversary', peers: 5, rounds: 3, faults }, (swarm, lines) => {
      for (const line of lines) {
        expect(line.peers).toHaveLength(3)
        for (const leaf of line.contributions?.leaves ?? []) if (adversaries.has(leaf.address.toLowerCase())) expect(leaf.deltas).toBe(0)
      }
      expect(lines.some((l) => l.included >= 1)).toBe(true)
      for (const p of swarm.peers.slice(0, 3)) {
        expect(p.libp2pHost.gossip.rejections()['wrong-policy'] ?? 0, 'stale-base deltas').toBeGreaterThan(0)
        expect(p.counters.deltasInvalid, 'lied-norm payloads').toBeGreaterThan(0)
      }
      // a lied norm is provable from the payload bytes: the liar forfeits those rounds
      const liar = addressOf(3)
      const proven = lines.filter((l) => l.contributions?.offenses.some((o) => o.kind === 'invalid-payload' && o.offender === liar))
      expect(proven.length, JSON.stringify(lines.map((l) => l.contributions?.offenses))).toBeGreaterThanOrEqual(1)
      for (const l of proven) expect(l.contributions!.leaves.map((x) => x.address.toLowerCase())).not.toContain(liar)
      // once proven, the liar's groups are left out of the honest peers' training for the rest of the run
      const namedIn = lines.findIndex((l) => l.contributions?.offenses.some((o) => o.offender === liar))
      if (namedIn < lines.length - 1)
        expect(swarm.peers.slice(0, 3).reduce((n, p) => n + p.counters.groupsOfCheatsLeftOut, 0)).toBeGreaterThan(0)
    })
  }, 180_000)

  it('rejects a delta that also lists the round before’s groups (credit twice for one rollout); its author gets no delta credit', async () => {
    const dipper = addressOf(3)
    await withAdversaries(
      { label: 'swarm-double-dip', peers: 4, rounds: 3, faults: (i) => (i === 3 ? { doubleDip: true } : undefined) },
      (swarm, lines) => {
        // the first line is round 0's, which has no round before: its delta is honest there
        const later = lines.filter((l) => l.round >= 2)
        expect(later.length).toBeGreaterThanOrEqual(2)
        for (const line of later)
          for (const leaf of line.contributions?.leaves ?? []) if (leaf.address.toLowerCase() === dipper) expect(leaf.deltas).toBe(0)
        expect(lines.some((l) => l.included >= 2)).toBe(true)
        // a delta may list only groups of its own round: the others are unknown to the round
        for (const p of swarm.peers.slice(0, 3)) expect(p.libp2pHost.gossip.rejections()['unknown-group'] ?? 0).toBeGreaterThan(0)
      },
    )
  }, 180_000)

  it('screens out sign-flipped and ×100 deltas every round; their authors forfeit all credit, the honest deltas make θ', async () => {
    const adversaries = new Set([3, 4].map(addressOf))
    const faults = (i: number) => (i === 3 ? { delta: 'sign-flip' as const } : i === 4 ? { delta: 'scale' as const } : undefined)
    const own = new Map<string, PeerRoundReport['own']['delta'][]>()
    const onPeerRound = (r: PeerRoundReport) => own.set(r.address.toLowerCase(), [...(own.get(r.address.toLowerCase()) ?? []), r.own.delta])
    await withAdversaries({ label: 'swarm-screen', peers: 5, rounds: 3, faults, onPeerRound }, (swarm, lines) => {
      for (const line of lines) {
        // rollouts included: a screened author gets no leaf at all in the round
        const leaves = line.contributions?.leaves ?? []
        expect(leaves.filter((l) => adversaries.has(l.address.toLowerCase()))).toEqual([])
        if (line.included + line.screened > 3) expect(line.screened, JSON.stringify(line)).toBeGreaterThanOrEqual(1)
      }
      expect(lines.filter((l) => l.screened === 2).length, 'rounds with both attacks screened').toBeGreaterThanOrEqual(1)
      expect(lines.every((l) => l.included <= 3)).toBe(true)
      expect(lines.some((l) => l.included >= 2)).toBe(true)
      for (const p of swarm.peers.slice(0, 3)) expect(p.counters.deltasScreened).toBeGreaterThan(0)
      // named by a screened delta, their honest rollouts are left out of the honest peers' training
      expect(swarm.peers.slice(0, 3).reduce((n, p) => n + p.counters.groupsOfCheatsLeftOut, 0)).toBeGreaterThan(0)
      // each adversary's own round report says its delta was screened out, and why
      expect(own.get(addressOf(3))).toContainEqual({ outcome: 'screened', reason: 'direction' })
      expect(own.get(addressOf(4))).toContainEqual({ outcome: 'screened', reason: 'norm' })
      for (const i of [0, 1, 2]) expect(own.get(addressOf(i))).toContainEqual({ outcome: 'included' })
    })
  }, 180_000)

  it('ignores replayed groups and deltas of the round before; never adopts the θ of a validator that signs a wrong one', async () => {
    const [replayer, liar] = [addressOf(3), addressOf(4)]
    const faults = (i: number) => (i === 3 ? { replay: true } : i === 4 ? { wrongResult: true } : undefined)
    await withAdversaries({ label: 'swarm-replay', peers: 5, rounds: 4, faults }, (swarm, lines) => {
      // one delta per author and round at most: a replayed delta of the round before never counts
      for (const line of lines) for (const leaf of line.contributions?.leaves ?? []) expect(leaf.deltas).toBeLessThanOrEqual(1)
      // the replaying peer's own fresh work still counts: it is honest apart from the replays
      expect(lines.some((l) => l.contributions?.leaves.some((x) => x.address.toLowerCase() === replayer && x.groups > 0))).toBe(true)
      const liarPeer = swarm.peers[4]!.libp2pHost.peerId
      for (const p of swarm.peers.slice(0, 3)) {
        // replays are another round's messages: ignored without blame, never accepted
        expect(p.libp2pHost.gossip.ignoredCount()).toBeGreaterThan(0)
        // the liar's proposals did not reproduce: its score sank below the honest peers'
        expect(p.libp2pHost.gossip.score(liarPeer)).toBeLessThan(p.libp2pHost.gossip.score(swarm.peers[1]!.libp2pHost.peerId))
      }
      expect(lines.every((l) => l.peers.every((p) => p.address.toLowerCase() !== liar))).toBe(true)
      // its wrong RoundResult of a round is a fraud proof in the next: listed, and the liar has no leaf there
      const proven = lines.filter((l) => l.contributions?.offenses.some((o) => o.kind === 'wrong-result' && o.offender === liar))
      expect(proven.length, JSON.stringify(lines.map((l) => l.contributions?.offenses))).toBeGreaterThanOrEqual(1)
      for (const l of proven) expect(l.contributions!.leaves.map((x) => x.address.toLowerCase())).not.toContain(liar)
      // once proven, the liar's groups are left out of the honest peers' training for the rest of the run
      const namedIn = lines.findIndex((l) => l.contributions?.offenses.some((o) => o.offender === liar))
      if (namedIn < lines.length - 1)
        expect(swarm.peers.slice(0, 3).reduce((n, p) => n + p.counters.groupsOfCheatsLeftOut, 0)).toBeGreaterThan(0)
    })
  }, 180_000)

  it('ignores, never rejects, a delta whose groups it cannot get: no forwarder loses score, rounds close without that delta', async () => {
    // gossipsub charges a rejection to the peer that forwarded the message (P4, squared): 8
    // small-model peers on 2 cores whose group fetches timed out under load rejected honest
    // deltas as unknown-group, sank each other's scores to −600 and stopped delivering votes
    const withholder = addressOf(3)
    await withAdversaries(
      { label: 'swarm-withheld', peers: 4, rounds: 3, faults: (i) => (i === 3 ? { withholdGroups: true } : undefined) },
      (swarm, lines) => {
        for (const line of lines)
          for (const leaf of line.contributions?.leaves ?? []) if (leaf.address.toLowerCase() === withholder) expect(leaf.deltas).toBe(0)
        expect(lines.some((l) => l.included >= 2)).toBe(true)
        const honest = swarm.peers.slice(0, 3)
        for (const p of honest) {
          expect(p.libp2pHost.gossip.rejections()['unknown-group'] ?? 0).toBe(0)
          for (const q of swarm.peers) if (q !== p) expect(p.libp2pHost.gossip.score(q.libp2pHost.peerId)).toBeGreaterThanOrEqual(0)
        }
        // ignored where it arrived: its delta was seen and left out, not forwarded
        expect(honest.reduce((n, p) => n + p.libp2pHost.gossip.ignoredCount(), 0)).toBeGreaterThan(0)
      },
    )
  }, 180_000)

  it('proves forged rewards: the forger is listed as an offender and has no leaf in those rounds', async () => {
    const forger = addressOf(3)
    await withAdversaries(
      { label: 'swarm-forged-reward', peers: 4, rounds: 3, faults: (i) => (i === 3 ? { wrongReward: true } : undefined) },
      (swarm, lines) => {
        const proven = lines.filter((l) => l.contributions?.offenses.some((o) => o.kind === 'reward-mismatch' && o.offender === forger))
        expect(proven.length, JSON.stringify(lines.map((l) => l.contributions?.offenses))).toBeGreaterThanOrEqual(1)
        for (const l of lines) expect(l.contributions?.leaves.map((x) => x.address.toLowerCase()) ?? []).not.toContain(forger)
        expect(lines.some((l) => l.included >= 1)).toBe(true)
        // the forged groups are rejected where they arrive (not forwarded), so some honest peer counted them
        const caught = swarm.peers.slice(0, 3).map((p) => p.libp2pHost.gossip.rejections()['reward-mismatch'] ?? 0)
        expect(caught.reduce((x, y) => x + y, 0)).toBeGreaterThan(0)
      },
    )
  }, 180_000)

  it('rejects groups with hand-written completions by replay where they arrive; no honest peer trains on them', async () => {
    const forger = addressOf(3)
    await withAdversaries(
      {
        label: 'swarm-forged',
        peers: 4,
        rounds: 3,
        // every completion replayed: a forged one is always checked (the default 5% is the next test)
        settings: { replayRatePpm: 1_000_000 },
        faults: (i) => (i === 3 ? { forgeCompletions: true } : undefined),
      },
      (swarm, lines) => {
        // no included delta was trained on a forged group
        for (const line of lines)
          for (const leaf of line.contributions?.leaves ?? []) if (leaf.address.toLowerCase() === forger) expect(leaf.groups).toBe(0)
        expect(lines.some((l) => l.included >= 1)).toBe(true)
        const honest = swarm.peers.slice(0, 3)
        // the first receivers replay the forged completions and drop the groups (never forwarding
        // them); a peer the forger's groups did not reach directly never sees them at all
        const caught = honest.map((p) => p.libp2pHost.gossip.rejections()['replay-mismatch'] ?? 0)
        expect(
          caught.reduce((a, b) => a + b, 0),
          'forged groups caught by replay',
        ).toBeGreaterThan(0)
        // a caught group is a fraud proof: the validators list it, and the forger has no leaf in that round
        const proven = lines.filter((l) => l.contributions?.offenses.some((o) => o.kind === 'replay-mismatch' && o.offender === forger))
        expect(proven.length, JSON.stringify(lines.map((l) => l.contributions?.offenses))).toBeGreaterThanOrEqual(1)
        for (const l of proven) expect(l.contributions!.leaves.map((x) => x.address.toLowerCase())).not.toContain(forger)
        // and every honest peer scores the forger below zero (its groups, or its delta on them)
        const forgerPeer = swarm.peers[3]!.libp2pHost.peerId
        for (const p of honest) expect(p.libp2pHost.gossip.score(forgerPeer)).toBeLessThan(0)
      },
    )
  }, 180_000)

  it('keeps closing rounds when replay samples disagree: a delta on a forged group one peer caught is ignored there, not blamed, and reproduced', async () => {
    // the default 5% replay: each honest peer catches a different share of the forged groups, so
    // honest trainers train on forged groups that other honest peers rejected. Before, those peers
    // rejected the honest deltas (unknown-group), gossipsub blamed every honest forwarder of a
    // forged group, and the swarm stalled.
    await withAdversaries(
      { label: 'swarm-forged-sampled', peers: 5, rounds: 4, faults: (i) => (i === 4 ? { forgeCompletions: true } : undefined) },
      (swarm, lines) => {
        expect(lines.some((l) => l.included >= 2)).toBe(true)
        const honest = swarm.peers.slice(0, 4)
        for (const p of honest)
          for (const q of honest)
            if (p !== q) expect(p.libp2pHost.gossip.score(q.libp2pHost.peerId), 'an honest peer was blamed').toBeGreaterThanOrEqual(0)
        expect(honest.every((p) => p.libp2pHost.gossip.score(swarm.peers[4]!.libp2pHost.peerId) <= 0)).toBe(true)
        // whichever honest peer caught a forged group, its proof (gossiped on offenses) let the
        // proposers list the forger; gossiping proofs blamed no honest peer (the scores above)
        const forger = addressOf(4)
        expect(lines.some((l) => l.contributions?.offenses.some((o) => o.kind === 'replay-mismatch' && o.offender === forger))).toBe(true)
      },
    )
  }, 180_000)

  it('passes over a slow holder that accepts blob requests and never answers: rounds close on the honest deltas', async () => {
    const slow = addressOf(3)
    // its delta must differ from the honest ones to be fetched from it at all: honest trainers
    // that train on the same groups from the same θ produce byte-identical payloads, which each
    // of them already holds
    const faults = (i: number) => (i === 3 ? { slowBlobs: true, delta: 'sign-flip' as const } : undefined)
    await withAdversaries({ label: 'swarm-slow-holder', peers: 4, rounds: 3, faults }, (_swarm, lines) => {
      // nobody could fetch the slow holder's payload, so its delta is never in a θ
      for (const line of lines)
        for (const leaf of line.contributions?.leaves ?? []) if (leaf.address.toLowerCase() === slow) expect(leaf.deltas).toBe(0)
      // the honest deltas were fetched despite the slow holder's stalls
      expect(lines.filter((l) => l.included >= 2).length).toBeGreaterThanOrEqual(2)
    })
  }, 180_000)

  it('rejects junk on every topic as malformed and scores its sender down; rounds close as before', async () => {
    const junk = addressOf(3)
    await withAdversaries(
      { label: 'swarm-junk', peers: 4, rounds: 3, faults: (i) => (i === 3 ? { junk: true } : undefined) },
      (swarm, lines) => {
        expect(lines.some((l) => l.included >= 2)).toBe(true)
        const honest = swarm.peers.slice(0, 3)
        const malformed = honest.map((p) => p.libp2pHost.gossip.rejections().malformed ?? 0)
        expect(
          malformed.reduce((a, b) => a + b, 0),
          JSON.stringify(honest.map((p) => p.libp2pHost.gossip.rejections())),
        ).toBeGreaterThan(0)
        for (const p of honest) expect(p.libp2pHost.gossip.score(swarm.peers[3]!.libp2pHost.peerId)).toBeLessThan(0)
        // its rollouts are honest: junk costs it its standing, not its other work
        expect(lines.some((l) => l.contributions?.leaves.some((x) => x.address.toLowerCase() === junk && x.groups > 0))).toBe(true)
      },
    )
  }, 180_000)

  it('pays no sybil that re-signs another trainer’s delta: its commitment comes after the reveal', async () => {
    const sybil = addressOf(3)
    await withAdversaries(
      { label: 'swarm-sybil', peers: 4, rounds: 3, faults: (i) => (i === 3 ? { copyDeltas: true } : undefined) },
      (swarm, lines) => {
        // the copy is byte-identical to honest work and verifies, but the sybil can only commit
        // to it once the original's header is public: after everyone's commitments deadline
        const copies = lines.flatMap((l) => l.contributions?.leaves.filter((x) => x.address.toLowerCase() === sybil && x.deltas > 0) ?? [])
        expect(copies).toEqual([])
        for (const p of swarm.peers.slice(0, 3)) {
          expect(p.counters.commitmentsLate, 'the copies it saw committed late').toBeGreaterThan(0)
          expect(p.counters.deltasCopied, 'the copies it saw revealed after the original').toBeGreaterThan(0)
        }
        // the honest trainers' deltas are included, and the sybil keeps its honest rollouts' credit
        expect(lines.some((l) => l.included >= 3)).toBe(true)
        expect(lines.some((l) => l.contributions?.leaves.some((x) => x.address.toLowerCase() === sybil && x.groups > 0))).toBe(true)
        expect(lines.every((l) => l.screened === 0)).toBe(true)
      },
    )
  }, 180_000)
})
