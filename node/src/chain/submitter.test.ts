import { describe, expect, it } from 'vitest'
import { submitterOf, submitterRank } from './submitter.js'

const validators = [1, 2, 3, 4].map((i) => new Uint8Array(20).fill(i))

describe('submitterOf', () => {
  it('rotates with the round and falls back to the next validator per attempt', () => {
    expect(submitterOf(validators, 0n, 0)).toBe(validators[0])
    expect(submitterOf(validators, 5n, 0)).toBe(validators[1])
    expect(submitterOf(validators, 5n, 1)).toBe(validators[2])
    expect(submitterOf(validators, 5n, 3)).toBe(validators[0])
    expect(submitterOf(validators, 2n ** 64n - 1n, 0)).toBe(validators[3])
  })

  it('is the inverse of submitterRank', () => {
    for (const round of [0n, 1n, 7n, 1000n]) {
      for (const [i, v] of validators.entries()) {
        const rank = submitterRank(validators, round, v)!
        expect(submitterOf(validators, round, rank)).toBe(validators[i])
        expect(rank).toBeLessThan(validators.length)
      }
    }
    expect(submitterRank(validators, 3n, new Uint8Array(20).fill(9))).toBeNull()
  })

  it('rejects an empty validator set and negative inputs', () => {
    expect(() => submitterOf([], 0n, 0)).toThrowErrorMatchingInlineSnapshot(`[LedgerUsageError: submitterOf needs at least one validator.]`)
    expect(() => submitterOf(validators, 0n, -1)).toThrowErrorMatchingInlineSnapshot(
      `[LedgerUsageError: attempt must be an integer ≥ 0, got -1.]`,
    )
  })
})
