// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * secp256k1 ECDSA over a 32-byte digest (no pre-hash), Ethereum style: RFC 6979 deterministic
 * nonces, low-s only, encoded as 65 bytes r ‖ s ‖ v with v ∈ {27, 28}, the layout Solidity's
 * `ecrecover` and OpenZeppelin's `ECDSA.recover(bytes32, bytes)` accept.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { InvalidArgumentError } from '../errors.js'

/** Bytes of an encoded signature: r (32, big-endian) ‖ s (32, big-endian) ‖ v (1). */
export const SIGNATURE_BYTES = 65

/** Signs a 32-byte digest; the result always has s ≤ n/2. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new InvalidArgumentError('A digest to sign must be 32 bytes.')
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32 || !secp256k1.utils.isValidSecretKey(privateKey)) {
    throw new InvalidArgumentError('A private key must be 32 bytes encoding a scalar in [1, n) of secp256k1.')
  }
  // 'recovered' is recovery ‖ r ‖ s in noble; murmur's layout puts v last, as Ethereum does
  const rec = secp256k1.sign(digest, privateKey, { prehash: false, lowS: true, format: 'recovered' })
  const out = new Uint8Array(SIGNATURE_BYTES)
  out.set(rec.subarray(1, 65), 0)
  out[64] = 27 + rec[0]!
  return out
}

/** r, s as bigints and v, for display, vectors and contract calls. */
export function signatureParts(signature: Uint8Array): { r: bigint; s: bigint; v: number } {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES)
    throw new InvalidArgumentError('A signature must be 65 bytes.')
  let r = 0n
  let s = 0n
  for (let i = 0; i < 32; i++) {
    r = (r << 8n) | BigInt(signature[i]!)
    s = (s << 8n) | BigInt(signature[32 + i]!)
  }
  return { r, s, v: signature[64]! }
}
