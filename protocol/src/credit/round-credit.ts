// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The credit rule: from a round's contributions and their verdicts to per-address credit
 * (the RoundResult's `credits`, hence the contributions tree's leaves). Integer arithmetic only.
 *
 * Only accepted work counts. Accepted groups count once per (author, promptIndex), the one with
 * the lowest id if an author sent several for one prompt (a resampled prompt is not new work);
 * a delta counts once per id, and trains only on the counted groups it references.
 *
 *   rollout(a)  = Σ over accepted groups g authored by a:
 *                   CREDIT_PER_ACCEPTED_GROUP + CREDIT_PER_VERIFIED_TOKEN · tokens(g)
 *   training(a) = Σ over accepted deltas d of a, Σ over distinct accepted groups g that d uses:
 *                   floor(CREDIT_PER_TRAINED_GROUP / uses(g))
 *                 where uses(g) = number of distinct accepted deltas that use g
 *   credit(a)   = rollout(a) + training(a)
 *
 * A delta the screen left out of the aggregate (RoundResult.screened, aggregate/screen.ts) is
 * not accepted, and its author forfeits the round: no leaf, whatever else it did. Its accepted
 * groups still count for the other deltas that trained on them (uses(g) counts only deltas not
 * screened), so honest trainers are paid for training on a forfeiting author's groups. The
 * offenders a RoundResult proves (RoundResult.offenses, verify/offense.ts) forfeit the round the
 * same way.
 *
 * Every term belongs to one work item (a group, or a (delta, group) pair) and does not depend on
 * which address submitted which item, so credit is additive over items: splitting the same work
 * among sybil identities earns exactly what one identity earns. Training on a group is a fixed
 * pool shared by all deltas that use it (rounded down), so however many deltas use a group, their
 * credit for it totals at most CREDIT_PER_TRAINED_GROUP. Entries come out sorted by address, one
 * per address with any accepted work.
 */
import { compareBytes, toHex0x } from '../bytes/bytes.js'
import { CREDIT_PER_ACCEPTED_GROUP, CREDIT_PER_TRAINED_GROUP, CREDIT_PER_VERIFIED_TOKEN } from '../constants.js'
import type { Address } from '../crypto/identity.js'
import type { CreditEntry } from '../messages/round-result.js'

export interface GroupContribution {
  id: Uint8Array
  author: Address
  promptIndex: number
  /** Completion tokens in the group (verified rollout work). */
  tokens: number
  accepted: boolean
}

export interface DeltaContribution {
  id: Uint8Array
  author: Address
  /** Group ids the delta trained on. */
  groups: readonly Uint8Array[]
  accepted: boolean
}

interface Tally {
  contributor: Address
  groups: Set<string>
  deltas: Set<string>
  credit: bigint
}

/** Per-address credit for one round; see the file comment for the rule. */
export function roundCredits({
  groups,
  deltas,
  screened = [],
  offenders = [],
}: {
  groups: readonly GroupContribution[]
  deltas: readonly DeltaContribution[]
  /** Ids of deltas the screen left out (RoundResult.screened). */
  screened?: readonly Uint8Array[]
  /** Addresses of proven offenses (RoundResult.offenses): they forfeit the round. */
  offenders?: readonly Address[]
}): CreditEntry[] {
  const screenedIds = new Set(screened.map(toHex0x))
  const forfeited = new Set([
    ...deltas.filter((d) => screenedIds.has(toHex0x(d.id))).map((d) => toHex0x(d.author)),
    ...offenders.map(toHex0x),
  ])
  const tallies = new Map<string, Tally>()
  const tally = (a: Address): Tally => {
    const key = toHex0x(a)
    let t = tallies.get(key)
    if (!t) tallies.set(key, (t = { contributor: a, groups: new Set(), deltas: new Set(), credit: 0n }))
    return t
  }
  const acceptedGroups = new Map<string, GroupContribution>()
  const byPrompt = new Map<string, GroupContribution>()
  for (const g of groups) {
    if (!g.accepted) continue
    const key = `${toHex0x(g.author)}/${g.promptIndex}`
    const seen = byPrompt.get(key)
    if (!seen || compareBytes(g.id, seen.id) < 0) byPrompt.set(key, g)
  }
  for (const g of byPrompt.values()) acceptedGroups.set(toHex0x(g.id), g)
  for (const [id, g] of acceptedGroups) {
    const t = tally(g.author)
    t.groups.add(id)
    t.credit += CREDIT_PER_ACCEPTED_GROUP + CREDIT_PER_VERIFIED_TOKEN * BigInt(g.tokens)
  }
  const acceptedDeltas = new Map<string, { author: Address; groups: Set<string> }>()
  for (const d of deltas) {
    if (!d.accepted || screenedIds.has(toHex0x(d.id))) continue
    const used = new Set(d.groups.map(toHex0x).filter((gid) => acceptedGroups.has(gid)))
    acceptedDeltas.set(toHex0x(d.id), { author: d.author, groups: used })
  }
  const uses = new Map<string, bigint>()
  for (const d of acceptedDeltas.values()) for (const gid of d.groups) uses.set(gid, (uses.get(gid) ?? 0n) + 1n)
  for (const [id, d] of acceptedDeltas) {
    const t = tally(d.author)
    t.deltas.add(id)
    for (const gid of d.groups) t.credit += CREDIT_PER_TRAINED_GROUP / uses.get(gid)!
  }
  return [...tallies.values()]
    .filter((t) => (t.groups.size > 0 || t.deltas.size > 0) && !forfeited.has(toHex0x(t.contributor)))
    .sort((a, b) => compareBytes(a.contributor, b.contributor))
    .map((t) => ({ contributor: t.contributor, acceptedGroups: t.groups.size, acceptedDeltas: t.deltas.size, credit: t.credit }))
}
