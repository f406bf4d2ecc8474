import { generateKeyPair, privateKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { addressFromPrivateKey, deriveSeed, peerIdFromPublicKey, publicKeyFromPrivateKey } from '@murmur/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { createMurmurHost, discoveredDialable, fastMessageId, type MurmurHost } from './host.js'

const key = deriveSeed('murmur/test/host/key')
/** The libp2p PeerId of a peer key. */
const libp2pIdOf = (k: Uint8Array) => peerIdFromPrivateKey(privateKeyFromRaw(k))
const hosts: MurmurHost[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
})

describe('createMurmurHost', () => {
  it('derives the PeerId from the Ethereum key, exactly as protocol/ does, and listens on TCP and WebSocket', async () => {
    const host = await createMurmurHost({ privateKey: key, runId: deriveSeed('murmur/test/host/run'), validate: () => ({ ok: true }) })
    hosts.push(host)
    expect(host.peerId.toMultihash().bytes).toEqual(peerIdFromPublicKey(publicKeyFromPrivateKey(key)))
    expect(host.address).toEqual(addressFromPrivateKey(key))
    const addrs = host.multiaddrs().map(String)
    expect(addrs.some((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//.test(a))).toBe(true)
    expect(addrs.some((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//.test(a))).toBe(true)
    expect(host.libp2p.services.pubsub.globalSignaturePolicy).toBe('StrictSign')
    // copies already seen are dropped by this id before their signature is checked again
    expect((host.libp2p.services.pubsub as unknown as { fastMsgIdFn: unknown }).fastMsgIdFn).toBe(fastMessageId)
  })

  it('dials its bootstrap peers at start, and refuses a blob longer than announced', async () => {
    const run = deriveSeed('murmur/test/host/run')
    const validate = () => ({ ok: true }) as const
    const a = await createMurmurHost({ privateKey: key, runId: run, validate, transports: ['tcp'] })
    hosts.push(a)
    const bootstrap = a.multiaddrs().map(String)
    const b = await createMurmurHost({
      privateKey: deriveSeed('murmur/test/host/key-b'),
      runId: run,
      validate,
      transports: ['tcp'],
      bootstrap,
    })
    hosts.push(b)
    expect(b.libp2p.getConnections(a.peerId).length).toBeGreaterThan(0)

    const bytes = new Uint8Array(100_000).fill(7)
    const hash = await a.blobs.store.put(bytes)
    const err = await b.blobs.fetch(hash, [a.peerId], { maxBytes: 1000 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'BlobUnavailableError', attempts: [{ reason: 'too-large' }] })
    await expect(b.blobs.fetch(hash.subarray(1), [a.peerId])).rejects.toThrow(/A blob hash is 32 bytes/)
    expect(await b.blobs.fetch(hash, [a.peerId])).toEqual(bytes)
  })

  it('serves circuit relay v2 when it listens on WebSocket (browser peers signal WebRTC through it), not otherwise', async () => {
    const run = deriveSeed('murmur/test/host/run')
    const validate = () => ({ ok: true }) as const
    const hop = '/libp2p/circuit/relay/0.2.0/hop'
    const ws = await createMurmurHost({ privateKey: key, runId: run, validate })
    hosts.push(ws)
    expect(ws.libp2p.getProtocols()).toContain(hop)
    const tcp = await createMurmurHost({ privateKey: deriveSeed('murmur/test/host/key-b'), runId: run, validate, transports: ['tcp'] })
    hosts.push(tcp)
    expect(tcp.libp2p.getProtocols()).not.toContain(hop)
    const off = await createMurmurHost({ privateKey: deriveSeed('murmur/test/host/key-c'), runId: run, validate, relay: false })
    hosts.push(off)
    expect(off.libp2p.getProtocols()).not.toContain(hop)
  })

  it('dials a peer at a later broadcast when the first it heard of it had no dialable address (a tab before its relay reservation)', async () => {
    const run = deriveSeed('murmur/test/host/run-late-address')
    const validate = () => ({ ok: true }) as const
    const relay = await createMurmurHost({ privateKey: key, runId: run, validate, discoveryIntervalMs: 500 })
    hosts.push(relay)
    const bootstrap = relay
      .multiaddrs()
      .map(String)
      .filter((a) => a.includes('/ws/'))
    // two browser-like peers: WebSockets out, a reservation on the relay, WebRTC between them;
    // of two WebRTC peers only the one whose PeerId sorts first dials
    const keys = [0, 1, 2, 3].map((i) => deriveSeed('murmur/test/host/tab', i))
    const [first, second] = keys
      .map((k) => ({ k, id: libp2pIdOf(k) }))
      .sort((x, y) => (x.id.toString() < y.id.toString() ? -1 : 1))
      .slice(0, 2)
    const tab = (privateKey: Uint8Array) =>
      createMurmurHost({
        privateKey,
        runId: run,
        validate,
        transports: ['websockets', 'webrtc'],
        listen: [],
        bootstrap,
        discoveryIntervalMs: 500,
      })
    const dialer = await tab(first!.k)
    hosts.push(dialer)
    // it hears of the other before the other has an address: its peer store holds the peer, bare
    const otherId = second!.id
    await dialer.libp2p.peerStore.merge(otherId, { tags: { 'murmur-test': {} } })
    const other = await tab(second!.k)
    hosts.push(other)
    const deadline = Date.now() + 30_000
    const webrtc = () => dialer.libp2p.getConnections(otherId).filter((c) => c.remoteAddr.toString().includes('/webrtc'))
    while (webrtc().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(webrtc().map((c) => c.remoteAddr.toString())).toEqual([expect.stringMatching(/\/p2p-circuit\/webrtc\//)])
  })

  it('refuses a key that is not secp256k1', async () => {
    const ed = await generateKeyPair('Ed25519')
    await expect(
      createMurmurHost({ privateKey: ed.raw, runId: deriveSeed('murmur/test/host/run'), validate: () => ({ ok: true }) }),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[PeerIdentityError: The peer key is of type Ed25519; murmur peers use secp256k1 (one key for PeerId and address).]`,
    )
  })
})

describe('discoveredDialable', () => {
  const relay = '/ip4/127.0.0.1/tcp/4001/ws/p2p/16Uiu2HAm8ERtyJpiSGHCgoAKYSNtxHVgp57ELqBaL8Hy5hbmyJzs'
  const tab = '16Uiu2HAm5bbM3KR7hq53QNKawMMmJnHc7RdLFHHoeFNMzTfTQBhJ'
  const addrs = [`${relay}/p2p-circuit/webrtc/p2p/${tab}`, `${relay}/p2p-circuit/p2p/${tab}`, '/ip4/127.0.0.1/tcp/4002/ws'].map((a) =>
    multiaddr(a),
  )
  const dialable = (me: { webrtc: boolean; self: string }) => discoveredDialable(addrs, { ...me, peer: tab }).map(String)

  it('never dials a bare relayed address, and a WebRTC one only from a WebRTC peer whose PeerId sorts first', () => {
    expect(dialable({ webrtc: true, self: '16Uiu2HAm0' })).toEqual([addrs[0]!.toString(), '/ip4/127.0.0.1/tcp/4002/ws'])
    expect(dialable({ webrtc: true, self: '16Uiu2HAmZ' })).toEqual(['/ip4/127.0.0.1/tcp/4002/ws'])
    expect(dialable({ webrtc: false, self: '16Uiu2HAm0' })).toEqual(['/ip4/127.0.0.1/tcp/4002/ws'])
    // no room for another WebRTC connection: no dial; gossip reaches that tab through the others
    expect(discoveredDialable(addrs, { webrtc: true, self: '16Uiu2HAm0', peer: tab, webrtcRoom: 0 }).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/4002/ws',
    ])
  })
})

describe('fastMessageId', () => {
  const msg = {
    from: Uint8Array.of(1, 2, 3),
    seqno: Uint8Array.of(4, 5),
    data: Uint8Array.of(6, 7, 8, 9),
    signature: Uint8Array.of(10, 11),
    key: Uint8Array.of(12),
    topic: '/murmur/x/groups',
  }

  it('is a sha256 over every field, so a copy with any field changed is not a duplicate', () => {
    const id = fastMessageId(msg)
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(fastMessageId({ ...msg, data: msg.data.slice() })).toBe(id)
    const variants = [
      { ...msg, from: Uint8Array.of(1, 2, 4) },
      { ...msg, seqno: Uint8Array.of(4, 6) },
      { ...msg, data: Uint8Array.of(6, 7, 8, 0) },
      // a badly signed copy of a good message must not suppress the good one
      { ...msg, signature: Uint8Array.of(10, 12) },
      { ...msg, key: undefined },
      { ...msg, topic: '/murmur/x/deltas' },
      // field boundaries count: the same bytes split differently
      { ...msg, seqno: Uint8Array.of(4, 5, 6), data: Uint8Array.of(7, 8, 9) },
      // absent and empty differ
      { ...msg, key: new Uint8Array(0) },
    ]
    const ids = new Set(variants.map(fastMessageId))
    expect(ids.size).toBe(variants.length)
    expect(ids.has(id)).toBe(false)
  })
})
