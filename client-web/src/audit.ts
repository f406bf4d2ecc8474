/**
 * The per-address audit view: for every agreed round this page holds that credited `address`,
 * its leaf, the leaf's Merkle proof built from the round's leaves, and the proof checked against
 * the contributions root the *ledger* holds (not the one the swarm gossiped), plus whether the
 * ledger marks the leaf claimed. A ✓ here is what a claim transaction would prove on chain.
 */
import { buildContributionsTree, fromHex, toHex0x, verifyContributionProof } from '@murmur/protocol'
import type { RoundLine } from './messages.js'

export interface AddressAuditRow {
  /** Ledger round (from 0). */
  round: number
  groups: number
  deltas: number
  credit: bigint
  /** Sibling hashes, leaf to root (what `claim` takes). */
  proof: string[]
  /** The proof against the ledger's root: true, false, or null while the round is not committed. */
  onChain: boolean | null
  /** The ledger marks this leaf claimed (null: not read yet). */
  claimed: boolean | null
}

export interface AddressAudit {
  address: string
  rows: AddressAuditRow[]
  /** Sum of the rows' credit. */
  earned: bigint
}

/**
 * Rows for `address` from `rounds` (the page's round lines, rounds counted from 1), checked
 * against `roots` (ledger round → contributions root on chain, null when not committed) and
 * `claimed` (ledger round → claimed flag).
 */
export function auditAddress(
  runId: string,
  address: string,
  rounds: readonly RoundLine[],
  roots: ReadonlyMap<number, string | null>,
  claimed: ReadonlyMap<number, boolean>,
): AddressAudit {
  const who = address.toLowerCase()
  const rows: AddressAuditRow[] = []
  const run = fromHex(runId)
  for (const l of rounds) {
    const c = l.contributions
    const leaf = c?.leaves.find((x) => x.address.toLowerCase() === who)
    if (!c || !leaf) continue
    const round = l.round - 1
    const credits = c.leaves.map((x) => ({
      contributor: fromHex(x.address),
      acceptedGroups: x.groups,
      acceptedDeltas: x.deltas,
      credit: BigInt(x.credit),
    }))
    const entry = credits.find((e) => toHex0x(e.contributor).toLowerCase() === who)!
    const proof = buildContributionsTree(run, BigInt(round), credits).proof(entry.contributor)
    const root = roots.get(round)
    rows.push({
      round,
      groups: leaf.groups,
      deltas: leaf.deltas,
      credit: BigInt(leaf.credit),
      proof: proof.map(toHex0x),
      onChain: root ? verifyContributionProof(fromHex(root), run, BigInt(round), entry, proof) : null,
      claimed: claimed.get(round) ?? null,
    })
  }
  return { address: who, rows, earned: rows.reduce((a, r) => a + r.credit, 0n) }
}
