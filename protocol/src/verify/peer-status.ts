// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Verification of a signed PeerStatus: envelope and body decode, run, a round within
 * r-PEER_STATUS_ROUNDS_BEHIND..r+PEER_STATUS_ROUNDS_AHEAD of the verifier's round r, a known
 * device, and the signature by its author. The numbers it carries are the author's claims and are
 * not checked against anything (credit comes from RoundResults only). Never throws on a peer's
 * bytes.
 */
import { equalBytes, toHex0x } from '../bytes/bytes.js'
import { PEER_DEVICES, PEER_STATUS_ROUNDS_AHEAD, PEER_STATUS_ROUNDS_BEHIND } from '../constants.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import { recoverSigner } from '../crypto/verify.js'
import type { PeerStatus } from '../messages/peer-status.js'
import type { SignedMessage } from '../messages/signed.js'
import { openEnvelope, type Rejection, reject } from './verdict.js'

export interface PeerStatusExpectation {
  domain: Eip712Domain
  /** The verifier's current round. */
  round: bigint
}

export type PeerStatusVerdict = { ok: true; status: PeerStatus; id: Uint8Array } | Rejection

export function verifyPeerStatus({
  message,
  expected,
}: {
  message: Uint8Array | SignedMessage
  expected: PeerStatusExpectation
}): PeerStatusVerdict {
  const opened = openEnvelope('PeerStatus', message, expected.domain)
  if (!opened.ok) return opened
  const { signed, value: status, id, digest } = opened
  if (!equalBytes(status.run, expected.domain.salt))
    return reject('wrong-run', `status is for run ${toHex0x(status.run)}, not ${toHex0x(expected.domain.salt)}`)
  const lo = expected.round > PEER_STATUS_ROUNDS_BEHIND ? expected.round - PEER_STATUS_ROUNDS_BEHIND : 0n
  const hi = expected.round + PEER_STATUS_ROUNDS_AHEAD
  if (status.round < lo || status.round > hi)
    return reject('wrong-round', `status is for round ${status.round}; round ${expected.round} accepts ${lo}..${hi}`)
  if (!(PEER_DEVICES as readonly string[]).includes(status.device))
    return reject('unknown-device', `device "${status.device}" is not one of ${PEER_DEVICES.join(', ')}`)
  const signer = recoverSigner(digest, signed.signature)
  if (!signer.ok) return reject('bad-signature', `signature is not acceptable: ${signer.problem}`)
  if (!equalBytes(signer.address, status.author))
    return reject('wrong-signer', `signed by ${toHex0x(signer.address)}, but the author is ${toHex0x(status.author)}`)
  return { ok: true, status, id }
}
