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
    const key = toHex(hash)
    if (this.blobs.has(key)) return hash
    this.blobs.set(key, bytes)
    this.bytes += bytes.length
    for (const [k, v] of this.blobs) {
      if (this.bytes <= this.maxBytes || k === key) break
      this.blobs.delete(k)
      this.bytes -= v.length
    }
    return hash
  }

  get sizeBytes(): number {
    return this.bytes
  }
}
