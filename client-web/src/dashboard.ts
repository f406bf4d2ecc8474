/**
 * The dashboard without joining: the serving node's view of every closed round
 * (`/murmur/rounds.json`: reward, held-out accuracy when evaluated, θ, the agreed contributions
 * root and leaves), polled while this tab is not a peer. Nothing in it is taken on trust that
 * the page can check: each round's leaves are re-hashed to its root here, and the root is then
 * checked against the ledger like the rounds this tab follows as a peer.
 */
import { DASHBOARD_PATH, type DashboardRound, type PeerStatusRow } from '@murmur/node/browser'
import type { RoundLine } from './messages.js'

const HEX32 = /^0x[0-9a-fA-F]{64}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const OFFENSE_KINDS = ['reward-mismatch', 'wrong-result', 'replay-mismatch']

export class FeedError extends Error {
  override name = 'FeedError'
}

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
const isUnit = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1

const ROLES = new Set(['worker', 'trainer', 'validator'])
const SHORT_ASCII = /^[\x20-\x7e]{0,40}$/

/** The feed's peer statuses (untrusted JSON, as the serving node relays them); malformed entries are dropped. */
export function parseFeedPeers(json: unknown): PeerStatusRow[] {
  const peers = (json as { peers?: unknown })?.peers
  if (!Array.isArray(peers)) return []
  return peers.filter(
    (p): p is PeerStatusRow =>
      typeof p === 'object' &&
      p !== null &&
      ADDRESS.test(String(p.address)) &&
      Array.isArray(p.roles) &&
      p.roles.every((r: unknown) => ROLES.has(String(r))) &&
      typeof p.device === 'string' &&
      SHORT_ASCII.test(p.device) &&
      typeof p.client === 'string' &&
      SHORT_ASCII.test(p.client) &&
      isCount(p.tokensPerSecond) &&
      isCount(p.groupsPublished) &&
      isCount(p.round),
  )
}

/** Checks the feed's untrusted JSON; throws FeedError naming the first bad field. */
export function parseFeed(json: unknown): DashboardRound[] {
  const rounds = (json as { rounds?: unknown })?.rounds
  if (!Array.isArray(rounds)) throw new FeedError('the feed has no "rounds" list')
  return rounds.map((r: Record<string, unknown>, i) => {
    const bad = (field: string) => new FeedError(`rounds[${i}].${field} is malformed`)
    if (!isCount(r.round) || r.round < 1) throw bad('round')
    if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) throw bad('reward')
    if (r.accuracy !== undefined && !isUnit(r.accuracy)) throw bad('accuracy')
    if (typeof r.policyHash !== 'string' || !HEX32.test(r.policyHash)) throw bad('policyHash')
    if (!isCount(r.included)) throw bad('included')
    const c = r.contributions as DashboardRound['contributions'] | undefined
    if (c !== null && c !== undefined) {
      if (typeof c.root !== 'string' || !HEX32.test(c.root) || !Array.isArray(c.leaves)) throw bad('contributions')
      for (const l of c.leaves)
        if (!ADDRESS.test(String(l?.address)) || !isCount(l.groups) || !isCount(l.deltas) || !/^\d{1,40}$/.test(String(l.credit)))
          throw bad('contributions.leaves')
      // a feed from before fraud proofs has none
      if (c.offenses === undefined) c.offenses = []
      if (!Array.isArray(c.offenses)) throw bad('contributions.offenses')
      for (const o of c.offenses)
        if (!OFFENSE_KINDS.includes(String(o?.kind)) || !ADDRESS.test(String(o.offender)) || !HEX32.test(String(o.id)))
          throw bad('contributions.offenses')
    }
    return {
      round: r.round,
      reward: r.reward,
      ...(r.accuracy === undefined ? {} : { accuracy: r.accuracy }),
      policyHash: r.policyHash,
      included: r.included,
      contributions: c ?? null,
    }
  })
}

/** A feed round as the page's RoundLine (no own groups: this tab is not a peer), its leaves re-hashed. */
export async function feedRoundLine(runId: string, r: DashboardRound): Promise<RoundLine & { accuracy?: number }> {
  let contributions: RoundLine['contributions'] = null
  if (r.contributions) {
    // lazily: the Merkle tree code loads only when the dashboard has rounds to check
    const { contributionsRoot, fromHex, toHex0x } = await import('@murmur/protocol')
    const credits = r.contributions.leaves.map((x) => ({
      contributor: fromHex(x.address),
      acceptedGroups: x.groups,
      acceptedDeltas: x.deltas,
      credit: BigInt(x.credit),
    }))
    const root = toHex0x(contributionsRoot(fromHex(runId), BigInt(r.round - 1), credits))
    contributions = { ...r.contributions, consistent: root.toLowerCase() === r.contributions.root.toLowerCase() }
  }
  return {
    round: r.round,
    reward: r.reward,
    sampleAccuracy: Number.NaN,
    ...(r.accuracy === undefined ? {} : { accuracy: r.accuracy }),
    ownGroups: 0,
    ownGroupsIncluded: 0,
    ownDeltaIncluded: false,
    ownNoGradient: 0,
    ownUnused: 0,
    ownDelta: null,
    included: r.included,
    policyHash: r.policyHash,
    tokensPerSecond: 0,
    contributions,
  }
}

/** The feed's rounds after `after` and its peers, or null when the serving node has no feed (a 404, or no server). */
export async function fetchFeed(
  after: number,
  get: typeof fetch = fetch,
): Promise<{ rounds: DashboardRound[]; peers: PeerStatusRow[] } | null> {
  const res = await get(DASHBOARD_PATH, { cache: 'no-store' }).catch(() => null)
  if (!res || res.status === 404) return null
  if (!res.ok) throw new FeedError(`${DASHBOARD_PATH} answered ${res.status}`)
  const json: unknown = await res.json()
  return { rounds: parseFeed(json).filter((r) => r.round > after), peers: parseFeedPeers(json) }
}
