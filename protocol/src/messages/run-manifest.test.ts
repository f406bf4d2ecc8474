import { describe, expect, it } from 'vitest'
import { runManifest } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { domain, sampleManifest, validator } from '../../vectors/fixtures.js'
import { decodeRunManifest, encodeRunManifest, hashRunManifest, runDomain } from './run-manifest.js'

describe('RunManifest codec', () => {
  itHasCanonicalCodec(runManifest, encodeRunManifest, decodeRunManifest, 100)

  it('gives a different run id for any changed field', () => {
    const a = hashRunManifest(encodeRunManifest(sampleManifest))
    const b = hashRunManifest(encodeRunManifest({ ...sampleManifest, roundDurationMs: 60_001 }))
    expect(a).not.toEqual(b)
  })

  it('names the signing domain: chain id, ledger and run id', () => {
    expect(runDomain(encodeRunManifest(sampleManifest))).toEqual(domain)
  })

  it('rejects validators out of order and a quorum above the set', () => {
    expect(() =>
      encodeRunManifest({ ...sampleManifest, validators: [validator.address, validator.address] }),
    ).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: RunManifest.validators must be strictly ascending.]`)
    expect(() => encodeRunManifest({ ...sampleManifest, quorum: 2 })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: RunManifest.quorum must be an integer in [1, 1], got 2.]`,
    )
  })

  it('rejects a group shape whose largest group could not be gossiped', () => {
    expect(() => encodeRunManifest({ ...sampleManifest, groupSize: 64, maxCompletionTokens: 4096 })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: RunManifest: 64 completions of 4096 tokens can exceed 1047552 bytes (MAX_SCORED_GROUP_BYTES); lower groupSize or maxCompletionTokens.]`,
    )
  })

  it('rejects an unknown aggregation rule byte', () => {
    const bytes = encodeRunManifest(sampleManifest)
    const m = decodeRunManifest(bytes)
    expect(m).toEqual(sampleManifest)
    // aggregation byte follows roundDurationMs; find it by re-encoding with 'median'
    const other = encodeRunManifest({ ...sampleManifest, aggregation: 'median' })
    const at = bytes.findIndex((b, i) => b !== other[i])
    const bad = bytes.slice()
    bad[at] = 7
    expect(() => decodeRunManifest(bad)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode RunManifest: field "aggregation" at byte 146 is 7, outside [0, 1].]`,
    )
  })

  it('rejects invalid UTF-8 in a string field', () => {
    const bytes = encodeRunManifest(sampleManifest)
    const bad = bytes.slice()
    bad[5] = 0xff // first byte of the name
    expect(() => decodeRunManifest(bad)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode RunManifest: field "name" at byte 1 is not valid UTF-8.]`,
    )
  })
})
