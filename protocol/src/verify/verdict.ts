import type { Eip712Domain } from '../crypto/eip712.js'
import { isProtocolError } from '../errors.js'
import { decodeSignedMessage, type SignedKind, type SignedMessage, type SignedTypes, signingDigest } from '../messages/signed.js'

/**
 * Verdicts: what a verifier returns for a peer's data. Junk from a peer is normal, not
 * exceptional (STYLE.md §4): verifiers never throw on it; they say why they reject it.
 */
export type RejectReason =
  | 'malformed'
  | 'wrong-kind'
  | 'bad-signature'
  | 'wrong-signer'
  | 'wrong-run'
  | 'wrong-round'
  | 'wrong-policy'
  | 'bad-prompt-index'
  | 'wrong-prompt'
  | 'wrong-group-size'
  | 'too-long'
  | 'reward-mismatch'
  | 'replay-mismatch'
  | 'unknown-group'
  | 'over-norm'
  | 'size-mismatch'
  | 'payload-hash-mismatch'
  | 'malformed-payload'
  | 'wrong-numel'
  | 'non-finite'
  | 'norm-mismatch'
  | 'not-validator'
  | 'wrong-root'
  | 'unknown-device'
  /** The verifier lacks what the check needs (a policy to replay, the round before): no verdict. */
  | 'unverifiable'

export type Rejection = { ok: false; reason: RejectReason; detail: string }
export type Verdict = { ok: true } | Rejection

export function reject(reason: RejectReason, detail: string): Rejection {
  return { ok: false, reason, detail }
}

/** A signed envelope of the expected kind, its body decoded, with the id and EIP-712 digest it is signed under. */
export type OpenedEnvelope<K extends SignedKind> = {
  ok: true
  signed: SignedMessage
  value: SignedTypes[K]
  id: Uint8Array
  digest: Uint8Array
}

/**
 * The first step of every verifier: split the envelope (unless already split), check its kind
 * and decode its body with the digest it must be signed under. Junk is a `malformed` or
 * `wrong-kind` rejection, never a throw.
 */
export function openEnvelope<K extends SignedKind>(
  kind: K,
  message: Uint8Array | SignedMessage,
  domain: Eip712Domain,
): OpenedEnvelope<K> | Rejection {
  try {
    const signed = message instanceof Uint8Array ? decodeSignedMessage(message) : message
    if (signed.kind !== kind) return reject('wrong-kind', `expected a ${kind}, got a ${signed.kind}`)
    return { ok: true, signed, ...signingDigest(kind, signed.body, domain) }
  } catch (err) {
    if (isProtocolError(err, 'MessageDecodeError')) return reject('malformed', err.message)
    throw err
  }
}
