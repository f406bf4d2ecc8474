import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'

/** sha256 of bulk content (tensors, checkpoints, ONNX graphs). DESIGN.md §4. */
export function contentHash(bytes: Uint8Array): Uint8Array {
  return sha256(bytes)
}

/** keccak256, for everything the ledger contract checks. DESIGN.md §4. */
export function keccak256(bytes: Uint8Array): Uint8Array {
  return keccak_256(bytes)
}

/** Lower-case hex without a prefix. */
export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}
