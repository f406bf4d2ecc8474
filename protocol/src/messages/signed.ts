// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Signed envelope: u8 version ‖ u8 kind ‖ u32 len ‖ body ‖ 65-byte signature (r ‖ s ‖ v).
 * The signature is over the EIP-712 digest of the kind's typed message, whose `digest` field is
 * the tagged keccak256 of `body`. Receivers verify and keep the body bytes they received; they
 * never re-encode a decoded object to check it (STYLE.md §7).
 */
import { equalBytes } from '../bytes/bytes.js'
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import {
  MAX_DELTA_GROUPS,
  MAX_PEER_CLIENT_BYTES,
  MAX_PEER_DEVICE_BYTES,
  MAX_ROUND_CONTRIBUTORS,
  MAX_ROUND_DELTAS,
  MAX_ROUND_OFFENSES,
  MAX_SCORED_GROUP_BYTES,
  PROTOCOL_VERSION,
} from '../constants.js'
import { type Eip712Domain, type Eip712Message, typedDataDigest } from '../crypto/eip712.js'
import { addressFromPrivateKey } from '../crypto/identity.js'
import { SIGNATURE_BYTES, signDigest } from '../crypto/sign.js'
import { InvalidArgumentError } from '../errors.js'
import {
  type CheckpointAnnouncement,
  checkpointTypedMessage,
  decodeCheckpointAnnouncement,
  encodeCheckpointAnnouncement,
  hashCheckpointAnnouncement,
} from './checkpoint.js'
import { type Delta, decodeDelta, deltaTypedMessage, encodeDelta, hashDelta } from './delta.js'
import {
  DELTA_COMMITMENT_BYTES,
  type DeltaCommitment,
  decodeDeltaCommitment,
  deltaCommitmentTypedMessage,
  encodeDeltaCommitment,
  hashDeltaCommitment,
} from './delta-commitment.js'
import { decodePeerStatus, encodePeerStatus, hashPeerStatus, type PeerStatus, peerStatusTypedMessage } from './peer-status.js'
import { decodeRoundResult, encodeRoundResult, hashRoundResult, type RoundResult, roundResultTypedMessage } from './round-result.js'
import { decodeScoredGroup, encodeScoredGroup, hashScoredGroup, type ScoredGroup, scoredGroupTypedMessage } from './scored-group.js'

export interface SignedTypes {
  ScoredGroup: ScoredGroup
  Delta: Delta
  RoundResult: RoundResult
  CheckpointAnnouncement: CheckpointAnnouncement
  PeerStatus: PeerStatus
  DeltaCommitment: DeltaCommitment
}
export type SignedKind = keyof SignedTypes

interface Codec<K extends SignedKind> {
  tag: number
  maxBodyBytes: number
  encode(v: SignedTypes[K]): Uint8Array
  decode(b: Uint8Array): SignedTypes[K]
  hash(b: Uint8Array): Uint8Array
  typed(v: SignedTypes[K], digest: Uint8Array): Eip712Message<K>
}

/** Per kind: the envelope tag byte, body limit, codec and typed-message builder. */
export const SIGNED_CODECS: { [K in SignedKind]: Codec<K> } = {
  ScoredGroup: {
    tag: 1,
    maxBodyBytes: MAX_SCORED_GROUP_BYTES,
    encode: encodeScoredGroup,
    decode: decodeScoredGroup,
    hash: hashScoredGroup,
    typed: scoredGroupTypedMessage,
  },
  // header fields (137 bytes) + 32 per group
  Delta: {
    tag: 2,
    maxBodyBytes: 137 + 32 * MAX_DELTA_GROUPS,
    encode: encodeDelta,
    decode: decodeDelta,
    hash: hashDelta,
    typed: deltaTypedMessage,
  },
  // fixed part (153 bytes) + 32 per delta, again per screened delta (a subset) + 53 per offense + 60 per credit entry
  RoundResult: {
    tag: 3,
    maxBodyBytes: 153 + 2 * 32 * MAX_ROUND_DELTAS + 53 * MAX_ROUND_OFFENSES + 60 * MAX_ROUND_CONTRIBUTORS,
    encode: encodeRoundResult,
    decode: decodeRoundResult,
    hash: hashRoundResult,
    typed: roundResultTypedMessage,
  },
  CheckpointAnnouncement: {
    tag: 4,
    maxBodyBytes: 133,
    encode: encodeCheckpointAnnouncement,
    decode: decodeCheckpointAnnouncement,
    hash: hashCheckpointAnnouncement,
    typed: checkpointTypedMessage,
  },
  // fixed fields (70 bytes) + two length-prefixed strings (4 + ≤16, 4 + ≤40): 134
  PeerStatus: {
    tag: 5,
    maxBodyBytes: 70 + 4 + MAX_PEER_DEVICE_BYTES + 4 + MAX_PEER_CLIENT_BYTES,
    encode: encodePeerStatus,
    decode: decodePeerStatus,
    hash: hashPeerStatus,
    typed: peerStatusTypedMessage,
  },
  DeltaCommitment: {
    tag: 6,
    maxBodyBytes: DELTA_COMMITMENT_BYTES,
    encode: encodeDeltaCommitment,
    decode: decodeDeltaCommitment,
    hash: hashDeltaCommitment,
    typed: deltaCommitmentTypedMessage,
  },
}

const KINDS = Object.keys(SIGNED_CODECS) as SignedKind[]

export interface SignedMessage<K extends SignedKind = SignedKind> {
  kind: K
  body: Uint8Array
  signature: Uint8Array
}

export function encodeSignedMessage(m: SignedMessage): Uint8Array {
  const codec = SIGNED_CODECS[m.kind]
  return new ByteWriter()
    .u8('version', PROTOCOL_VERSION)
    .u8('kind', codec.tag)
    .bytes('body', m.body, codec.maxBodyBytes)
    .fixed('signature', m.signature, SIGNATURE_BYTES)
    .finish()
}

/** Splits an envelope; the body is not decoded here (see {@link openSignedMessage}). */
export function decodeSignedMessage(bytes: Uint8Array): SignedMessage {
  const r = new ByteReader(bytes, 'SignedMessage')
  r.range('version', 8, PROTOCOL_VERSION, PROTOCOL_VERSION)
  const kind = KINDS[r.range('kind', 8, 1, KINDS.length) - 1]!
  const body = r.bytesField('body', SIGNED_CODECS[kind].maxBodyBytes)
  const signature = r.fixed('signature', SIGNATURE_BYTES)
  r.end()
  return { kind, body, signature }
}

/** The EIP-712 digest that signs `body` of `kind` in `domain`, with the decoded value and its id. */
export function signingDigest<K extends SignedKind>(
  kind: K,
  body: Uint8Array,
  domain: Eip712Domain,
): { value: SignedTypes[K]; id: Uint8Array; digest: Uint8Array } {
  const codec = SIGNED_CODECS[kind] as unknown as Codec<K>
  const value = codec.decode(body)
  const id = codec.hash(body)
  return { value, id, digest: typedDataDigest(domain, kind, codec.typed(value, id)) }
}

/** Encodes `value`, signs it in `domain`; the key must be the message's `author` where it has one. */
export function signMessage<K extends SignedKind>(
  kind: K,
  value: SignedTypes[K],
  domain: Eip712Domain,
  privateKey: Uint8Array,
): SignedMessage<K> {
  const codec = SIGNED_CODECS[kind] as unknown as Codec<K>
  if ('author' in value && !equalBytes(value.author, addressFromPrivateKey(privateKey))) {
    throw new InvalidArgumentError(`${kind}.author is not the signing key's address.`)
  }
  const body = codec.encode(value)
  const { digest } = signingDigest(kind, body, domain)
  return { kind, body, signature: signDigest(digest, privateKey) }
}
