import { describe, expect, it } from 'vitest'
import { alice, bob, domain, sampleRound } from '../../vectors/fixtures.js'
import { signDigest } from '../crypto/sign.js'
import { type DeltaCommitment, encodeDeltaCommitment } from '../messages/delta-commitment.js'
import { encodeSignedMessage, signingDigest, signMessage } from '../messages/signed.js'
import { verifyDeltaCommitment } from './delta-commitment.js'

const show = (v: { ok: boolean; reason?: string; detail?: string }) => (v.ok ? 'ok' : `${v.reason}: ${v.detail}`)
const { commitment: sample } = sampleRound() // bob's, round 0
const signed = (c: Partial<DeltaCommitment> = {}) => signMessage('DeltaCommitment', { ...sample, ...c }, domain, bob.privateKey)

describe('verifyDeltaCommitment', () => {
  it('accepts a commitment signed by its author for the expected round', () => {
    const v = verifyDeltaCommitment({ message: encodeSignedMessage(signed()), expected: { domain, round: 0n } })
    expect(show(v)).toBe('ok')
    expect(v.ok && v.commitment).toEqual(sample)
  })

  it('rejects another round, another run, a forged author, another kind and junk, without throwing', () => {
    expect(show(verifyDeltaCommitment({ message: signed(), expected: { domain, round: 1n } }))).toMatchInlineSnapshot(
      `"wrong-round: commitment is for round 0, not 1"`,
    )
    expect(show(verifyDeltaCommitment({ message: signed({ run: new Uint8Array(32).fill(3) }), expected: { domain, round: 0n } }))).toMatch(
      /^wrong-run: /,
    )
    // alice signs a body naming bob as its author
    const body = encodeDeltaCommitment(sample)
    const forged = {
      kind: 'DeltaCommitment' as const,
      body,
      signature: signDigest(signingDigest('DeltaCommitment', body, domain).digest, alice.privateKey),
    }
    expect(show(verifyDeltaCommitment({ message: forged, expected: { domain, round: 0n } }))).toMatch(/^wrong-signer: /)
    const { delta } = sampleRound()
    const other = encodeSignedMessage(signMessage('Delta', delta, domain, bob.privateKey))
    expect(show(verifyDeltaCommitment({ message: other, expected: { domain, round: 0n } }))).toMatch(/^wrong-kind: /)
    expect(show(verifyDeltaCommitment({ message: Uint8Array.of(1, 2, 3), expected: { domain, round: 0n } }))).toMatch(/^malformed: /)
  })
})
