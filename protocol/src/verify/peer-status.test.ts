import { describe, expect, it } from 'vitest'
import { alice, bob, domain, sampleCheckpoint, samplePeerStatus, validator } from '../../vectors/fixtures.js'
import { signDigest } from '../crypto/sign.js'
import { encodePeerStatus, type PeerStatus } from '../messages/peer-status.js'
import { encodeSignedMessage, signingDigest, signMessage } from '../messages/signed.js'
import { verifyPeerStatus } from './peer-status.js'

const show = (v: { ok: boolean; reason?: string; detail?: string }) => (v.ok ? 'ok' : `${v.reason}: ${v.detail}`)
const status = (s: Partial<PeerStatus> = {}) => signMessage('PeerStatus', { ...samplePeerStatus, ...s }, domain, alice.privateKey)

describe('verifyPeerStatus', () => {
  it('accepts a status signed by its author for rounds r-2..r+1 of the verifier', () => {
    const message = encodeSignedMessage(status())
    for (const round of [6n, 7n, 8n, 9n]) expect(show(verifyPeerStatus({ message, expected: { domain, round } }))).toBe('ok')
    const v = verifyPeerStatus({ message, expected: { domain, round: 7n } })
    expect(v.ok && v.status).toEqual(samplePeerStatus)
    // round 0 and 1: the window does not go below zero
    expect(show(verifyPeerStatus({ message: status({ round: 0n }), expected: { domain, round: 1n } }))).toBe('ok')
  })

  it('rejects rounds outside the window, another run, an unknown device, a forged author and junk, without throwing', () => {
    expect(show(verifyPeerStatus({ message: status(), expected: { domain, round: 10n } }))).toMatchInlineSnapshot(
      `"wrong-round: status is for round 7; round 10 accepts 8..11"`,
    )
    expect(show(verifyPeerStatus({ message: status(), expected: { domain, round: 5n } }))).toMatchInlineSnapshot(
      `"wrong-round: status is for round 7; round 5 accepts 3..6"`,
    )
    expect(show(verifyPeerStatus({ message: status({ run: new Uint8Array(32).fill(3) }), expected: { domain, round: 7n } }))).toMatch(
      /^wrong-run: /,
    )
    expect(show(verifyPeerStatus({ message: status({ device: 'tpu' }), expected: { domain, round: 7n } }))).toMatchInlineSnapshot(
      `"unknown-device: device "tpu" is not one of cpu, wasm, webgpu, cuda"`,
    )
    // bob signs a body naming alice as its author
    const body = encodePeerStatus(samplePeerStatus)
    const forged = {
      kind: 'PeerStatus' as const,
      body,
      signature: signDigest(signingDigest('PeerStatus', body, domain).digest, bob.privateKey),
    }
    expect(show(verifyPeerStatus({ message: forged, expected: { domain, round: 7n } }))).toMatch(/^wrong-signer: /)
    const badSig = { ...status(), signature: new Uint8Array(65) }
    expect(show(verifyPeerStatus({ message: badSig, expected: { domain, round: 7n } }))).toMatch(/^bad-signature: /)
    const other = signMessage('CheckpointAnnouncement', sampleCheckpoint, domain, validator.privateKey)
    expect(show(verifyPeerStatus({ message: other, expected: { domain, round: 7n } }))).toMatchInlineSnapshot(
      `"wrong-kind: expected a PeerStatus, got a CheckpointAnnouncement"`,
    )
    expect(show(verifyPeerStatus({ message: Uint8Array.of(1, 5, 3), expected: { domain, round: 7n } }))).toMatch(/^malformed: /)
    const junkBody = { kind: 'PeerStatus' as const, body: Uint8Array.of(1, 2, 3), signature: new Uint8Array(65) }
    expect(show(verifyPeerStatus({ message: junkBody, expected: { domain, round: 7n } }))).toMatch(/^malformed: /)
  })
})
