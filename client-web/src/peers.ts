/**
 * The Peers table: the swarm's signed PeerStatus table (roles, device, client, tokens/s, as each
 * peer claims them) joined with what the agreed rounds credited each address (groups and deltas
 * included, credit), summed from every round's contributions leaves, and the rounds it forfeited
 * to a proven offense. An address that earned credit but sent no status lately (it left, or this tab has not heard it yet) still has a row.
 */
import type { PeerStatusRow } from '@murmur/node/browser'

/** The client string this browser peer puts in its PeerStatus (a test pins it to package.json). */
export const WEB_CLIENT = 'murmur-web/0.1.0'

/** One address's accepted work and credit, summed over the agreed rounds this page saw. */
export interface ContributorTotals {
  groups: number
  deltas: number
  credit: bigint
  /** Rounds it forfeited: a RoundResult proved an offense of its (a forged group, a wrong RoundResult). */
  forfeits: number
}

export interface PeerRow {
  /** Lowercase `0x` address. */
  address: string
  /** From its latest PeerStatus; null when it sent none this page holds. */
  status: Omit<PeerStatusRow, 'address'> | null
  /** Included in agreed rounds (zero for a peer not credited yet). */
  groups: number
  deltas: number
  credit: bigint
  forfeits: number
}

/** Statuses and credit totals by address; most credit first, then by address. */
export function joinPeers(statuses: readonly PeerStatusRow[], contributors: ReadonlyMap<string, ContributorTotals>): PeerRow[] {
  const rows = new Map<string, PeerRow>()
  for (const [address, t] of contributors) {
    const key = address.toLowerCase()
    const prev = rows.get(key)
    rows.set(key, {
      address: key,
      status: null,
      groups: (prev?.groups ?? 0) + t.groups,
      deltas: (prev?.deltas ?? 0) + t.deltas,
      credit: (prev?.credit ?? 0n) + t.credit,
      forfeits: (prev?.forfeits ?? 0) + t.forfeits,
    })
  }
  for (const { address, ...status } of statuses) {
    const key = address.toLowerCase()
    rows.set(key, { ...(rows.get(key) ?? { address: key, groups: 0, deltas: 0, credit: 0n, forfeits: 0 }), status })
  }
  return [...rows.values()].sort((a, b) =>
    a.credit !== b.credit ? (a.credit > b.credit ? -1 : 1) : a.address < b.address ? -1 : a.address > b.address ? 1 : 0,
  )
}

/** The table cells of a row: address (short), roles, device, tokens/s, groups, deltas, credit, rounds forfeited. */
export function peerCells(row: PeerRow, you: string | undefined): string[] {
  const s = row.status
  const short = `${row.address.slice(0, 10)}…${row.address.slice(-4)}${row.address === you ? ' (you)' : ''}`
  return [
    short,
    s ? s.roles.join(' ') || '—' : '—',
    s?.device ?? '—',
    s ? String(s.tokensPerSecond) : '—',
    String(row.groups),
    String(row.deltas),
    row.credit.toString(),
    row.forfeits > 0 ? String(row.forfeits) : '—',
  ]
}
