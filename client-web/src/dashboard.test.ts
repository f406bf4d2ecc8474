import { contributionsRoot, fromHex, toHex0x } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { FeedError, feedRoundLine, fetchFeed, parseFeed } from './dashboard.js'

const runId = `0x${'ab'.repeat(32)}`
const alice = `0x${'11'.repeat(20)}`
const leaves = [{ address: alice, groups: 4, deltas: 1, credit: '5' }]
const root = toHex0x(
  contributionsRoot(fromHex(runId), 2n, [{ contributor: fromHex(alice), acceptedGroups: 4, acceptedDeltas: 1, credit: 5n }]),
)
const round = (over: Record<string, unknown> = {}) => ({
  round: 3,
  reward: 0.5,
  accuracy: 0.25,
  policyHash: `0x${'cd'.repeat(32)}`,
  included: 2,
  contributions: { root, leaves },
  ...over,
})

describe('the dashboard feed', () => {
  it('re-hashes each round’s leaves to its root: an honest feed is consistent, an edited leaf is not', async () => {
    const [honest] = parseFeed({ rounds: [round()] })
    expect(await feedRoundLine(runId, honest!)).toMatchObject({ round: 3, accuracy: 0.25, contributions: { root, consistent: true } })
    const [edited] = parseFeed({ rounds: [round({ contributions: { root, leaves: [{ ...leaves[0], credit: '6' }] } })] })
    expect((await feedRoundLine(runId, edited!)).contributions?.consistent).toBe(false)
  })

  it('rejects malformed JSON naming the field', () => {
    expect(() => parseFeed({})).toThrow(FeedError)
    expect(() => parseFeed({ rounds: [round({ round: 0 })] })).toThrow('rounds[0].round is malformed')
    expect(() => parseFeed({ rounds: [round({ accuracy: 2 })] })).toThrow('rounds[0].accuracy is malformed')
    expect(() => parseFeed({ rounds: [round({ policyHash: '0x12' })] })).toThrow('rounds[0].policyHash is malformed')
    expect(() => parseFeed({ rounds: [round({ contributions: { root, leaves: [{ ...leaves[0], credit: '-1' }] } })] })).toThrow(
      'rounds[0].contributions.leaves is malformed',
    )
    const offense = { kind: 'reward-mismatch', offender: alice, id: `0x${'ee'.repeat(32)}` }
    expect(() => parseFeed({ rounds: [round({ contributions: { root, leaves, offenses: [{ ...offense, kind: 'rude' }] } })] })).toThrow(
      'rounds[0].contributions.offenses is malformed',
    )
    expect(() => parseFeed({ rounds: [round({ contributions: { root, leaves, offenses: 'none' } })] })).toThrow(
      'rounds[0].contributions.offenses is malformed',
    )
    // a feed that lists offenses keeps them; one from before fraud proofs has none
    expect(parseFeed({ rounds: [round({ contributions: { root, leaves, offenses: [offense] } })] })[0]!.contributions?.offenses).toEqual([
      offense,
    ])
    expect(parseFeed({ rounds: [round()] })[0]!.contributions?.offenses).toEqual([])
  })

  it('returns the rounds after the last one shown, and null when the server has no feed', async () => {
    const peer = {
      address: alice,
      roles: ['worker'],
      device: 'cpu',
      client: 'murmur-node/0.1.0',
      tokensPerSecond: 900,
      groupsPublished: 4,
      round: 2,
    }
    const body = {
      rounds: [round({ round: 1 }), round({ round: 2 }), round()],
      peers: [peer, { ...peer, device: 'x'.repeat(99) }, { ...peer, roles: ['king'] }],
    }
    const ok = (async () => new Response(JSON.stringify(body), { status: 200 })) as typeof fetch
    expect((await fetchFeed(1, ok))!.rounds.map((r) => r.round)).toEqual([2, 3])
    expect((await fetchFeed(1, ok))!.peers).toEqual([peer])
    const missing = (async () => new Response('no', { status: 404 })) as typeof fetch
    expect(await fetchFeed(0, missing)).toBeNull()
    const down = (async () => {
      throw new TypeError('fetch failed')
    }) as typeof fetch
    expect(await fetchFeed(0, down)).toBeNull()
  })
})
