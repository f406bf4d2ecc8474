// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Verification of a signed Delta in two stages, so gossip validation need not wait for the
 * payload: {@link verifyDeltaHeader} (signature, run/round/base policy, declared norm within the
 * run's bound, every referenced group valid) and {@link verifyDeltaPayload} (declared size and
 * sha256 match the bytes, the payload decodes, covers the model's numel, is finite everywhere,
 * and its norm, computed as deltaPayloadNorm does, equals the declared one exactly: both sides
 * run the same IEEE-754 operations in the same order). Never throws on a peer's bytes.
 */
import { equalBytes, toHex0x } from '../bytes/bytes.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import { recoverSigner } from '../crypto/verify.js'
import { isProtocolError } from '../errors.js'
import type { Delta } from '../messages/delta.js'
import { type DeltaPayload, decodeDeltaPayload, denseFromPayload, hashDeltaPayload, payloadNumel } from '../messages/delta-payload.js'
import type { SignedMessage } from '../messages/signed.js'
import { openEnvelope, type Rejection, reject } from './verdict.js'

export interface DeltaExpectation {
  domain: Eip712Domain
  round: bigint
  basePolicyHash: Uint8Array
  /** The run's `maxDeltaNorm`. */
  maxNorm: number
  /** Parameters in the model (the engine's flattened parameter count). */
  numel: number
  /** True iff `groupId` is a ScoredGroup this peer accepted for the round. */
  isValidGroup: (groupId: Uint8Array) => boolean
}

export type DeltaHeaderVerdict = { ok: true; delta: Delta; id: Uint8Array } | Rejection
export type DeltaPayloadVerdict = { ok: true; payload: DeltaPayload; values: Float32Array } | Rejection

export function verifyDeltaHeader({
  message,
  expected,
}: {
  message: Uint8Array | SignedMessage
  expected: DeltaExpectation
}): DeltaHeaderVerdict {
  const opened = openEnvelope('Delta', message, expected.domain)
  if (!opened.ok) return opened
  const { signed, value: delta, id, digest } = opened
  if (!equalBytes(delta.run, expected.domain.salt))
    return reject('wrong-run', `delta is for run ${toHex0x(delta.run)}, not ${toHex0x(expected.domain.salt)}`)
  if (delta.round !== expected.round)
    return reject('wrong-round', `delta is for round ${delta.round}, the current round is ${expected.round}`)
  if (!equalBytes(delta.basePolicyHash, expected.basePolicyHash)) {
    return reject(
      'wrong-policy',
      `delta is based on ${toHex0x(delta.basePolicyHash)}, round ${expected.round} uses ${toHex0x(expected.basePolicyHash)}`,
    )
  }
  if (delta.norm > expected.maxNorm) return reject('over-norm', `delta declares norm ${delta.norm}; the run allows ${expected.maxNorm}`)
  const signer = recoverSigner(digest, signed.signature)
  if (!signer.ok) return reject('bad-signature', `signature is not acceptable: ${signer.problem}`)
  if (!equalBytes(signer.address, delta.author))
    return reject('wrong-signer', `signed by ${toHex0x(signer.address)}, but the author is ${toHex0x(delta.author)}`)
  for (const g of delta.groups)
    if (!expected.isValidGroup(g))
      return reject('unknown-group', `delta uses group ${toHex0x(g)}, which is not an accepted group of this round`)
  return { ok: true, delta, id }
}

export function verifyDeltaPayload({ delta, payload, numel }: { delta: Delta; payload: Uint8Array; numel: number }): DeltaPayloadVerdict {
  if (payload.length !== delta.payloadSizeBytes)
    return reject('size-mismatch', `payload is ${payload.length} bytes; the header declares ${delta.payloadSizeBytes}`)
  const hash = hashDeltaPayload(payload)
  if (!equalBytes(hash, delta.payloadHash))
    return reject('payload-hash-mismatch', `payload hashes to ${toHex0x(hash)}; the header declares ${toHex0x(delta.payloadHash)}`)
  let decoded: DeltaPayload
  try {
    decoded = decodeDeltaPayload(payload)
  } catch (err) {
    if (isProtocolError(err, 'MessageDecodeError')) return reject('malformed-payload', err.message)
    throw err
  }
  if (payloadNumel(decoded) !== numel)
    return reject('wrong-numel', `payload covers ${payloadNumel(decoded)} values; the model has ${numel}`)
  const values = denseFromPayload(decoded)
  let sq = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) return reject('non-finite', `value ${i} decodes to ${v}`)
    sq += v * v
  }
  const norm = Math.fround(Math.sqrt(sq)) // deltaPayloadNorm, inlined to reuse the finite pass
  if (norm !== delta.norm) return reject('norm-mismatch', `payload norm is ${norm}; the header declares ${delta.norm}`)
  return { ok: true, payload: decoded, values }
}

/** Header and payload together. */
export function verifyDelta({
  message,
  payload,
  expected,
}: {
  message: Uint8Array | SignedMessage
  payload: Uint8Array
  expected: DeltaExpectation
}): DeltaHeaderVerdict {
  const header = verifyDeltaHeader({ message, expected })
  if (!header.ok) return header
  const body = verifyDeltaPayload({ delta: header.delta, payload, numel: expected.numel })
  return body.ok ? header : body
}
