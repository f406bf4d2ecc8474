import { describe, expect, it } from 'vitest'
import { RoundFeed } from './feed.js'

const hash = (b: number): `0x${string}` => `0x${b.toString(16).padStart(2, '0').repeat(32)}`

describe('RoundFeed', () => {
  it('keeps rounds in order, merges a later evaluation into its round, and drops the oldest past its limit', () => {
    const feed = new RoundFeed(3)
    for (const round of [2, 1, 3]) feed.record({ round, reward: round / 10, policyHash: hash(round), included: 1, contributions: null })
    feed.record({ round: 3, reward: 0.3, accuracy: 0.5, policyHash: hash(3), included: 1, contributions: null })
    feed.record({ round: 3, reward: 0.3, policyHash: hash(3), included: 1, contributions: { root: hash(9), leaves: [], offenses: [] } })
    expect(feed.snapshot().rounds.map((r) => [r.round, r.accuracy, r.contributions?.root])).toEqual([
      [1, undefined, undefined],
      [2, undefined, undefined],
      [3, 0.5, hash(9)],
    ])
    feed.record({ round: 4, reward: 0.4, policyHash: hash(4), included: 2, contributions: null })
    expect(feed.snapshot().rounds.map((r) => r.round)).toEqual([2, 3, 4])
  })
})
