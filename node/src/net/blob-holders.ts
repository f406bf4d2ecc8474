/**
 * Announce-by-hash: an accepted signed header on gossip says who holds which blob. A Delta
 * announces its payload (`payloadHash`, sha256 of the payload bytes); a CheckpointAnnouncement
 * announces the checkpoint (`policyHash`, sha256 of the checkpoint bytes). The publisher of an
 * accepted header is recorded as a holder; fetchers try holders in the order they announced.
 */
import type { PeerId } from '@libp2p/interface'
import { decodeCheckpointAnnouncement, decodeDelta, type SignedMessage, toHex } from '@murmur/protocol'

/** The blob a signed header announces, if its kind announces one. Never throws on a peer's bytes. */
export function announcedBlob(envelope: SignedMessage): { hash: Uint8Array; sizeBytes: number } | undefined {
  try {
    if (envelope.kind === 'Delta') {
      const d = decodeDelta(envelope.body)
      return { hash: d.payloadHash, sizeBytes: d.payloadSizeBytes }
    }
    if (envelope.kind === 'CheckpointAnnouncement') {
      const c = decodeCheckpointAnnouncement(envelope.body)
      return { hash: c.policyHash, sizeBytes: Number(c.sizeBytes) }
    }
  } catch {
    return undefined
  }
  return undefined
}

/** Who announced which blob hash, bounded to the most recent `maxBlobs` hashes. */
export class BlobHolders {
  private readonly byHash = new Map<string, PeerId[]>()
  private readonly maxBlobs: number
  private readonly maxHoldersPerBlob: number

  constructor(init: { maxBlobs?: number; maxHoldersPerBlob?: number } = {}) {
    this.maxBlobs = init.maxBlobs ?? 4096
    this.maxHoldersPerBlob = init.maxHoldersPerBlob ?? 64
  }

  add(hash: Uint8Array, peer: PeerId): void {
    const key = toHex(hash)
    let list = this.byHash.get(key)
    if (!list) {
      if (this.byHash.size >= this.maxBlobs) {
        const oldest = this.byHash.keys().next().value
        if (oldest !== undefined) this.byHash.delete(oldest)
      }
      list = []
      this.byHash.set(key, list)
    }
    if (list.length < this.maxHoldersPerBlob && !list.some((p) => p.equals(peer))) list.push(peer)
  }

  /** Holders of `hash` in announcement order (a copy). */
  get(hash: Uint8Array): PeerId[] {
    return [...(this.byHash.get(toHex(hash)) ?? [])]
  }
}
