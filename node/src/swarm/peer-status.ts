/**
 * The swarm's peer table: every peer signs a PeerStatus (roles, device, client, recent sampling
 * throughput, groups published) when it enters a round and gossips it on the run's `status`
 * topic; each peer keeps the latest status per author for its dashboard (`murmur up`'s page, the
 * browser peer). Statuses are claims, never credit: the credit shown beside them comes from the
 * agreed RoundResults.
 *
 * Receiving: the protocol verdict runs first (signature, run, round window, device). A status of
 * a round outside this peer's window, a repeat from an author for a round already held, or any
 * status while this peer has no round yet is ignored without a penalty (honest peers drift and
 * re-publish); a malformed or forged one, or one whose author is not its publisher, is rejected.
 */
import type { PeerId } from '@libp2p/interface'
import {
  addressFromPeerId,
  type Eip712Domain,
  encodeSignedMessage,
  equalBytes,
  fromHex,
  PEER_STATUS_ROUNDS_BEHIND,
  type PeerStatus,
  peerRolesMask,
  peerRolesOfMask,
  type Role,
  type SignedMessage,
  signMessage,
  toHex0x,
  verifyPeerStatus,
} from '@murmur/protocol'
import type { GossipVerdict } from '../net/gossip-service.js'

/**
 * The client string of a Node peer. Kept as a literal because this module also runs in the
 * browser bundle (no package.json at runtime); a test pins it to node/package.json's version.
 */
export const NODE_CLIENT = 'murmur-node/0.1.0'

/** Authors a table holds at most; statuses of new authors beyond it are ignored. */
const MAX_PEERS = 4096

/** Closed rounds the throughput average spans. */
const THROUGHPUT_ROUNDS = 4

/** One row of the peer table, as dashboards show it. */
export interface PeerStatusRow {
  /** Lowercase `0x` address. */
  address: `0x${string}`
  roles: Role[]
  device: string
  client: string
  tokensPerSecond: number
  groupsPublished: number
  /** The round the author published it in. */
  round: number
}

export interface PeerStatusBoardInit {
  privateKey: Uint8Array
  domain: Eip712Domain
  roles: readonly Role[]
  device: string
  client: string
}

/** This peer's own status and the latest status of every other author it heard from. */
export class PeerStatusBoard {
  private readonly init: PeerStatusBoardInit
  private readonly self: `0x${string}`
  private readonly latest = new Map<`0x${string}`, PeerStatus>()
  private readonly recent: { tokens: number; seconds: number }[] = []

  constructor(self: `0x${string}`, init: PeerStatusBoardInit) {
    this.self = self.toLowerCase() as `0x${string}`
    this.init = init
  }

  /** Records a closed round's sampling (tokens and busy seconds) for the throughput average. */
  noteRound(sampledTokens: number, computeSeconds: number): void {
    this.recent.push({ tokens: sampledTokens, seconds: computeSeconds })
    if (this.recent.length > THROUGHPUT_ROUNDS) this.recent.shift()
  }

  /** Tokens per busy second over the last few closed rounds (0 before any sampling). */
  tokensPerSecond(): number {
    const tokens = this.recent.reduce((n, r) => n + r.tokens, 0)
    const seconds = this.recent.reduce((n, r) => n + r.seconds, 0)
    return seconds > 0 ? tokens / seconds : 0
  }

  /** Signs this peer's status for `round`, holds it, drops statuses too old to matter; the envelope bytes to gossip. */
  publish(round: bigint, groupsPublished: number): Uint8Array {
    const status: PeerStatus = {
      run: this.init.domain.salt,
      round,
      author: fromHex(this.self),
      roles: peerRolesMask(this.init.roles),
      device: this.init.device,
      client: this.init.client,
      tokensPerSecond: u32(this.tokensPerSecond()),
      groupsPublished: u32(groupsPublished),
    }
    const bytes = encodeSignedMessage(signMessage('PeerStatus', status, this.init.domain, this.init.privateKey))
    this.latest.set(this.self, status)
    for (const [author, s] of this.latest) if (s.round + PEER_STATUS_ROUNDS_BEHIND < round) this.latest.delete(author)
    return bytes
  }

  /** The gossip verdict on a status from `from`, holding it when accepted; `round` is this peer's (null before it has one). */
  receive(signed: SignedMessage, from: PeerId, round: bigint | null): GossipVerdict {
    if (round === null) return { ok: 'ignore', detail: 'this peer has not joined a round yet' }
    const v = verifyPeerStatus({ message: signed, expected: { domain: this.init.domain, round } })
    if (!v.ok) return v.reason === 'wrong-round' ? { ok: 'ignore', detail: v.detail } : v
    if (!publisherIs(from, v.status.author)) return { ok: false, reason: 'wrong-signer', detail: 'the status author is not its publisher' }
    const author = toHex0x(v.status.author).toLowerCase() as `0x${string}`
    const held = this.latest.get(author)
    if (held && held.round >= v.status.round) return { ok: 'ignore', detail: `already holding ${author}'s status of round ${held.round}` }
    if (!held && this.latest.size >= MAX_PEERS) return { ok: 'ignore', detail: `the peer table is full (${MAX_PEERS})` }
    this.latest.set(author, v.status)
    return { ok: true }
  }

  /** The table, this peer included, by address. */
  rows(): PeerStatusRow[] {
    return [...this.latest.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([address, s]) => ({
        address,
        roles: peerRolesOfMask(s.roles),
        device: s.device,
        client: s.client,
        tokensPerSecond: s.tokensPerSecond,
        groupsPublished: s.groupsPublished,
        round: Number(s.round),
      }))
  }
}

/** A non-negative integer clamped into u32 (claims, not consensus: rounding is the author's). */
function u32(x: number): number {
  return Number.isFinite(x) && x > 0 ? Math.min(0xffff_ffff, Math.round(x)) : 0
}

function publisherIs(from: PeerId, author: Uint8Array): boolean {
  try {
    return equalBytes(addressFromPeerId(from.toMultihash().bytes), author)
  } catch {
    return false
  }
}
