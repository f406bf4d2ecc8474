// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * CheckpointAnnouncement: "I hold θ_round, whose sha256 is `policyHash`, `sizeBytes` long,
 * produced by the RoundResult hashing to `roundResultHash`" (all zero for genesis). Late joiners
 * fetch the bytes by hash from any announcer and check the hash against the ledger
 * (DESIGN.md §3 step 6).
 */
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import { PROTOCOL_VERSION } from '../constants.js'
import type { Eip712Message } from '../crypto/eip712.js'
import type { Address } from '../crypto/identity.js'
import { MESSAGE_TAGS, taggedKeccak } from './tagged-hash.js'

export interface CheckpointAnnouncement {
  run: Uint8Array
  round: bigint
  author: Address
  policyHash: Uint8Array
  sizeBytes: bigint
  roundResultHash: Uint8Array
}

const TYPE = 'CheckpointAnnouncement'

export function encodeCheckpointAnnouncement(c: CheckpointAnnouncement): Uint8Array {
  return new ByteWriter()
    .u8('version', PROTOCOL_VERSION)
    .fixed('run', c.run, 32)
    .u64('round', c.round)
    .fixed('author', c.author, 20)
    .fixed('policyHash', c.policyHash, 32)
    .u64('sizeBytes', c.sizeBytes)
    .fixed('roundResultHash', c.roundResultHash, 32)
    .finish()
}

export function decodeCheckpointAnnouncement(bytes: Uint8Array): CheckpointAnnouncement {
  const r = new ByteReader(bytes, TYPE)
  r.range('version', 8, PROTOCOL_VERSION, PROTOCOL_VERSION)
  const c = {
    run: r.fixed('run', 32),
    round: r.u64('round'),
    author: r.fixed('author', 20),
    policyHash: r.fixed('policyHash', 32),
    sizeBytes: r.u64('sizeBytes'),
    roundResultHash: r.fixed('roundResultHash', 32),
  }
  r.end()
  return c
}

export function hashCheckpointAnnouncement(bytes: Uint8Array): Uint8Array {
  return taggedKeccak(MESSAGE_TAGS.CheckpointAnnouncement, bytes)
}

export function checkpointTypedMessage(c: CheckpointAnnouncement, digest: Uint8Array): Eip712Message<'CheckpointAnnouncement'> {
  return { run: c.run, round: c.round, author: c.author, policyHash: c.policyHash, digest }
}
