// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Verification of a signed DeltaCommitment: envelope and body decode, run, round, and the
 * signature by its author. Whether it came before the commitments deadline is the receiver's own
 * observation (the round state machine's), not part of the verdict. Never throws on a peer's bytes.
 */
import { equalBytes, toHex0x } from '../bytes/bytes.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import { recoverSigner } from '../crypto/verify.js'
import type { DeltaCommitment } from '../messages/delta-commitment.js'
import type { SignedMessage } from '../messages/signed.js'
import { openEnvelope, type Rejection, reject } from './verdict.js'

export interface DeltaCommitmentExpectation {
  domain: Eip712Domain
  /** The round the commitment must be for. */
  round: bigint
}

export type DeltaCommitmentVerdict = { ok: true; commitment: DeltaCommitment; id: Uint8Array } | Rejection

export function verifyDeltaCommitment({
  message,
  expected,
}: {
  message: Uint8Array | SignedMessage
  expected: DeltaCommitmentExpectation
}): DeltaCommitmentVerdict {
  const opened = openEnvelope('DeltaCommitment', message, expected.domain)
  if (!opened.ok) return opened
  const { signed, value: commitment, id, digest } = opened
  if (!equalBytes(commitment.run, expected.domain.salt))
    return reject('wrong-run', `commitment is for run ${toHex0x(commitment.run)}, not ${toHex0x(expected.domain.salt)}`)
  if (commitment.round !== expected.round)
    return reject('wrong-round', `commitment is for round ${commitment.round}, not ${expected.round}`)
  const signer = recoverSigner(digest, signed.signature)
  if (!signer.ok) return reject('bad-signature', `signature is not acceptable: ${signer.problem}`)
  if (!equalBytes(signer.address, commitment.author))
    return reject('wrong-signer', `signed by ${toHex0x(signer.address)}, but the author is ${toHex0x(commitment.author)}`)
  return { ok: true, commitment, id }
}
