import { contentHash } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { MemoryBlobStore } from './blob-store.js'

describe('MemoryBlobStore', () => {
  it('keys blobs by their sha256', async () => {
    const store = new MemoryBlobStore()
    const bytes = Uint8Array.of(1, 2, 3)
    const hash = await store.put(bytes)
    expect(hash).toEqual(contentHash(bytes))
    expect(await store.has(hash)).toBe(true)
    expect(await store.get(hash)).toEqual(bytes)
    expect(await store.get(contentHash(Uint8Array.of(4)))).toBeUndefined()
  })

  it('evicts the oldest blobs past its byte bound, never the one just stored', async () => {
    const store = new MemoryBlobStore({ maxBytes: 10 })
    const first = await store.put(new Uint8Array(6).fill(1))
    const second = await store.put(new Uint8Array(6).fill(2))
    expect(await store.has(first)).toBe(false)
    expect(await store.has(second)).toBe(true)
    const big = await store.put(new Uint8Array(20).fill(3))
    expect(await store.has(big)).toBe(true)
    expect(store.sizeBytes).toBe(20)
  })
})
