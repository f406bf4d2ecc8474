// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * One secp256k1 key per peer (STYLE.md §13.2). From the 32-byte private key:
 *
 * - public key: compressed SEC1, 33 bytes (uncompressed, 65 bytes, for the address);
 * - Ethereum address: the last 20 bytes of keccak256(uncompressed public key without its 0x04);
 * - libp2p PeerId: the identity multihash of the protobuf `PublicKey { Type: Secp256k1 (2),
 *   Data: compressed key }`, i.e. 0x00 0x25 ‖ 0x08 0x02 0x12 0x21 ‖ key33 (39 bytes), printed
 *   in base58btc ("16Uiu2…"). This is what @libp2p/peer-id produces for a secp256k1 key.
 *
 * So the PeerId carries the public key, and the ledger address follows from any PeerId.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { equalBytes } from '../bytes/bytes.js'
import { InvalidArgumentError } from '../errors.js'
import { base58Decode, base58Encode } from './base58.js'

/** A 20-byte Ethereum address. */
export type Address = Uint8Array

/** Protobuf and multihash prefix of a secp256k1 PeerId: identity multihash (0x00) of 37 bytes
 * (0x25) holding field 1 varint 2 (KeyType.Secp256k1) and field 2 length 33. */
const PEER_ID_PREFIX = Uint8Array.of(0x00, 0x25, 0x08, 0x02, 0x12, 0x21)
export const PEER_ID_BYTES = PEER_ID_PREFIX.length + 33

function assertPrivateKey(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32 || !secp256k1.utils.isValidSecretKey(privateKey)) {
    throw new InvalidArgumentError('A private key must be 32 bytes encoding a scalar in [1, n) of secp256k1.')
  }
}

/** Compressed (33-byte) public key of a private key. */
export function publicKeyFromPrivateKey(privateKey: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey)
  return secp256k1.getPublicKey(privateKey, true)
}

/** Ethereum address of a compressed (33) or uncompressed (65) public key. */
export function addressFromPublicKey(publicKey: Uint8Array): Address {
  let point: ReturnType<typeof secp256k1.Point.fromBytes>
  try {
    point = secp256k1.Point.fromBytes(publicKey)
  } catch (err) {
    throw new InvalidArgumentError('Not a secp256k1 public key.', { length: publicKey.length }, { cause: err })
  }
  return keccak_256(point.toBytes(false).subarray(1)).slice(12)
}

export function addressFromPrivateKey(privateKey: Uint8Array): Address {
  return addressFromPublicKey(publicKeyFromPrivateKey(privateKey))
}

/** libp2p PeerId bytes (identity multihash of the protobuf secp256k1 PublicKey). */
export function peerIdFromPublicKey(publicKey: Uint8Array): Uint8Array {
  let compressed: Uint8Array
  try {
    compressed = secp256k1.Point.fromBytes(publicKey).toBytes(true)
  } catch (err) {
    throw new InvalidArgumentError('Not a secp256k1 public key.', { length: publicKey.length }, { cause: err })
  }
  const out = new Uint8Array(PEER_ID_BYTES)
  out.set(PEER_ID_PREFIX)
  out.set(compressed, PEER_ID_PREFIX.length)
  return out
}

/** The compressed public key inside secp256k1 PeerId bytes; anything else is rejected. */
export function publicKeyFromPeerId(peerId: Uint8Array): Uint8Array {
  if (
    !(peerId instanceof Uint8Array) ||
    peerId.length !== PEER_ID_BYTES ||
    !equalBytes(peerId.subarray(0, PEER_ID_PREFIX.length), PEER_ID_PREFIX)
  ) {
    throw new InvalidArgumentError('Not a secp256k1 PeerId: expected 0x0025080212 21 followed by a 33-byte compressed key.')
  }
  const key = peerId.slice(PEER_ID_PREFIX.length)
  try {
    secp256k1.Point.fromBytes(key)
  } catch (err) {
    throw new InvalidArgumentError('The PeerId holds bytes that are not a secp256k1 point.', {}, { cause: err })
  }
  return key
}

export function addressFromPeerId(peerId: Uint8Array): Address {
  return addressFromPublicKey(publicKeyFromPeerId(peerId))
}

/** The PeerId's usual text form (base58btc of its multihash, "16Uiu2…"). */
export function peerIdToString(peerId: Uint8Array): string {
  publicKeyFromPeerId(peerId)
  return base58Encode(peerId)
}

export function peerIdFromString(text: string): Uint8Array {
  const bytes = base58Decode(text)
  publicKeyFromPeerId(bytes)
  return bytes
}

/** EIP-55 mixed-case checksummed `0x` address. */
export function toChecksumAddress(address: Address): `0x${string}` {
  if (!(address instanceof Uint8Array) || address.length !== 20) throw new InvalidArgumentError('An address must be 20 bytes.')
  let lower = ''
  for (const b of address) lower += b.toString(16).padStart(2, '0')
  const hash = keccak_256(new TextEncoder().encode(lower))
  let out = '0x'
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf
    out += nibble >= 8 ? lower[i]!.toUpperCase() : lower[i]!
  }
  return out as `0x${string}`
}

/** Parses a `0x` address; a mixed-case one must carry a valid EIP-55 checksum. */
export function parseAddress(text: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) throw new InvalidArgumentError(`"${text.slice(0, 80)}" is not a 0x-prefixed 20-byte address.`)
  const bytes = new Uint8Array(20)
  for (let i = 0; i < 20; i++) bytes[i] = Number.parseInt(text.slice(2 + 2 * i, 4 + 2 * i), 16)
  const body = text.slice(2)
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase()
  if (mixed && toChecksumAddress(bytes) !== text) throw new InvalidArgumentError(`Address ${text} has a bad EIP-55 checksum.`)
  return bytes
}
