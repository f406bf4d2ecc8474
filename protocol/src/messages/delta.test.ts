import { describe, expect, it } from 'vitest'
import { delta } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { sampleDelta } from '../../vectors/fixtures.js'
import { decodeDelta, encodeDelta } from './delta.js'

describe('Delta header codec', () => {
  itHasCanonicalCodec(delta, encodeDelta, decodeDelta)

  const ids = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]

  it('rejects unsorted or duplicate group ids', () => {
    expect(() => encodeDelta(sampleDelta([ids[1]!, ids[0]!]))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Delta.groups must be strictly ascending (sorted, no duplicates).]`,
    )
    const bytes = encodeDelta(sampleDelta(ids))
    const dup = bytes.slice()
    dup.set(ids[0]!, bytes.length - 32)
    expect(() => decodeDelta(dup)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode Delta: field "groups[1]" at byte 169 is not strictly above the previous group id.]`,
    )
  })

  it('rejects a negative norm', () => {
    const bytes = encodeDelta(sampleDelta(ids))
    const bad = bytes.slice()
    new DataView(bad.buffer).setFloat32(129, -1, true)
    expect(() => decodeDelta(bad)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode Delta: field "norm" at byte 129 is -1; a norm is ≥ 0.]`,
    )
  })

  it('has the documented fixed part of 137 bytes', () => {
    expect(encodeDelta(sampleDelta(ids)).length).toBe(137 + 64)
  })
})
