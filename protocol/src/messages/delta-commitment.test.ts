import { describe, expect, it } from 'vitest'
import { deltaCommitment } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { sampleRound } from '../../vectors/fixtures.js'
import { encodeDelta, hashDelta } from './delta.js'
import { DELTA_COMMITMENT_BYTES, decodeDeltaCommitment, encodeDeltaCommitment } from './delta-commitment.js'
import { SIGNED_CODECS } from './signed.js'

describe('DeltaCommitment codec', () => {
  itHasCanonicalCodec(deltaCommitment, encodeDeltaCommitment, decodeDeltaCommitment)

  it('is 93 bytes, the envelope limit, and names the delta by its header id', () => {
    const { delta, commitment } = sampleRound()
    const bytes = encodeDeltaCommitment(commitment)
    expect(bytes.length).toBe(DELTA_COMMITMENT_BYTES)
    expect(SIGNED_CODECS.DeltaCommitment.maxBodyBytes).toBe(93)
    expect(commitment.delta).toEqual(hashDelta(encodeDelta(delta)))
  })

  it('rejects a wrong version, a short body and trailing bytes, naming the field', () => {
    const bytes = encodeDeltaCommitment(sampleRound().commitment)
    const version = bytes.slice()
    version[0] = 9
    expect(() => decodeDeltaCommitment(version)).toThrow(/field "version" at byte 0/)
    expect(() => decodeDeltaCommitment(bytes.subarray(0, 92))).toThrow(/field "delta"/)
    expect(() => decodeDeltaCommitment(Uint8Array.of(...bytes, 0))).toThrow(/DeltaCommitment/)
  })
})
