import { contributionsRoot, fromHex, toHex0x } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { auditAddress } from './audit.js'
import type { RoundLine } from './messages.js'

const runId = `0x${'ab'.repeat(32)}`
const alice = `0x${'11'.repeat(20)}`
const bob = `0x${'22'.repeat(20)}`
const leaves = [
  { address: alice, groups: 4, deltas: 1, credit: '5' },
  { address: bob, groups: 2, deltas: 0, credit: '2' },
]
const rootOf = (round: number, ls = leaves) =>
  toHex0x(
    contributionsRoot(
      fromHex(runId),
      BigInt(round),
      ls.map((x) => ({ contributor: fromHex(x.address), acceptedGroups: x.groups, acceptedDeltas: x.deltas, credit: BigInt(x.credit) })),
    ),
  )
const line = (round: number, ls = leaves): RoundLine => ({
  round,
  reward: 0,
  sampleAccuracy: 0,
  ownGroups: 0,
  ownGroupsIncluded: 0,
  ownDeltaIncluded: false,
  ownNoGradient: 0,
  ownUnused: 0,
  ownDelta: null,
  included: 1,
  policyHash: `0x${'00'.repeat(32)}`,
  tokensPerSecond: 0,
  contributions: { root: rootOf(round - 1, ls), leaves: ls, offenses: [], consistent: true },
})

describe('auditAddress', () => {
  it("proves an address's leaf of each round against the root on chain, and says when it cannot", () => {
    const rounds = [line(1), line(2), line(3, [leaves[1]!])]
    const roots = new Map<number, string | null>([
      [0, rootOf(0)],
      [1, `0x${'99'.repeat(32)}`], // the chain holds another root for round 1
      [2, null],
    ])
    const audit = auditAddress(runId, alice.toUpperCase().replace('0X', '0x'), rounds, roots, new Map([[0, true]]))
    expect(audit.rows.map((r) => [r.round, r.credit, r.onChain, r.claimed, r.proof.length])).toEqual([
      [0, 5n, true, true, 1],
      [1, 5n, false, null, 1],
    ])
    expect(audit.earned).toBe(10n)
    expect(auditAddress(runId, bob, rounds, roots, new Map()).rows.map((r) => [r.round, r.onChain])).toEqual([
      [0, true],
      [1, false],
      [2, null],
    ])
  })
})
