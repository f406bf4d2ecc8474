/**
 * Bulk bytes over /murmur/blob/1 on a loopback TCP swarm: announce by hash on gossip (a signed
 * CheckpointAnnouncement), fetch several MiB from holders, verify against the hash, skip a
 * holder that corrupts bytes or never answers.
 */
import { BLOB_PROTOCOL, type BlobStore, isBlobUnavailable, MemoryBlobStore, type MurmurHost } from '@murmur/node'
import { contentHash, deriveSeed, encodeSignedMessage, equalBytes, signMessage } from '@murmur/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { awaitMesh, collect, connect, domain, peerKey, RUN_ID, startPeer, waitFor } from '../helpers/net-peers.js'

const hosts: MurmurHost[] = []
async function peer(label: string, over: Parameters<typeof startPeer>[1] = {}) {
  const h = await startPeer(label, over)
  hosts.push(h)
  return h
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
})

/** `sizeBytes` of deterministic pseudo-random bytes (xorshift32 seeded from the label). */
function blob(label: string, sizeBytes: number): Uint8Array {
  const seed = deriveSeed('murmur/test/net/blob', label)
  let x = (seed[0]! | (seed[1]! << 8) | (seed[2]! << 16) | (seed[3]! << 24)) >>> 0 || 1
  const words = new Uint32Array(Math.ceil(sizeBytes / 4))
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    words[i] = x
  }
  return new Uint8Array(words.buffer, 0, sizeBytes)
}

/** A store that holds the real bytes but serves them with one bit flipped. */
function corruptingStore(inner: BlobStore): BlobStore {
  return {
    get: async (hash) => {
      const bytes = await inner.get(hash)
      if (!bytes) return undefined
      const bad = bytes.slice()
      const at = bad.length >> 1
      bad[at] = bad[at]! ^ 1
      return bad
    },
    has: (hash) => inner.has(hash),
    put: (bytes) => inner.put(bytes),
    putAs: (key, bytes) => inner.putAs(key, bytes),
  }
}

const MiB = 1024 * 1024

describe('/murmur/blob/1 on a loopback swarm', () => {
  it('fetches multi-MiB blobs announced on gossip from several holders and verifies them', async () => {
    const [a, b, c, d] = [await peer('a'), await peer('b'), await peer('c'), await peer('d')]
    for (const h of [b, c, d]) await connect(a, h)
    const inbox = collect(a, 'checkpoints')
    for (const h of [b, c, d]) collect(h, 'checkpoints')
    await awaitMesh(
      [
        [a, b],
        [a, c],
        [a, d],
      ],
      'checkpoints',
    )

    const one = blob('one', 6 * MiB)
    const two = blob('two', 3 * MiB + 17)
    await b.blobs.store.put(one)
    await c.blobs.store.put(one)
    await c.blobs.store.put(two)
    await d.blobs.store.put(two)
    // each holder announces what it holds with a signed header carrying the blob's sha256
    const announce = (h: MurmurHost, label: string, bytes: Uint8Array, round: bigint) =>
      h.gossip.publish(
        'checkpoints',
        encodeSignedMessage(
          signMessage(
            'CheckpointAnnouncement',
            {
              run: RUN_ID,
              round,
              author: h.address,
              policyHash: contentHash(bytes),
              sizeBytes: BigInt(bytes.length),
              roundResultHash: new Uint8Array(32),
            },
            domain,
            peerKey(label),
          ),
        ),
      )
    await announce(b, 'b', one, 1n)
    await announce(c, 'c', one, 1n)
    await announce(c, 'c', two, 2n)
    await announce(d, 'd', two, 2n)
    await inbox.next(4)
    expect(a.blobHolders.get(contentHash(one)).map(String).sort()).toEqual([b.peerId, c.peerId].map(String).sort())
    expect(a.blobHolders.get(contentHash(two)).map(String).sort()).toEqual([c.peerId, d.peerId].map(String).sort())

    const [gotOne, gotTwo] = await Promise.all([
      a.blobs.fetch(contentHash(one), a.blobHolders.get(contentHash(one)), { maxBytes: one.length }),
      a.blobs.fetch(contentHash(two), a.blobHolders.get(contentHash(two)), { maxBytes: two.length }),
    ])
    expect(equalBytes(gotOne, one)).toBe(true)
    expect(equalBytes(gotTwo, two)).toBe(true)
    // a now holds both and serves them too
    expect(await a.blobs.store.has(contentHash(one))).toBe(true)
    const served = [b, c, d].reduce((n, h) => n + h.blobs.stats().bytes, 0)
    expect(served).toBe(one.length + two.length)
  })

  it('rejects a holder that serves corrupted bytes, penalises it and gets the blob from the next', async () => {
    const honestStore = new MemoryBlobStore()
    const liarStore = new MemoryBlobStore()
    const [a, liar, honest] = [
      await peer('a'),
      await peer('liar', { blobStore: corruptingStore(liarStore) }),
      await peer('honest', { blobStore: honestStore }),
    ]
    await connect(a, liar)
    await connect(a, honest)
    const bytes = blob('corrupted', 4 * MiB)
    await liarStore.put(bytes)
    await honestStore.put(bytes)

    const got = await a.blobs.fetch(contentHash(bytes), [liar.peerId, honest.peerId])
    expect(equalBytes(got, bytes)).toBe(true)
    expect(honest.blobs.stats().requests).toBe(1)
    expect(liar.blobs.stats().requests).toBe(1)
    await waitFor("the liar's score at a to fall below zero", () => a.gossip.score(liar.peerId) < 0)
    expect(a.gossip.score(honest.peerId)).toBeGreaterThanOrEqual(0)
  })

  it('times out on a holder that never answers and tries another; says which holders failed when none delivers', async () => {
    const [a, silent, honest, empty] = [
      await peer('a', { blobs: { requestTimeoutMs: 3000 } }),
      await peer('silent'),
      await peer('honest'),
      await peer('empty'),
    ]
    // a holder that accepts the stream and never writes a byte
    await silent.libp2p.unhandle(BLOB_PROTOCOL)
    await silent.libp2p.handle(BLOB_PROTOCOL, () => undefined)
    for (const h of [silent, honest, empty]) await connect(a, h)
    const bytes = blob('slow', 2 * MiB)
    await honest.blobs.store.put(bytes)

    const got = await a.blobs.fetch(contentHash(bytes), [silent.peerId, honest.peerId])
    expect(equalBytes(got, bytes)).toBe(true)

    const missing = blob('missing', 1024)
    const err = await a.blobs.fetch(contentHash(missing), [silent.peerId, empty.peerId]).catch((e: unknown) => e)
    expect(isBlobUnavailable(err)).toBe(true)
    if (!isBlobUnavailable(err)) return
    expect(err.attempts.map((t) => [t.peer === silent.peerId.toString() ? 'silent' : 'empty', t.reason])).toEqual([
      ['silent', 'timeout'],
      ['empty', 'not-found'],
    ])
    expect(err.message).toMatch(
      /^No holder delivered blob 0x[0-9a-f]{64} \(2 tried\): 16Uiu2\w+: timeout \(no complete answer within 3000 ms\); 16Uiu2\w+: not-found/,
    )
    await expect(a.blobs.fetch(contentHash(missing), [])).rejects.toThrowErrorMatchingInlineSnapshot(
      `[BlobUnavailableError: No holder is known for blob 0x4fc3d7270b7ef5c8ac2e4ca3436065929ed8c96363985a246d8ca429eb15b0c9; wait for an announcement (Delta or CheckpointAnnouncement) and retry.]`,
    )
  })
})
