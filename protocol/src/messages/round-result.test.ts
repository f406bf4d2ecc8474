import { describe, expect, it } from 'vitest'
import { roundResult } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { alice, bob, sampleRoundResult } from '../../vectors/fixtures.js'
import { decodeRoundResult, encodeRoundResult } from './round-result.js'

describe('RoundResult codec', () => {
  itHasCanonicalCodec(roundResult, encodeRoundResult, decodeRoundResult)

  it('requires credits strictly ascending by contributor', () => {
    const [lo, hi] = [alice.address, bob.address].sort((a, b) => a[0]! - b[0]!)
    const entry = (contributor: Uint8Array) => ({ contributor, acceptedGroups: 1, acceptedDeltas: 0, credit: 1n })
    expect(() => encodeRoundResult(sampleRoundResult([], new Uint8Array(32), [entry(hi!), entry(lo!)]))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: RoundResult.credits must be strictly ascending by contributor.]`,
    )
    const rr = sampleRoundResult([], new Uint8Array(32), [entry(lo!), entry(hi!)])
    expect(decodeRoundResult(encodeRoundResult(rr))).toEqual(rr)
  })

  it('carries credit as a full uint256', () => {
    const rr = sampleRoundResult([], new Uint8Array(32), [
      { contributor: alice.address, acceptedGroups: 0, acceptedDeltas: 0, credit: (1n << 256n) - 1n },
    ])
    expect(decodeRoundResult(encodeRoundResult(rr)).credits[0]!.credit).toBe((1n << 256n) - 1n)
  })
})
