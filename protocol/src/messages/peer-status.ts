// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * PeerStatus: "I, `author`, am in round `round` of run `run`, with these roles, computing on
 * `device` with `client`, sampling about `tokensPerSecond`, and I have published
 * `groupsPublished` groups so far". Every peer gossips one when it enters a round; dashboards
 * join the table of statuses with the agreed credit. It is informational: nothing in a round's
 * outcome or credit depends on it, and its numbers are the author's own claims.
 */
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import { MAX_PEER_CLIENT_BYTES, MAX_PEER_DEVICE_BYTES, PROTOCOL_VERSION } from '../constants.js'
import type { Eip712Message } from '../crypto/eip712.js'
import type { Address } from '../crypto/identity.js'
import { InvalidArgumentError } from '../errors.js'
import type { Role } from '../round/types.js'
import { MESSAGE_TAGS, taggedKeccak } from './tagged-hash.js'

export interface PeerStatus {
  run: Uint8Array
  round: bigint
  author: Address
  /** Bitmask of {@link PEER_ROLE_BITS}: worker 1, trainer 2, validator 4. */
  roles: number
  /** The compute device, one of PEER_DEVICES for a current peer (`cpu`, `wasm`, `webgpu`, `cuda`). */
  device: string
  /** Client software and version, e.g. `murmur-node/0.1.0`. */
  client: string
  /** Recent sampling throughput, rounded to an integer. */
  tokensPerSecond: number
  /** ScoredGroups the author has published since it started. */
  groupsPublished: number
}

/** The role bits of {@link PeerStatus.roles}; other bits are not canonical. */
export const PEER_ROLE_BITS: Readonly<Record<Role, number>> = { worker: 1, trainer: 2, validator: 4 }
const ALL_ROLE_BITS = 7

/** The roles bitmask of a role list. */
export function peerRolesMask(roles: readonly Role[]): number {
  return roles.reduce((mask, r) => mask | PEER_ROLE_BITS[r], 0)
}

/** The roles a bitmask names, in the order worker, trainer, validator. */
export function peerRolesOfMask(mask: number): Role[] {
  return (Object.keys(PEER_ROLE_BITS) as Role[]).filter((r) => (mask & PEER_ROLE_BITS[r]) !== 0)
}

const TYPE = 'PeerStatus'

/** Printable ASCII (0x20-0x7e): shown on dashboards as is, and one byte per character. */
function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c > 0x7e) return false
  }
  return true
}

export function encodePeerStatus(s: PeerStatus): Uint8Array {
  if (!Number.isInteger(s.roles) || s.roles < 0 || s.roles > ALL_ROLE_BITS)
    throw new InvalidArgumentError(`PeerStatus.roles is a bitmask of worker 1, trainer 2, validator 4; got ${s.roles}.`)
  for (const [field, value] of [
    ['device', s.device],
    ['client', s.client],
  ] as const) {
    if (typeof value !== 'string' || !isPrintableAscii(value))
      throw new InvalidArgumentError(`PeerStatus.${field} must be printable ASCII, got ${JSON.stringify(value)}.`)
  }
  if (s.device.length === 0) throw new InvalidArgumentError('PeerStatus.device must not be empty.')
  return new ByteWriter()
    .u8('version', PROTOCOL_VERSION)
    .fixed('run', s.run, 32)
    .u64('round', s.round)
    .fixed('author', s.author, 20)
    .u8('roles', s.roles)
    .string('device', s.device, MAX_PEER_DEVICE_BYTES)
    .string('client', s.client, MAX_PEER_CLIENT_BYTES)
    .u32('tokensPerSecond', s.tokensPerSecond)
    .u32('groupsPublished', s.groupsPublished)
    .finish()
}

export function decodePeerStatus(bytes: Uint8Array): PeerStatus {
  const r = new ByteReader(bytes, TYPE)
  r.range('version', 8, PROTOCOL_VERSION, PROTOCOL_VERSION)
  const run = r.fixed('run', 32)
  const round = r.u64('round')
  const author = r.fixed('author', 20)
  const roles = r.range('roles', 8, 0, ALL_ROLE_BITS)
  const ascii = (field: string, maxBytes: number, minBytes: number): string => {
    const at = r.offset
    const s = r.string(field, maxBytes)
    if (s.length < minBytes) r.fail(field, 'is empty', at)
    if (!isPrintableAscii(s)) r.fail(field, 'has a character outside printable ASCII (0x20-0x7e)', at)
    return s
  }
  const device = ascii('device', MAX_PEER_DEVICE_BYTES, 1)
  const client = ascii('client', MAX_PEER_CLIENT_BYTES, 0)
  const tokensPerSecond = r.u32('tokensPerSecond')
  const groupsPublished = r.u32('groupsPublished')
  r.end()
  return { run, round, author, roles, device, client, tokensPerSecond, groupsPublished }
}

export function hashPeerStatus(bytes: Uint8Array): Uint8Array {
  return taggedKeccak(MESSAGE_TAGS.PeerStatus, bytes)
}

export function peerStatusTypedMessage(s: PeerStatus, digest: Uint8Array): Eip712Message<'PeerStatus'> {
  return { run: s.run, round: s.round, author: s.author, digest }
}
