// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * DeltaCommitment: "I, `author`, will reveal the Delta whose id (hashDelta of its header body)
 * is `delta` in round `round`". The commit half of the commit–reveal step that binds a delta to
 * the trainer who computed it (PROTOCOL.md, "Commit and reveal"). A trainer gossips it before
 * the commitments deadline and the header after it; the id hides the payload hash, so a copier
 * cannot commit to another trainer's delta before the header is public, which is too late.
 */
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import { PROTOCOL_VERSION } from '../constants.js'
import type { Eip712Message } from '../crypto/eip712.js'
import type { Address } from '../crypto/identity.js'
import { MESSAGE_TAGS, taggedKeccak } from './tagged-hash.js'

export interface DeltaCommitment {
  run: Uint8Array
  round: bigint
  author: Address
  /** The committed Delta's id: hashDelta of its encoded header (which names `author`). */
  delta: Uint8Array
}

/** u8 version ‖ run ‖ u64 round ‖ author ‖ delta. */
export const DELTA_COMMITMENT_BYTES = 1 + 32 + 8 + 20 + 32

const TYPE = 'DeltaCommitment'

export function encodeDeltaCommitment(c: DeltaCommitment): Uint8Array {
  return new ByteWriter()
    .u8('version', PROTOCOL_VERSION)
    .fixed('run', c.run, 32)
    .u64('round', c.round)
    .fixed('author', c.author, 20)
    .fixed('delta', c.delta, 32)
    .finish()
}

export function decodeDeltaCommitment(bytes: Uint8Array): DeltaCommitment {
  const r = new ByteReader(bytes, TYPE)
  r.range('version', 8, PROTOCOL_VERSION, PROTOCOL_VERSION)
  const run = r.fixed('run', 32)
  const round = r.u64('round')
  const author = r.fixed('author', 20)
  const delta = r.fixed('delta', 32)
  r.end()
  return { run, round, author, delta }
}

export function hashDeltaCommitment(bytes: Uint8Array): Uint8Array {
  return taggedKeccak(MESSAGE_TAGS.DeltaCommitment, bytes)
}

export function deltaCommitmentTypedMessage(c: DeltaCommitment, digest: Uint8Array): Eip712Message<'DeltaCommitment'> {
  return { run: c.run, round: c.round, author: c.author, delta: c.delta, digest }
}
