import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesN } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { alice, bob, domain, sampleCheckpoint, sampleDelta, sampleGroup, sampleRoundResult } from '../../vectors/fixtures.js'
import { MAX_DELTA_GROUPS, MAX_ROUND_CONTRIBUTORS, MAX_ROUND_DELTAS, MAX_ROUND_OFFENSES } from '../constants.js'
import { recoverSigner } from '../crypto/verify.js'
import { encodeCheckpointAnnouncement } from './checkpoint.js'
import { encodeDelta } from './delta.js'
import { encodeRoundResult } from './round-result.js'
import { decodeSignedMessage, encodeSignedMessage, SIGNED_CODECS, type SignedMessage, signingDigest, signMessage } from './signed.js'

const envelope: fc.Arbitrary<SignedMessage> = fc.record({
  kind: fc.constantFrom(
    'ScoredGroup' as const,
    'Delta' as const,
    'RoundResult' as const,
    'CheckpointAnnouncement' as const,
    'PeerStatus' as const,
  ),
  body: fc.uint8Array({ maxLength: 100 }),
  signature: bytesN(65),
})

describe('signed envelope', () => {
  itHasCanonicalCodec(envelope, encodeSignedMessage, decodeSignedMessage)

  it('signs so that the author is recovered from the EIP-712 digest', () => {
    const signed = signMessage('ScoredGroup', sampleGroup, domain, alice.privateKey)
    const decoded = decodeSignedMessage(encodeSignedMessage(signed))
    const { digest, value } = signingDigest(decoded.kind, decoded.body, domain)
    expect(value).toEqual(sampleGroup)
    expect(recoverSigner(digest, decoded.signature)).toEqual({ ok: true, address: alice.address })
  })

  it('refuses to sign a message whose author is another key', () => {
    expect(() => signMessage('ScoredGroup', sampleGroup, domain, bob.privateKey)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: ScoredGroup.author is not the signing key's address.]`,
    )
  })

  it('rejects an unknown kind byte', () => {
    const bytes = encodeSignedMessage({ kind: 'Delta', body: new Uint8Array(1), signature: new Uint8Array(65) })
    bytes[1] = 9
    expect(() => decodeSignedMessage(bytes)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode SignedMessage: field "kind" at byte 1 is 9, outside [1, 6].]`,
    )
  })
})

describe('envelope body limits', () => {
  it('fit the largest Delta header the codec accepts', () => {
    const groups = Array.from({ length: MAX_DELTA_GROUPS }, (_, i) => Uint8Array.of(i >> 8, i & 0xff, ...new Uint8Array(30)))
    const body = encodeDelta({ ...sampleDelta(groups) })
    expect(body.length).toBe(SIGNED_CODECS.Delta.maxBodyBytes)
    const env = decodeSignedMessage(encodeSignedMessage({ kind: 'Delta', body, signature: new Uint8Array(65) }))
    expect(env.body).toEqual(body)
  })

  it('fit the largest RoundResult and the fixed-size CheckpointAnnouncement', () => {
    expect(SIGNED_CODECS.RoundResult.maxBodyBytes).toBe(
      encodeRoundResult(sampleRoundResult([], new Uint8Array(32), [])).length +
        2 * 32 * MAX_ROUND_DELTAS +
        53 * MAX_ROUND_OFFENSES +
        60 * MAX_ROUND_CONTRIBUTORS,
    )
    expect(SIGNED_CODECS.CheckpointAnnouncement.maxBodyBytes).toBe(encodeCheckpointAnnouncement(sampleCheckpoint).length)
  })
})
