/**
 * The murmur libp2p host: TCP + WebSocket listeners, noise, yamux, identify, ping, optional
 * bootstrap list, gossipsub with StrictSign and per-topic score parameters, connection limits,
 * and the two murmur services on top (GossipService, BlobService).
 *
 * The PeerId comes from the peer's secp256k1 key — the key of its Ethereum address — and is
 * checked against protocol/'s derivation, so transport and ledger identities cannot drift.
 *
 * Loopback care (DESIGN.md §7): the inbound-connection rate limit is raised (libp2p allows 5/s
 * per host by default), known peers are dialed explicitly (libp2p 3 does not auto-dial discovered
 * peers), 127.0.0.1 and ::1 are whitelisted for the same-IP colocation penalty, and every run
 * topic has its own score parameters (a validator's Reject only lowers a score in a scored topic).
 */
import { bootstrap } from '@libp2p/bootstrap'
import { type CircuitRelayService, circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import { type GossipSub, gossipsub, StrictSign } from '@libp2p/gossipsub'
import { createTopicScoreParams, type TopicScoreParams } from '@libp2p/gossipsub/score'
import { type Identify, identify } from '@libp2p/identify'
import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { type Ping, ping } from '@libp2p/ping'
import { pubsubPeerDiscovery } from '@libp2p/pubsub-peer-discovery'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  addressFromPrivateKey,
  concatBytes,
  contentHash,
  equalBytes,
  peerIdFromPublicKey,
  publicKeyFromPrivateKey,
  toHex,
} from '@murmur/protocol'
import { createLibp2p } from 'libp2p'
import { BlobHolders } from './blob-holders.js'
import { type BlobService, type BlobServiceInit, blobService } from './blob-service.js'
import { type BlobStore, MemoryBlobStore } from './blob-store.js'
import { NetError, PeerIdentityError } from './errors.js'
import { type GossipPubsub, type GossipService, type GossipValidator, gossipService } from './gossip-service.js'
import { type RunTopics, runTopics } from './topics.js'
import { ensureWebSocketGlobal } from './websocket-global.js'

/**
 * 'webrtc' is the browser↔browser transport: WebRTC data channels whose offer, answer and ICE
 * candidates travel over a circuit relay v2 connection through a node peer (which also makes the
 * peer reachable at `…/p2p/RELAY/p2p-circuit/webrtc/p2p/SELF` for the other tabs).
 */
export type MurmurTransport = 'tcp' | 'websockets' | 'webrtc'

/** An ICE server (STUN or TURN) for WebRTC, as in RTCConfiguration. */
export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

export interface MurmurHostInit {
  /** The peer's 32-byte secp256k1 private key (the key of its Ethereum address). */
  privateKey: Uint8Array
  /** The run whose topics this host validates and scores (32-byte manifest hash or its hex). */
  runId: Uint8Array | string
  /** The protocol verdict for every gossiped envelope (see GossipService). */
  validate: GossipValidator
  /** Listen addresses; default TCP and WebSocket on 127.0.0.1, OS-chosen ports. */
  listen?: string[]
  /**
   * Transports to enable; default TCP and WebSockets. A browser peer uses ['websockets'], and
   * adds 'webrtc' to reach other browser peers (it then listens on '/p2p-circuit' and '/webrtc').
   */
  transports?: MurmurTransport[]
  /**
   * Serve circuit relay v2 (the hop protocol), so browser peers connected here can reserve a slot
   * and signal WebRTC connections to each other through this peer. The relayed connections carry
   * signalling only: libp2p's default limits (2 minutes, 128 KiB) apply. Default: on when the
   * host listens on WebSockets, the transport browsers dial.
   */
  relay?: boolean
  /**
   * ICE servers for WebRTC. Default none: peers offer host candidates only and nothing is sent to
   * a third party; across NATs an operator names STUN (or TURN) servers here.
   */
  iceServers?: IceServer[]
  /**
   * WebRTC connections to other tabs this peer opens itself, at most (default 8): a phone keeps
   * a few direct links and gossip reaches the other tabs through them and the node peers.
   */
  maxWebrtcDials?: number
  /** Multiaddrs (with /p2p/) dialed at start and kept as bootstrap peers. */
  bootstrap?: string[]
  /**
   * Peer exchange over the run's `/peers` topic (@libp2p/pubsub-peer-discovery): every peer
   * broadcasts its addresses every `discoveryIntervalMs` and dials the peers it learns of (libp2p
   * 3 does not dial discovered peers by itself), so a swarm joined through one bootstrap peer
   * becomes a mesh and payloads can be fetched from any holder. Default on, every 5 s (each
   * broadcast costs every receiver a signature check).
   */
  discovery?: boolean
  discoveryIntervalMs?: number
  /** Connection limits. */
  maxConnections?: number
  /** Inbound connections accepted per second per remote host (libp2p's default is 5). */
  inboundConnectionThreshold?: number
  /** IPs exempt from gossipsub's same-IP colocation penalty; default loopback. */
  colocationWhitelist?: string[]
  /** Gossip limit per message (default 256 KiB). */
  maxMessageBytes?: number
  /** Score below which a peer is hung up on and banned (default -100; graylist is -80). */
  disconnectScore?: number
  /** Score points one blob offence costs (wrong bytes, broken frame); default 20. */
  blobOffencePenalty?: number
  blobStore?: BlobStore
  blobs?: BlobServiceInit
}

/**
 * Default topic scores. P4 (invalid messages) is the squared counter times -40: one invalid
 * message (-40) outweighs every positive term (capped at 10) and stops gossip to the sender
 * (-10); two within a few seconds (≥ 1.8² × -40 ≈ -130 after decay) graylist it (-80) and pass
 * the disconnect floor (-100). The counter decays by 0.95 per second.
 */
export function murmurTopicScoreParams(): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 0.5,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 10,
    // rounds make traffic bursty: no mesh delivery quota (P3/P3b) that would punish quiet peers
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -40,
    invalidMessageDeliveriesDecay: 0.95,
  })
}

/**
 * Gossipsub's fast message id: sha256 over every field of the raw message, each length-prefixed.
 * Gossipsub checks a message's StrictSign signature before it looks up its (from, seqno) id, so
 * without this every copy from every mesh peer costs a secp256k1 verification and a public-key
 * decompression: in an 8-peer swarm that was half the process's CPU, and it starved the event
 * loop until blob requests timed out. With it a copy already seen is dropped for one hash. The
 * hash is cryptographic and covers the signature, so no peer can make a different message (or
 * a badly signed copy of a good one) collide with a message it wants suppressed.
 */
export function fastMessageId(msg: {
  from?: Uint8Array
  seqno?: Uint8Array
  data?: Uint8Array
  signature?: Uint8Array
  key?: Uint8Array
  topic: string
}): string {
  const fields = [msg.from, msg.seqno, msg.data, msg.signature, msg.key, new TextEncoder().encode(msg.topic)]
  const parts: Uint8Array[] = []
  for (const f of fields) {
    const n = f?.length ?? 0
    parts.push(Uint8Array.of(f === undefined ? 0 : 1, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255), f ?? new Uint8Array(0))
  }
  return toHex(contentHash(concatBytes(...parts)))
}

type MurmurServices = { identify: Identify; ping: Ping; pubsub: GossipSub; relay?: CircuitRelayService }

export class MurmurHost {
  readonly libp2p: Libp2p<MurmurServices>
  readonly gossip: GossipService
  readonly blobs: BlobService
  readonly blobHolders: BlobHolders
  readonly topics: RunTopics
  /** The peer's Ethereum address (20 bytes), from the same key as its PeerId. */
  readonly address: Uint8Array
  private readonly penalties: Map<string, number>
  private readonly banned: Map<string, number>
  private readonly blobOffencePenalty: number

  constructor(parts: {
    libp2p: Libp2p<MurmurServices>
    gossip: GossipService
    blobs: BlobService
    blobHolders: BlobHolders
    topics: RunTopics
    address: Uint8Array
    penalties: Map<string, number>
    banned: Map<string, number>
    blobOffencePenalty: number
  }) {
    this.libp2p = parts.libp2p
    this.gossip = parts.gossip
    this.blobs = parts.blobs
    this.blobHolders = parts.blobHolders
    this.topics = parts.topics
    this.address = parts.address
    this.penalties = parts.penalties
    this.banned = parts.banned
    this.blobOffencePenalty = parts.blobOffencePenalty
  }

  get peerId(): PeerId {
    return this.libp2p.peerId
  }

  multiaddrs(): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  /** Dials a peer (multiaddr with /p2p/, or a known PeerId); wraps libp2p's error with the target. */
  async dial(target: Multiaddr | string | PeerId, options: { signal?: AbortSignal } = {}): Promise<void> {
    const addr = typeof target === 'string' ? multiaddr(target) : target
    try {
      await this.libp2p.dial(addr, options)
    } catch (err) {
      throw new NetError(`Cannot dial ${addr.toString()}: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err })
    }
  }

  /** Lowers a peer's gossip score through gossipsub's application-specific term (P5). */
  penalise(peer: PeerId, points: number): void {
    const key = peer.toString()
    this.penalties.set(key, (this.penalties.get(key) ?? 0) + points)
  }

  /** Refuses a peer's connections for `ms`. */
  ban(peer: PeerId, ms: number): void {
    this.banned.set(peer.toString(), Date.now() + ms)
  }

  isBanned(peer: PeerId): boolean {
    return isBanned(this.banned, peer)
  }

  async stop(): Promise<void> {
    this.gossip.stop()
    await this.blobs.stop().catch(() => undefined)
    await this.libp2p.stop()
  }

  /** Blob offences feed the gossip score, so a peer serving junk loses standing everywhere. */
  blobOffence(peer: PeerId): void {
    this.penalise(peer, this.blobOffencePenalty)
  }
}

function isBanned(banned: Map<string, number>, peer: PeerId): boolean {
  const until = banned.get(peer.toString())
  if (until === undefined) return false
  if (Date.now() < until) return true
  banned.delete(peer.toString())
  return false
}

/** The run's peer-exchange topic (not a murmur message topic: it carries libp2p peer records). */
export function peerDiscoveryTopic(runId: Uint8Array | string): string {
  return runTopics(runId).groups.replace(/\/groups$/, '/peers')
}

/**
 * Which of a discovered peer's addresses to dial. A bare relayed address (`…/p2p-circuit/p2p/X`)
 * never: a relayed connection is limited (2 minutes, 128 KiB) and gossipsub does not run on
 * one; it only carries WebRTC signalling. A `…/p2p-circuit/webrtc` address only by a peer that
 * speaks WebRTC, and of two such peers only by the one whose PeerId sorts first, so two tabs
 * that discover each other at once make one connection, not two, and only while it has room for
 * another WebRTC connection (`webrtcRoom` > 0; MurmurHostInit.maxWebrtcDials).
 */
export function discoveredDialable(
  addrs: readonly Multiaddr[],
  me: { webrtc: boolean; self: string; peer: string; webrtcRoom?: number },
): Multiaddr[] {
  return addrs.filter((a) => {
    const s = a.toString()
    if (s.includes('/webrtc')) return me.webrtc && me.self < me.peer && (me.webrtcRoom ?? 1) > 0
    return !s.includes('/p2p-circuit')
  })
}

/** A discovered peer whose dial failed is dialed again at its next broadcast this much later, doubling per failure up to DISCOVERY_RETRY_MAX_MS. */
const DISCOVERY_RETRY_MS = 5000
const DISCOVERY_RETRY_MAX_MS = 300_000
/** Peers whose dial failures a host remembers (the oldest is forgotten first). */
const DISCOVERY_RETRIES_KEPT = 1024

/** The WebRTC transport and the circuit relay transport its signalling rides on. */
async function webrtcTransportsOf(iceServers: IceServer[]) {
  const [{ webRTC }, { circuitRelayTransport }] = await Promise.all([import('@libp2p/webrtc'), import('@libp2p/circuit-relay-v2')])
  return [webRTC({ rtcConfiguration: { iceServers } }), circuitRelayTransport()]
}

/** Creates, starts and returns a host; dials the bootstrap list (failures are logged, not thrown). */
export async function createMurmurHost(init: MurmurHostInit): Promise<MurmurHost> {
  let privateKey: ReturnType<typeof privateKeyFromRaw>
  try {
    privateKey = privateKeyFromRaw(init.privateKey)
  } catch (err) {
    throw new PeerIdentityError('The peer key is not a 32-byte secp256k1 private key.', {}, { cause: err })
  }
  if (privateKey.type !== 'secp256k1') {
    throw new PeerIdentityError(`The peer key is of type ${privateKey.type}; murmur peers use secp256k1 (one key for PeerId and address).`)
  }
  const topics = runTopics(init.runId)
  const transports = init.transports ?? ['tcp', 'websockets']
  const listen = [
    ...(init.listen ?? [
      ...(transports.includes('tcp') ? ['/ip4/127.0.0.1/tcp/0'] : []),
      ...(transports.includes('websockets') ? ['/ip4/127.0.0.1/tcp/0/ws'] : []),
    ]),
    // a relay reservation (announced as …/p2p-circuit) and WebRTC over it
    ...(transports.includes('webrtc') ? ['/p2p-circuit', '/webrtc'] : []),
  ]
  if (transports.includes('websockets')) await ensureWebSocketGlobal()
  // TCP is Node-only and WebRTC browser-only (in Node it would load a native module): both are
  // loaded on demand, so neither bundle nor process executes the other's
  const tcpTransport = transports.includes('tcp') ? (await import('@libp2p/tcp')).tcp() : null
  const webrtcTransports = transports.includes('webrtc') ? await webrtcTransportsOf(init.iceServers ?? []) : []
  const relay = init.relay ?? listen.some((a) => a.includes('/ws'))
  const penalties = new Map<string, number>()
  const banned = new Map<string, number>()
  const topicParams = Object.fromEntries(Object.values(topics).map((t: string) => [t, murmurTopicScoreParams()]))
  const discoveryTopic = peerDiscoveryTopic(init.runId)
  const discovery = init.discovery ?? true
  /** Set once the host is up: a peer's address broadcast on the run's peer-exchange topic. */
  let onBroadcast: ((peer: PeerInfo) => void) | null = null

  const libp2p = await createLibp2p<MurmurServices>({
    privateKey,
    addresses: { listen },
    transports: [
      ...(tcpTransport ? [tcpTransport] : []),
      ...(transports.includes('websockets') ? [webSockets()] : []),
      ...webrtcTransports,
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [
      ...(init.bootstrap && init.bootstrap.length > 0 ? [bootstrap({ list: init.bootstrap })] : []),
      ...(discovery
        ? [
            (components: Parameters<ReturnType<typeof pubsubPeerDiscovery>>[0]) => {
              const service = pubsubPeerDiscovery({ topics: [discoveryTopic], interval: init.discoveryIntervalMs ?? 5000 })(components)
              service.addEventListener('peer', (evt) => onBroadcast?.(evt.detail))
              return service
            },
          ]
        : []),
    ],
    // libp2p aborts a connection whose ping (every 10 s) is not answered within its adaptive
    // timeout, 5 s at least by default. A peer's event loop stalls for seconds while it
    // compresses and signs a delta of a bigger model, or a browser throttles a background tab:
    // 8 small-model peers in one process on 2 cores lost nearly every connection that way and
    // sat in a round for good. A dead peer is still found: by its TCP reset, or after 30 s.
    connectionMonitor: { pingTimeout: { minTimeout: 30_000 } },
    connectionManager: {
      maxConnections: init.maxConnections ?? 64,
      inboundConnectionThreshold: init.inboundConnectionThreshold ?? 100,
    },
    connectionGater: {
      // libp2p's browser default refuses private and loopback addresses; murmur dials what the
      // bootstrap list and peer exchange name (a local swarm is on 127.0.0.1)
      denyDialMultiaddr: () => false,
      denyDialPeer: (peer) => isBanned(banned, peer),
      denyInboundEncryptedConnection: (peer) => isBanned(banned, peer),
      denyOutboundEncryptedConnection: (peer) => isBanned(banned, peer),
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictSign,
        fastMsgIdFn: fastMessageId,
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        allowedTopics: [...Object.values(topics), discoveryTopic],
        maxInboundDataLength: (init.maxMessageBytes ?? 256 * 1024) + 4096,
        scoreParams: {
          topics: topicParams,
          IPColocationFactorWhitelist: new Set(init.colocationWhitelist ?? ['127.0.0.1', '::1']),
          appSpecificScore: (peer: string) => -(penalties.get(peer) ?? 0),
          appSpecificWeight: 1,
        },
        scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: -80 },
      }),
      ...(relay ? { relay: circuitRelayServer() } : {}),
    },
  })

  const expected = peerIdFromPublicKey(publicKeyFromPrivateKey(init.privateKey))
  if (!equalBytes(libp2p.peerId.toMultihash().bytes, expected)) {
    await libp2p.stop()
    throw new PeerIdentityError(`libp2p derived PeerId ${libp2p.peerId.toString()} from the key; protocol/ derives a different one.`)
  }

  const blobHolders = new BlobHolders()
  const pubsub = libp2p.services.pubsub as GossipSub & Partial<GossipPubsub>
  if (typeof pubsub.getScore !== 'function' || typeof pubsub.getMeshPeers !== 'function') {
    await libp2p.stop()
    throw new NetError('This @libp2p/gossipsub build lacks getScore/getMeshPeers; murmur needs @libp2p/gossipsub 17.')
  }
  let host: MurmurHost | undefined
  const gossip = gossipService({
    topics,
    validate: init.validate,
    maxMessageBytes: init.maxMessageBytes,
    disconnectScore: init.disconnectScore,
  })({
    pubsub: pubsub as GossipSub & GossipPubsub,
    hangUp: (peer) => libp2p.hangUp(peer),
    ban: (peer, ms) => banned.set(peer.toString(), Date.now() + ms),
    penalise: (peer, points) => host?.penalise(peer, points),
    logger: libp2p.logger,
    blobHolders,
  })
  const blobs = blobService(init.blobs)({
    store: init.blobStore ?? new MemoryBlobStore(),
    peerId: libp2p.peerId,
    logger: libp2p.logger,
    handle: (protocol, handler, options) => libp2p.handle(protocol, handler, options),
    unhandle: (protocol) => libp2p.unhandle(protocol),
    dialProtocol: (peer, protocol, options) => libp2p.dialProtocol(peer, protocol, options),
    penalise: (peer) => host?.blobOffence(peer),
  })
  host = new MurmurHost({
    libp2p,
    gossip,
    blobs,
    blobHolders,
    topics,
    address: addressFromPrivateKey(init.privateKey),
    penalties,
    banned,
    blobOffencePenalty: init.blobOffencePenalty ?? 20,
  })
  gossip.start()
  await blobs.start()

  const log = libp2p.logger.forComponent('murmur:host')
  if (discovery) {
    // Every broadcast is a chance to dial, not only a peer's first: libp2p's own peer:discovery
    // fires once per peer, so a tab first heard of before its relay reservation (no dialable
    // address yet) was never dialed once its …/p2p-circuit/webrtc address came (CI saw two tabs
    // sit 150 s without a link). A failed dial waits DISCOVERY_RETRY_MS, doubling per failure.
    const maxConnections = init.maxConnections ?? 64
    const webrtc = transports.includes('webrtc')
    const retryAt = new Map<string, { atMs: number; failures: number }>()
    onBroadcast = ({ id, multiaddrs }) => {
      const key = id.toString()
      if (id.equals(libp2p.peerId) || isBanned(banned, id) || multiaddrs.length === 0) return
      // a limited (relayed) connection only carries WebRTC signalling: it does not count
      if (libp2p.getConnections(id).some((c) => c.limits === undefined) || libp2p.getConnections().length >= maxConnections) return
      const retry = retryAt.get(key)
      if (retry && retry.atMs > Date.now()) return
      const addrs = discoveredDialable(multiaddrs, {
        webrtc,
        self: libp2p.peerId.toString(),
        peer: key,
        webrtcRoom: webrtc
          ? (init.maxWebrtcDials ?? 8) - libp2p.getConnections().filter((c) => c.remoteAddr.toString().includes('/webrtc')).length
          : 0,
      })
      if (addrs.length === 0) return
      retryAt.delete(key) // re-inserted last: the map stays in order of use
      retryAt.set(key, { atMs: Number.POSITIVE_INFINITY, failures: retry?.failures ?? 0 })
      if (retryAt.size > DISCOVERY_RETRIES_KEPT) retryAt.delete(retryAt.keys().next().value!)
      libp2p
        .dial(addrs, { signal: AbortSignal.timeout(10_000) })
        .then(() => retryAt.delete(key))
        .catch((err: unknown) => {
          const failures = (retry?.failures ?? 0) + 1
          retryAt.set(key, { atMs: Date.now() + Math.min(DISCOVERY_RETRY_MAX_MS, DISCOVERY_RETRY_MS * 2 ** (failures - 1)), failures })
          log('discovered peer %p unreachable (%d failures): %e', id, failures, err)
        })
    }
  }
  await Promise.all(
    (init.bootstrap ?? []).map(async (addr) => {
      try {
        await libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
      } catch (err) {
        log('bootstrap peer %s unreachable: %e', addr, err)
      }
    }),
  )
  return host
}
