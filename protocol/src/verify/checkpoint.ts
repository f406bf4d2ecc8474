// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Verification of a signed CheckpointAnnouncement: envelope and body decode, run, signature by
 * its author, and a size a peer is willing to fetch. It says nothing about whether the policy is
 * the agreed one: a late joiner trusts a checkpoint once a quorum of the run's validators
 * announced the same (round, policyHash), and the bytes must hash to it. Never throws on a
 * peer's bytes.
 */
import { equalBytes, toHex0x } from '../bytes/bytes.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import { recoverSigner } from '../crypto/verify.js'
import type { CheckpointAnnouncement } from '../messages/checkpoint.js'
import type { SignedMessage } from '../messages/signed.js'
import { openEnvelope, type Rejection, reject } from './verdict.js'

export type CheckpointVerdict = { ok: true; announcement: CheckpointAnnouncement; id: Uint8Array } | Rejection

export function verifyCheckpointAnnouncement({
  message,
  expected,
}: {
  message: Uint8Array | SignedMessage
  /** The run's domain, and the exact size of the model's canonical checkpoint bytes. */
  expected: { domain: Eip712Domain; sizeBytes: bigint }
}): CheckpointVerdict {
  const opened = openEnvelope('CheckpointAnnouncement', message, expected.domain)
  if (!opened.ok) return opened
  const { signed, value: announcement, id, digest } = opened
  if (!equalBytes(announcement.run, expected.domain.salt))
    return reject('wrong-run', `checkpoint is for run ${toHex0x(announcement.run)}, not ${toHex0x(expected.domain.salt)}`)
  if (announcement.sizeBytes !== expected.sizeBytes)
    return reject('size-mismatch', `checkpoint declares ${announcement.sizeBytes} bytes; this run's model has ${expected.sizeBytes}`)
  const signer = recoverSigner(digest, signed.signature)
  if (!signer.ok) return reject('bad-signature', `signature is not acceptable: ${signer.problem}`)
  if (!equalBytes(signer.address, announcement.author))
    return reject('wrong-signer', `signed by ${toHex0x(signer.address)}, but the author is ${toHex0x(announcement.author)}`)
  return { ok: true, announcement, id }
}
