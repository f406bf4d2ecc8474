import { describe, expect, it } from 'vitest'
import { alice, domain, POLICY_0, validator } from '../../vectors/fixtures.js'
import { signDigest } from '../crypto/sign.js'
import { type CheckpointAnnouncement, encodeCheckpointAnnouncement } from '../messages/checkpoint.js'
import { encodeSignedMessage, signingDigest, signMessage } from '../messages/signed.js'
import { verifyCheckpointAnnouncement } from './checkpoint.js'

const show = (v: { ok: boolean; reason?: string; detail?: string }) => (v.ok ? 'ok' : `${v.reason}: ${v.detail}`)
const announcement: CheckpointAnnouncement = {
  run: domain.salt,
  round: 5n,
  author: validator.address,
  policyHash: POLICY_0,
  sizeBytes: 4096n,
  roundResultHash: new Uint8Array(32),
}
const expected = { domain, sizeBytes: 4096n }

describe('verifyCheckpointAnnouncement', () => {
  it('accepts an announcement signed by its author', () => {
    const message = encodeSignedMessage(signMessage('CheckpointAnnouncement', announcement, domain, validator.privateKey))
    expect(show(verifyCheckpointAnnouncement({ message, expected }))).toBe('ok')
  })

  it('rejects another run, a wrong size, a forged author and junk, without throwing', () => {
    const wrongRun = signMessage(
      'CheckpointAnnouncement',
      { ...announcement, run: new Uint8Array(32).fill(3) },
      domain,
      validator.privateKey,
    )
    expect(show(verifyCheckpointAnnouncement({ message: wrongRun, expected }))).toMatch(/^wrong-run: /)
    const big = signMessage('CheckpointAnnouncement', { ...announcement, sizeBytes: 1n << 40n }, domain, validator.privateKey)
    expect(show(verifyCheckpointAnnouncement({ message: big, expected }))).toMatch(/^size-mismatch: /)
    // alice signs a body naming the validator as its author
    const body = encodeCheckpointAnnouncement(announcement)
    const forged = {
      kind: 'CheckpointAnnouncement' as const,
      body,
      signature: signDigest(signingDigest('CheckpointAnnouncement', body, domain).digest, alice.privateKey),
    }
    expect(show(verifyCheckpointAnnouncement({ message: forged, expected }))).toMatch(/^wrong-signer: /)
    expect(show(verifyCheckpointAnnouncement({ message: Uint8Array.of(1, 2, 3), expected }))).toMatch(/^malformed: /)
  })
})
