// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Delta header: a trainer's signed claim "this compressed update, computed on θ_round from
 * these groups, has this hash, size and norm" (DESIGN.md §3 step 3). It is gossiped; the payload
 * (delta-payload.ts) travels separately and is fetched by `payloadHash` (sha256).
 */
import { compareBytes } from '../bytes/bytes.js'
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import { MAX_DELTA_GROUPS, MAX_DELTA_PAYLOAD_BYTES, PROTOCOL_VERSION } from '../constants.js'
import type { Eip712Message } from '../crypto/eip712.js'
import type { Address } from '../crypto/identity.js'
import { InvalidArgumentError } from '../errors.js'
import { MESSAGE_TAGS, taggedKeccak } from './tagged-hash.js'

export interface Delta {
  run: Uint8Array
  round: bigint
  author: Address
  /** h_round: the policy the delta was computed on. */
  basePolicyHash: Uint8Array
  /** sha256 of the encoded payload. */
  payloadHash: Uint8Array
  payloadSizeBytes: number
  /** L2 norm of the decoded payload, as {@link deltaPayloadNorm} computes it. */
  norm: number
  /** ScoredGroup ids (hashScoredGroup) trained on, strictly ascending. */
  groups: Uint8Array[]
}

const TYPE = 'Delta'

export function encodeDelta(d: Delta): Uint8Array {
  if (d.groups.length < 1 || d.groups.length > MAX_DELTA_GROUPS)
    throw new InvalidArgumentError(`A Delta references 1..${MAX_DELTA_GROUPS} groups, got ${d.groups.length}.`)
  for (let i = 1; i < d.groups.length; i++) {
    if (compareBytes(d.groups[i - 1]!, d.groups[i]!) >= 0)
      throw new InvalidArgumentError('Delta.groups must be strictly ascending (sorted, no duplicates).')
  }
  if (d.payloadSizeBytes > MAX_DELTA_PAYLOAD_BYTES)
    throw new InvalidArgumentError(
      `Delta.payloadSizeBytes ${d.payloadSizeBytes} exceeds ${MAX_DELTA_PAYLOAD_BYTES} (MAX_DELTA_PAYLOAD_BYTES).`,
    )
  if (!(d.norm >= 0)) throw new InvalidArgumentError(`Delta.norm must be ≥ 0, got ${d.norm}.`)
  const w = new ByteWriter()
    .u8('version', PROTOCOL_VERSION)
    .fixed('run', d.run, 32)
    .u64('round', d.round)
    .fixed('author', d.author, 20)
    .fixed('basePolicyHash', d.basePolicyHash, 32)
    .fixed('payloadHash', d.payloadHash, 32)
    .u32('payloadSizeBytes', d.payloadSizeBytes)
    .f32('norm', d.norm)
    .u32('groups', d.groups.length)
  for (const [i, g] of d.groups.entries()) w.fixed(`groups[${i}]`, g, 32)
  return w.finish()
}

export function decodeDelta(bytes: Uint8Array): Delta {
  const r = new ByteReader(bytes, TYPE)
  r.range('version', 8, PROTOCOL_VERSION, PROTOCOL_VERSION)
  const run = r.fixed('run', 32)
  const round = r.u64('round')
  const author = r.fixed('author', 20)
  const basePolicyHash = r.fixed('basePolicyHash', 32)
  const payloadHash = r.fixed('payloadHash', 32)
  const payloadSizeBytes = r.range('payloadSizeBytes', 32, 0, MAX_DELTA_PAYLOAD_BYTES)
  const normAt = r.offset
  const norm = r.f32('norm')
  if (norm < 0) r.fail('norm', `is ${norm}; a norm is ≥ 0`, normAt)
  const n = r.count('groups', 1, MAX_DELTA_GROUPS, 32)
  const groups: Uint8Array[] = []
  for (let i = 0; i < n; i++) {
    const at = r.offset
    const g = r.fixed(`groups[${i}]`, 32)
    if (i > 0 && compareBytes(groups[i - 1]!, g) >= 0) r.fail(`groups[${i}]`, 'is not strictly above the previous group id', at)
    groups.push(g)
  }
  r.end()
  return { run, round, author, basePolicyHash, payloadHash, payloadSizeBytes, norm, groups }
}

export function hashDelta(bytes: Uint8Array): Uint8Array {
  return taggedKeccak(MESSAGE_TAGS.Delta, bytes)
}

export function deltaTypedMessage(d: Delta, digest: Uint8Array): Eip712Message<'Delta'> {
  return { run: d.run, round: d.round, author: d.author, basePolicyHash: d.basePolicyHash, payloadHash: d.payloadHash, digest }
}
