import { describe, expect, it } from 'vitest'
import { scoredGroup } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { sampleGroup } from '../../vectors/fixtures.js'
import { MAX_SCORED_GROUP_BYTES } from '../constants.js'
import { decodeScoredGroup, encodeScoredGroup, groupTokenCount, hashScoredGroup } from './scored-group.js'

describe('ScoredGroup codec', () => {
  itHasCanonicalCodec(scoredGroup, encodeScoredGroup, decodeScoredGroup)

  const bytes = encodeScoredGroup(sampleGroup)

  it('lays fields out in schema order', () => {
    expect(bytes[0]).toBe(1)
    expect(bytes.subarray(1, 33)).toEqual(sampleGroup.run)
    expect(bytes.length).toBe(1 + 32 + 8 + 20 + 32 + 4 + 32 + 2 + 4 * (4 + 4) + 9 * 8)
    expect(groupTokenCount(sampleGroup)).toBe(9)
  })

  it('rejects a positive logprob', () => {
    const b = bytes.slice()
    // first completion: count at 131, tokens 135..147, logprobs from 147
    new DataView(b.buffer).setFloat32(147, 0.5, true)
    expect(() => decodeScoredGroup(b)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode ScoredGroup: field "completions[0].logprobs[0]" at byte 147 is 0.5; a log-probability is ≤ 0.]`,
    )
  })

  it('rejects NaN, infinite and negative-zero floats', () => {
    const b = bytes.slice()
    new DataView(b.buffer).setUint32(147, 0x7fc00000, true)
    expect(() => decodeScoredGroup(b)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode ScoredGroup: field "completions[0].logprobs[0]" at byte 147 is NaN; floats must be finite.]`,
    )
    new DataView(b.buffer).setUint32(147, 0x80000000, true)
    expect(() => decodeScoredGroup(b)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode ScoredGroup: field "completions[0].logprobs[0]" at byte 147 is -0, which is not canonical (write +0).]`,
    )
  })

  it('rejects trailing bytes and a truncated body', () => {
    expect(() => decodeScoredGroup(Uint8Array.from([...bytes, 0]))).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode ScoredGroup: field "(end)" at byte 235 is followed by 1 trailing bytes.]`,
    )
    expect(() => decodeScoredGroup(bytes.subarray(0, 40))).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode ScoredGroup: field "round" at byte 33 needs 8 bytes but only 7 remain.]`,
    )
  })

  it('rejects an unknown version and an empty group', () => {
    const b = bytes.slice()
    b[0] = 2
    expect(() => decodeScoredGroup(b)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode ScoredGroup: field "version" at byte 0 is 2, outside [1, 1].]`,
    )
    expect(() => encodeScoredGroup({ ...sampleGroup, completions: [] })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: A ScoredGroup has 1..64 completions, got 0.]`,
    )
  })

  it('enforces the size limit before decoding', () => {
    expect(() => decodeScoredGroup(new Uint8Array(MAX_SCORED_GROUP_BYTES + 1))).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode ScoredGroup: field "(input)" at byte 0 is 1047553 bytes; the limit is 1047552 (MAX_SCORED_GROUP_BYTES).]`,
    )
  })

  it('rejects a token count that cannot fit the remaining bytes without allocating it', () => {
    const b = bytes.slice()
    new DataView(b.buffer).setUint32(131, 4000, true)
    expect(() => decodeScoredGroup(b)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode ScoredGroup: field "completions[0].tokens" at byte 131 declares 4000 items but only 100 bytes remain.]`,
    )
  })

  it('hashes with its own domain tag', () => {
    expect(hashScoredGroup(bytes)).toHaveLength(32)
    expect(hashScoredGroup(bytes)).not.toEqual(hashScoredGroup(bytes.subarray(1)))
  })
})
