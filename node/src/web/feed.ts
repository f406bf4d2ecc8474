/**
 * The dashboard's view of a swarm, served by the node that serves the web client at
 * {@link DASHBOARD_PATH}: every closed round as that node saw it (reward, held-out accuracy when
 * evaluated, θ, deltas included, the agreed contributions root and leaves) and the peers' signed
 * statuses it holds. A visitor sees the
 * swarm's curves and rounds without lending the tab; the page re-hashes the leaves and checks the
 * root on chain itself, so it trusts this feed for nothing it cannot check.
 */
import type { PeerRoundReport } from '../swarm/peer.js'
import type { PeerStatusRow } from '../swarm/peer-status.js'

export const DASHBOARD_PATH = '/murmur/rounds.json'

export interface DashboardRound {
  round: number
  reward: number
  /** Held-out greedy accuracy, when the round was evaluated. */
  accuracy?: number
  policyHash: string
  included: number
  contributions: PeerRoundReport['contributions']
}

export interface DashboardFeed {
  /** Newest last, at most `limit` rounds. */
  rounds: DashboardRound[]
  /** The serving peer's table of signed PeerStatus messages (what each peer claims of itself). */
  peers: PeerStatusRow[]
}

export class RoundFeed {
  private readonly byRound = new Map<number, DashboardRound>()
  constructor(private readonly limit = 1000) {}

  /** Adds or updates a round (rounds are 1-based in the dashboard, as in `murmur swarm --json`). */
  record(line: DashboardRound): void {
    const prev = this.byRound.get(line.round)
    this.byRound.set(line.round, {
      ...prev,
      ...line,
      accuracy: line.accuracy ?? prev?.accuracy,
      contributions: line.contributions ?? prev?.contributions ?? null,
    })
    while (this.byRound.size > this.limit) this.byRound.delete(Math.min(...this.byRound.keys()))
  }

  /** A peer's round report (its `round` is 0-based). */
  recordReport(r: PeerRoundReport): void {
    this.record({
      round: r.round + 1,
      reward: r.reward,
      policyHash: r.policyHash,
      included: r.included,
      contributions: r.contributions,
    })
  }

  snapshot(peers: PeerStatusRow[] = []): DashboardFeed {
    return { rounds: [...this.byRound.values()].sort((a, b) => a.round - b.round), peers }
  }
}
