// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Signature verification by address recovery. A signature is accepted only in murmur's one
 * canonical form (see sign.ts): r, s in [1, n), s ≤ n/2 (high-s, the malleable twin, is
 * rejected as OpenZeppelin's ECDSA does), v ∈ {27, 28}. Never throws on a peer's bytes.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { equalBytes } from '../bytes/bytes.js'
import { type Address, addressFromPublicKey } from './identity.js'
import { SIGNATURE_BYTES, signatureParts } from './sign.js'

const N = secp256k1.Point.Fn.ORDER
const HALF_N = N >> 1n

export type SignatureProblem = 'wrong-length' | 'bad-v' | 'r-out-of-range' | 's-out-of-range' | 'high-s' | 'unrecoverable'

/** The signer of `digest`, or why the signature is not acceptable. */
export function recoverSigner(
  digest: Uint8Array,
  signature: Uint8Array,
): { ok: true; address: Address } | { ok: false; problem: SignatureProblem } {
  if (
    !(signature instanceof Uint8Array) ||
    signature.length !== SIGNATURE_BYTES ||
    !(digest instanceof Uint8Array) ||
    digest.length !== 32
  ) {
    return { ok: false, problem: 'wrong-length' }
  }
  const { r, s, v } = signatureParts(signature)
  if (v !== 27 && v !== 28) return { ok: false, problem: 'bad-v' }
  if (r === 0n || r >= N) return { ok: false, problem: 'r-out-of-range' }
  if (s === 0n || s >= N) return { ok: false, problem: 's-out-of-range' }
  if (s > HALF_N) return { ok: false, problem: 'high-s' }
  try {
    const sig = new secp256k1.Signature(r, s, v - 27)
    const point = sig.recoverPublicKey(digest)
    return { ok: true, address: addressFromPublicKey(point.toBytes(false)) }
  } catch {
    return { ok: false, problem: 'unrecoverable' }
  }
}

/** True iff `signature` is a canonical signature of `digest` by `address`. */
export function verifyDigest(digest: Uint8Array, signature: Uint8Array, address: Address): boolean {
  const res = recoverSigner(digest, signature)
  return res.ok && equalBytes(res.address, address)
}
