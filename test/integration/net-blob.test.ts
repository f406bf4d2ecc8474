/**
 * Bulk bytes over /murmur/blob/1 on a loopback TCP swarm: announce by hash on gossip (a signed
 * CheckpointAnnouncement), fetch several MiB from holders, verify against the hash, skip a
 * holder that corrupts bytes or never answers.
 */
import { BLOB_PIECE_BYTES, BLOB_PROTOCOL, type BlobStore, isBlobUnavailable, MemoryBlobStore, type MurmurHost } from '@murmur/node'
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

/** A store that holds the real bytes but serves them with one bit flipped (in the middle, or in every `every` bytes). */
function corruptingStore(inner: BlobStore, every?: number): BlobStore {
  return {
    get: async (hash) => {
      const bytes = await inner.get(hash)
      if (!bytes) return undefined
      const bad = bytes.slice()
      for (let at = every === undefined ? bad.length >> 1 : 7; at < bad.length; at += every ?? bad.length) bad[at] = bad[at]! ^ 1
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
    // the attack suite's slow holder reads the request and never answers; a fetch's own timeout
    // (a round's delta gets a third of a round) passes it over sooner than the service's
    const stalling = await peer('stalling', { blobs: { stallServing: true } })
    await connect(a, stalling)
    await stalling.blobs.store.put(missing)
    const quick = await a.blobs.fetch(contentHash(missing), [stalling.peerId, empty.peerId], { timeoutMs: 400 }).catch((e: unknown) => e)
    expect(isBlobUnavailable(quick) && quick.attempts.map((t) => t.reason)).toEqual(['timeout', 'not-found'])
    expect((quick as Error).message).toMatch(/16Uiu2\w+: timeout \(no complete answer within 400 ms\)/)
    await honest.blobs.store.put(missing)
    expect(equalBytes(await a.blobs.fetch(contentHash(missing), [stalling.peerId, honest.peerId], { timeoutMs: 400 }), missing)).toBe(true)
  })

  it('fetches a big blob in pieces from several holders at once, each serving a share', async () => {
    const [a, b, c, d] = [await peer('a'), await peer('b'), await peer('c'), await peer('d')]
    for (const h of [b, c, d]) await connect(a, h)
    const bytes = blob('pieces', 9 * MiB + 5)
    for (const h of [b, c, d]) await h.blobs.store.put(bytes)
    const got = await a.blobs.fetch(contentHash(bytes), [b.peerId, c.peerId, d.peerId], { maxBytes: bytes.length, sizeBytes: bytes.length })
    expect(equalBytes(got, bytes)).toBe(true)
    const pieces = Math.ceil(bytes.length / BLOB_PIECE_BYTES)
    expect(a.blobs.fetchStats().pieces).toBe(pieces)
    const served = [b, c, d].map((h) => h.blobs.stats())
    expect(served.reduce((n, s) => n + s.requests, 0)).toBe(pieces)
    expect(served.reduce((n, s) => n + s.bytes, 0)).toBe(bytes.length)
    // every holder took part: no single one carried the whole blob
    for (const s of served) expect(s.requests).toBeGreaterThan(0)
  })

  it('gives the pieces of a holder that fails to the others', async () => {
    const [a, b, c, gone] = [await peer('a'), await peer('b'), await peer('c'), await peer('gone')]
    for (const h of [b, c, gone]) await connect(a, h)
    const bytes = blob('failover', 6 * MiB)
    await b.blobs.store.put(bytes)
    await c.blobs.store.put(bytes)
    // `gone` was announced as a holder but no longer has the blob
    const got = await a.blobs.fetch(contentHash(bytes), [gone.peerId, b.peerId, c.peerId], { sizeBytes: bytes.length })
    expect(equalBytes(got, bytes)).toBe(true)
    expect(a.blobs.fetchStats().pieces).toBe(6)
    expect(gone.blobs.stats().requests).toBe(0)
  })

  it('joins pieces that fail the hash when one holder lies, then finds and penalises the liar asking for the whole blob', async () => {
    const liarStore = new MemoryBlobStore()
    const [a, liar, b] = [await peer('a'), await peer('liar', { blobStore: corruptingStore(liarStore, BLOB_PIECE_BYTES) }), await peer('b')]
    await connect(a, liar)
    await connect(a, b)
    const bytes = blob('lying pieces', 8 * MiB)
    await liarStore.put(bytes)
    await b.blobs.store.put(bytes)
    const got = await a.blobs.fetch(contentHash(bytes), [liar.peerId, b.peerId], { sizeBytes: bytes.length })
    expect(equalBytes(got, bytes)).toBe(true)
    // the liar served pieces (each with a flipped bit), then the whole blob, which gave it away
    expect(liar.blobs.stats().requests).toBeGreaterThan(1)
    await waitFor("the liar's score at a to fall below zero", () => a.gossip.score(liar.peerId) < 0)
    expect(a.gossip.score(b.peerId)).toBeGreaterThanOrEqual(0)
  })

  it('refuses a range outside the blob and a request of the wrong length', async () => {
    const [a, b] = [await peer('a'), await peer('b')]
    await connect(a, b)
    const bytes = blob('ranges', 2 * MiB)
    await b.blobs.store.put(bytes)
    const ask = async (request: Uint8Array) => {
      const stream = await a.libp2p.dialProtocol(b.peerId, BLOB_PROTOCOL)
      stream.send(request)
      await stream.close()
      const chunks: Uint8Array[] = []
      for await (const c of stream) chunks.push(c.subarray())
      return chunks[0]?.[0]
    }
    const range = (offset: bigint, length: number) => {
      const r = new Uint8Array(44)
      r.set(contentHash(bytes))
      new DataView(r.buffer).setBigUint64(32, offset)
      new DataView(r.buffer).setUint32(40, length)
      return r
    }
    expect(await ask(range(BigInt(bytes.length) - 10n, 11))).toBe(3) // badRequest: past the end
    expect(await ask(range(0n, 0))).toBe(3) // badRequest: empty
    expect(await ask(range(2n ** 60n, 1))).toBe(3) // badRequest: offset beyond any blob
    expect(await ask(new Uint8Array(40))).toBe(3) // neither form
    expect(await ask(range(5n, 10))).toBe(0) // ok
  })
})
