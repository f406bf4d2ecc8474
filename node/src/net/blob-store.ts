/**
 * Where a peer keeps content-addressed blobs (delta payloads, checkpoints) it serves over
 * /murmur/blob/1. The key is always sha256 of the bytes; a disk store implements the same
 * interface later.
 */
import { contentHash, toHex } from '@murmur/protocol'

export interface BlobStore {
  /** The bytes whose sha256 is `hash`, or undefined. */
  get(hash: Uint8Array): Promise<Uint8Array | undefined>
  has(hash: Uint8Array): Promise<boolean>
  /** Stores `bytes` under their sha256 and returns it. */
  put(bytes: Uint8Array): Promise<Uint8Array>
  /**
   * Stores `bytes` under another 32-byte key: a signed message under its message id, so a peer
   * that missed it on gossip can fetch it (the fetcher checks the id, not a sha256).
   */
  putAs(key: Uint8Array, bytes: Uint8Array): Promise<void>
}

/** An in-memory BlobStore (tests, in-process swarms), optionally bounded in bytes (oldest first out). */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Uint8Array>()
  private readonly maxBytes: number
  private bytes = 0

  constructor(init: { maxBytes?: number } = {}) {
    this.maxBytes = init.maxBytes ?? Number.POSITIVE_INFINITY
  }

  async get(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.blobs.get(toHex(hash))
  }

  async has(hash: Uint8Array): Promise<boolean> {
    return this.blobs.has(toHex(hash))
  }

  async put(bytes: Uint8Array): Promise<Uint8Array> {
    const hash = contentHash(bytes)
    await this.putAs(hash, bytes)
    return hash
  }

  async putAs(keyBytes: Uint8Array, bytes: Uint8Array): Promise<void> {
    const key = toHex(keyBytes)
    if (this.blobs.has(key)) return
    this.blobs.set(key, bytes)
    this.bytes += bytes.length
    for (const [k, v] of this.blobs) {
      if (this.bytes <= this.maxBytes || k === key) break
      this.blobs.delete(k)
      this.bytes -= v.length
    }
  }

  get sizeBytes(): number {
    return this.bytes
  }
}
