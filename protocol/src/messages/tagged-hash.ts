// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/** Domain-separated message hashing: keccak256(u32le(len(tag)) ‖ tag ‖ bytes). */
import { concatBytes, lengthPrefixedTag } from '../bytes/bytes.js'
import { keccak256 } from '../crypto/hash.js'

/** Hash tags, one per message type; the `/v1` is the message layout version. */
export const MESSAGE_TAGS = {
  RunManifest: 'murmur/run-manifest/v1',
  ScoredGroup: 'murmur/scored-group/v1',
  Delta: 'murmur/delta/v1',
  RoundResult: 'murmur/round-result/v1',
  CheckpointAnnouncement: 'murmur/checkpoint/v1',
  PeerStatus: 'murmur/peer-status/v1',
  DeltaCommitment: 'murmur/delta-commitment/v1',
} as const

export function taggedKeccak(tag: string, bytes: Uint8Array): Uint8Array {
  return keccak256(concatBytes(lengthPrefixedTag(tag), bytes))
}
