/**
 * GossipService: publishes signed envelopes on a run's topics and runs the protocol's verdicts
 * as gossipsub topic validators, before anything is delivered or forwarded (DESIGN.md §3 step 2).
 *
 * - verdict ok → Accept: delivered to this peer's handlers and forwarded to the mesh;
 * - verdict `{ ok: false }`, malformed envelope, wrong kind for the topic, oversize → Reject:
 *   gossipsub lowers the sender's score in that topic (P4) and we count the reason;
 * - the injected validator throwing is a bug in it → logged loudly, Ignore (no penalty).
 *
 * A peer whose score falls below `disconnectScore` is hung up on and banned for `banMs`.
 * Limits: gossip messages stay ≤ `maxMessageBytes` (256 KiB), far below the 4 MiB at which
 * gossipsub drops a publish silently; large payloads travel over /murmur/blob/1.
 */
import type { GossipSub, Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { ComponentLogger, Logger, PeerId } from '@libp2p/interface'
import { decodeSignedMessage, encodeSignedMessage, type SignedMessage, type Verdict } from '@murmur/protocol'
import type { BlobHolders } from './blob-holders.js'
import { announcedBlob } from './blob-holders.js'
import { GossipMessageTooLargeError, GossipPublishError, UnknownTopicError } from './errors.js'
import { type RunTopics, TOPIC_KINDS, type TopicName } from './topics.js'

/** Gossip limit: a ScoredGroup of a small policy, or a signed header; never a tensor. */
export const MAX_GOSSIP_PUBLISH_BYTES = 256 * 1024

/** Verdicts that rest on a verifier's private sample (DESIGN.md §3), which honest peers need not share. */
const SAMPLED_REASONS: ReadonlySet<string> = new Set(['replay-mismatch'])
/** Whether a rejection rests on the verifier's private replay sample (another honest peer may have accepted it). */
export const isSampledRejection = (reason: string): boolean => SAMPLED_REASONS.has(reason)
/** The author's penalty per sampled rejection: two pass the disconnect floor, as P4 would. */
const SAMPLED_OFFENCE_POINTS = 60

/** Below this score a peer is disconnected and banned (gossipsub graylists at -80 already). */
export const DEFAULT_DISCONNECT_SCORE = -100

/** How long a disconnected offender may not reconnect. */
export const DEFAULT_BAN_MS = 10 * 60_000

/**
 * What a validator says of one envelope: the protocol's verdict, or "ignore" for honest but
 * unusable messages (a round this peer has left or not reached): dropped and not forwarded,
 * without a penalty.
 */
export type GossipVerdict = Verdict | { ok: 'ignore'; detail: string }

/** The protocol-level check of one gossiped envelope (verifyScoredGroup, verifyDelta, …). */
export type GossipValidator = (topic: string, bytes: Uint8Array, from: PeerId) => Promise<GossipVerdict> | GossipVerdict

/** Reasons counted by {@link GossipService.rejections}: the verdict's reason or a local one. */
export type GossipRejectReason = (Verdict & { ok: false })['reason'] | 'oversize' | 'validator-error'

export interface GossipDelivery {
  topic: string
  name: TopicName
  /** The envelope bytes as received (verify and keep these; never re-encode). */
  data: Uint8Array
  envelope: SignedMessage
  /** The original publisher (StrictSign: gossipsub checked its signature over the message). */
  from: PeerId
}

export type GossipHandler = (delivery: GossipDelivery) => void | Promise<void>

/** What the service needs of gossipsub; the GossipSub class has `getScore`/`getMeshPeers`, its interface type does not. */
export type GossipPubsub = Pick<
  GossipSub,
  'publish' | 'subscribe' | 'unsubscribe' | 'topicValidators' | 'getPeers' | 'getSubscribers' | 'addEventListener' | 'removeEventListener'
> & {
  getScore(peerId: string): number
  getMeshPeers(topic: string): string[]
}

export interface GossipServiceComponents {
  pubsub: GossipPubsub
  /** Closes every connection to a peer (libp2p's `hangUp`). */
  hangUp(peer: PeerId): Promise<void>
  /** Refuses the peer's connections for `ms` (the host's connection gater). */
  ban?(peer: PeerId, ms: number): void
  /** Lowers a peer's score through the application-specific term (the host's `penalise`). */
  penalise?(peer: PeerId, points: number): void
  logger: ComponentLogger
  /** Where accepted Delta / CheckpointAnnouncement headers record who holds which blob. */
  blobHolders?: BlobHolders
}

export interface GossipServiceInit {
  topics: RunTopics
  validate: GossipValidator
  maxMessageBytes?: number
  disconnectScore?: number
  banMs?: number
}

export function gossipService(init: GossipServiceInit) {
  return (components: GossipServiceComponents) => new GossipService(components, init)
}

export class GossipService {
  readonly topics: RunTopics
  readonly maxMessageBytes: number
  private readonly components: GossipServiceComponents
  private readonly validate: GossipValidator
  private readonly disconnectScore: number
  private readonly banMs: number
  private readonly log: Logger
  private readonly byTopic: Map<string, TopicName>
  private readonly handlers = new Map<string, Set<GossipHandler>>()
  private readonly rejected = new Map<GossipRejectReason, number>()
  private readonly disconnected = new Set<string>()
  private started = false
  private ignored = 0
  private readonly received = { messages: 0, bytes: 0 }

  constructor(components: GossipServiceComponents, init: GossipServiceInit) {
    this.components = components
    this.topics = init.topics
    this.validate = init.validate
    this.maxMessageBytes = init.maxMessageBytes ?? MAX_GOSSIP_PUBLISH_BYTES
    this.disconnectScore = init.disconnectScore ?? DEFAULT_DISCONNECT_SCORE
    this.banMs = init.banMs ?? DEFAULT_BAN_MS
    this.log = components.logger.forComponent('murmur:gossip')
    this.byTopic = new Map((Object.keys(init.topics) as TopicName[]).map((n) => [init.topics[n], n]))
  }

  start(): void {
    if (this.started) return
    for (const topic of this.byTopic.keys()) {
      this.components.pubsub.topicValidators.set(topic, (peer, msg) => this.runValidator(topic, peer, msg))
    }
    this.components.pubsub.addEventListener('message', this.onMessage)
    this.components.pubsub.addEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.started = true
  }

  stop(): void {
    if (!this.started) return
    for (const topic of this.byTopic.keys()) this.components.pubsub.topicValidators.delete(topic)
    this.components.pubsub.removeEventListener('message', this.onMessage)
    this.components.pubsub.removeEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.handlers.clear()
    this.started = false
  }

  /** Subscribes to a run topic and calls `handler` with every message its validator accepted. */
  subscribe(name: TopicName, handler: GossipHandler): () => void {
    const topic = this.topics[name]
    let set = this.handlers.get(topic)
    if (!set) {
      set = new Set()
      this.handlers.set(topic, set)
      this.components.pubsub.subscribe(topic)
    }
    set.add(handler)
    return () => {
      set.delete(handler)
      if (set.size === 0 && this.handlers.get(topic) === set) {
        this.handlers.delete(topic)
        this.components.pubsub.unsubscribe(topic)
      }
    }
  }

  /**
   * Publishes a signed envelope on a run topic; returns how many peers it was sent to.
   * Throws {@link GossipMessageTooLargeError} past `maxMessageBytes` (nothing is sent).
   */
  async publish(name: TopicName, message: Uint8Array | SignedMessage): Promise<{ recipients: number }> {
    const topic = this.topics[name]
    if (topic === undefined) throw new UnknownTopicError(String(name))
    const data = message instanceof Uint8Array ? message : encodeSignedMessage(message)
    if (data.length > this.maxMessageBytes) {
      throw new GossipMessageTooLargeError({ topic, sizeBytes: data.length, maxBytes: this.maxMessageBytes })
    }
    try {
      const { recipients } = await this.components.pubsub.publish(topic, data)
      return { recipients: recipients.length }
    } catch (err) {
      throw new GossipPublishError({ topic, reason: err instanceof Error ? err.message : String(err) }, { cause: err })
    }
  }

  /** Rejected gossip messages by reason, since start (for benchmarks and status lines). */
  rejections(): Record<string, number> {
    return Object.fromEntries([...this.rejected].sort(([a], [b]) => (a < b ? -1 : 1)))
  }

  /** Gossip messages (and their data bytes) that reached this peer's validators, since start. */
  receivedStats(): { messages: number; bytes: number } {
    return { ...this.received }
  }

  /** Messages the validator ignored (honest but for another round), since start. */
  ignoredCount(): number {
    return this.ignored
  }

  /** The peer's current gossipsub score as this peer sees it. */
  score(peer: PeerId): number {
    return this.components.pubsub.getScore(peer.toString())
  }

  /** Subscribers we know of on a run topic (to await mesh formation). */
  subscribers(name: TopicName): PeerId[] {
    return this.components.pubsub.getSubscribers(this.topics[name])
  }

  /** Mesh peers on a run topic (PeerId strings). */
  meshPeers(name: TopicName): string[] {
    return this.components.pubsub.getMeshPeers(this.topics[name])
  }

  private count(reason: GossipRejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1)
  }

  private reject(reason: GossipRejectReason, detail: string, source: PeerId): TopicValidatorResult {
    this.count(reason)
    this.log('rejected gossip from %p: %s: %s', source, reason, detail)
    // gossipsub applies the penalty after we return; the score check runs on the next heartbeat
    queueMicrotask(() => this.checkScore(source))
    return TopicValidatorResult.Reject
  }

  private async runValidator(topic: string, source: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const name = this.byTopic.get(topic)
    if (name === undefined) return TopicValidatorResult.Ignore
    this.received.messages++
    this.received.bytes += msg.data.length
    if (msg.type !== 'signed') return this.reject('malformed', 'unsigned gossip message (StrictSign)', source)
    if (msg.data.length > this.maxMessageBytes) {
      return this.reject('oversize', `${msg.data.length} bytes; the limit is ${this.maxMessageBytes}`, source)
    }
    let envelope: SignedMessage
    try {
      envelope = decodeSignedMessage(msg.data)
    } catch (err) {
      return this.reject('malformed', err instanceof Error ? err.message : String(err), source)
    }
    if (envelope.kind !== TOPIC_KINDS[name]) {
      return this.reject('wrong-kind', `a ${envelope.kind} on the ${name} topic (expects ${TOPIC_KINDS[name]})`, source)
    }
    let verdict: GossipVerdict
    try {
      verdict = await this.validate(topic, msg.data, msg.from)
    } catch (err) {
      if (err instanceof Error && err.name === 'MessageDecodeError') return this.reject('malformed', err.message, source)
      this.count('validator-error')
      this.log.error('BUG: the gossip validator threw on %s from %p; message ignored: %e', name, msg.from, err)
      return TopicValidatorResult.Ignore
    }
    if (verdict.ok === 'ignore') {
      this.ignored++
      this.log('ignored gossip on %s from %p: %s', name, source, verdict.detail)
      return TopicValidatorResult.Ignore
    }
    if (!verdict.ok) {
      // a replay is sampled with each verifier's own secret, so an honest peer may have accepted
      // and forwarded what this peer's sample caught. gossipsub would blame every peer that
      // forwards a copy of a rejected message, so the message is ignored (dropped, not
      // forwarded) and its author, whose signature proves it wrote the failing completion, is
      // penalised instead
      if (isSampledRejection(verdict.reason)) {
        this.count(verdict.reason)
        this.log('dropped gossip on %s from %p (author %p): %s: %s', name, source, msg.from, verdict.reason, verdict.detail)
        this.components.penalise?.(msg.from, SAMPLED_OFFENCE_POINTS)
        queueMicrotask(() => this.checkScore(msg.from))
        return TopicValidatorResult.Ignore
      }
      return this.reject(verdict.reason, verdict.detail, source)
    }
    const blob = announcedBlob(envelope)
    if (blob !== undefined) this.components.blobHolders?.add(blob.hash, msg.from)
    return TopicValidatorResult.Accept
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    const set = this.handlers.get(msg.topic)
    const name = this.byTopic.get(msg.topic)
    if (!set || name === undefined || msg.type !== 'signed') return
    let envelope: SignedMessage
    try {
      envelope = decodeSignedMessage(msg.data)
    } catch {
      return // the validator accepted it, so this cannot happen; never crash on a peer's bytes
    }
    const delivery: GossipDelivery = { topic: msg.topic, name, data: msg.data, envelope, from: msg.from }
    for (const handler of set) {
      Promise.resolve()
        .then(() => handler(delivery))
        .catch((err: unknown) => this.log.error('gossip handler for %s threw: %e', name, err))
    }
  }

  private readonly onHeartbeat = (): void => {
    for (const peer of this.components.pubsub.getPeers()) this.checkScore(peer)
  }

  private checkScore(peer: PeerId): void {
    const key = peer.toString()
    if (this.disconnected.has(key)) return
    const score = this.components.pubsub.getScore(key)
    if (score >= this.disconnectScore) return
    this.disconnected.add(key)
    this.log('disconnecting %p: score %d is below %d', peer, score, this.disconnectScore)
    this.components.ban?.(peer, this.banMs)
    this.components
      .hangUp(peer)
      .catch((err: unknown) => this.log('hang-up of %p failed: %e', peer, err))
      .finally(() => this.disconnected.delete(key))
  }
}
