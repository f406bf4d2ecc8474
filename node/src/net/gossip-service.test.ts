import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { Message } from '@libp2p/gossipsub'
import type { ComponentLogger, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { deriveSeed, encodeSignedMessage, type SignedMessage } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { BlobHolders } from './blob-holders.js'
import { type GossipPubsub, type GossipValidator, gossipService } from './gossip-service.js'
import { runTopics } from './topics.js'

const topics = runTopics(deriveSeed('murmur/test/gossip-service'))
const peer = (label: string): PeerId => peerIdFromPrivateKey(privateKeyFromRaw(deriveSeed('murmur/test/gossip-service/key', label)))
const mallory = peer('mallory')

const errors: unknown[][] = []
const logger: ComponentLogger = {
  forComponent: () =>
    Object.assign(() => undefined, {
      error: (...a: unknown[]) => errors.push(a),
      trace: () => undefined,
      enabled: false,
      newScope: () => logger.forComponent('x'),
    }) as never,
}

/** gossipsub reduced to what the service touches; scores are set by the test. */
function fakePubsub() {
  const target = new EventTarget()
  const scores = new Map<string, number>()
  const pubsub = {
    topicValidators: new Map(),
    publish: async () => ({ recipients: [] }),
    subscribe: () => undefined,
    unsubscribe: () => undefined,
    getPeers: () => [mallory],
    getSubscribers: () => [],
    getMeshPeers: () => [],
    getScore: (id: string) => scores.get(id) ?? 0,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
  } as unknown as GossipPubsub
  return { pubsub, scores, emit: (type: string, detail?: unknown) => target.dispatchEvent(new CustomEvent(type, { detail })) }
}

const envelope = (kind: SignedMessage['kind'], body = new Uint8Array(10)) =>
  encodeSignedMessage({ kind, body, signature: new Uint8Array(65) })
const msg = (topic: string, data: Uint8Array): Message =>
  ({
    type: 'signed',
    from: mallory,
    topic,
    data,
    sequenceNumber: 1n,
    signature: new Uint8Array(),
    key: mallory.publicKey,
  }) as unknown as Message

function setup(validate: GossipValidator) {
  const fake = fakePubsub()
  const hungUp: string[] = []
  const banned: string[] = []
  const holders = new BlobHolders()
  const service = gossipService({ topics, validate, maxMessageBytes: 1000 })({
    pubsub: fake.pubsub,
    hangUp: async (p) => {
      hungUp.push(p.toString())
    },
    ban: (p) => banned.push(p.toString()),
    logger,
    blobHolders: holders,
  })
  service.start()
  const run = (topic: string, data: Uint8Array) => fake.pubsub.topicValidators.get(topic)!(mallory, msg(topic, data))
  return { service, fake, run, hungUp, banned }
}

describe('GossipService validators', () => {
  it('accepts what the verdict accepts and rejects what it rejects, counting reasons', async () => {
    const { service, run } = setup(async (_t, bytes) =>
      bytes[2] === 10 ? { ok: true } : { ok: false, reason: 'wrong-round', detail: 'round 1, current 0' },
    )
    expect(await run(topics.groups, envelope('ScoredGroup'))).toBe('accept')
    expect(await run(topics.groups, envelope('ScoredGroup', new Uint8Array(11)))).toBe('reject')
    expect(service.rejections()).toEqual({ 'wrong-round': 1 })
  })

  it('rejects malformed bytes, a kind on the wrong topic and oversize data before the verdict runs', async () => {
    let calls = 0
    const { service, run } = setup(async () => {
      calls++
      return { ok: true }
    })
    expect(await run(topics.groups, Uint8Array.of(1, 2, 3))).toBe('reject')
    expect(await run(topics.groups, envelope('Delta'))).toBe('reject')
    expect(await run(topics.deltas, new Uint8Array(1001))).toBe('reject')
    expect(calls).toBe(0)
    expect(service.rejections()).toEqual({ malformed: 1, oversize: 1, 'wrong-kind': 1 })
  })

  it('treats a MessageDecodeError from the verdict as malformed, and any other throw as a bug: logged, ignored', async () => {
    const decodeError = Object.assign(new Error('Cannot decode ScoredGroup'), { name: 'MessageDecodeError' })
    let thrown: Error = decodeError
    const { service, run } = setup(async () => {
      throw thrown
    })
    expect(await run(topics.groups, envelope('ScoredGroup'))).toBe('reject')
    thrown = new TypeError('oracle is undefined')
    errors.length = 0
    expect(await run(topics.groups, envelope('ScoredGroup'))).toBe('ignore')
    expect(errors).toHaveLength(1)
    expect(String(errors[0]![0])).toMatch(/^BUG: the gossip validator threw/)
    expect(service.rejections()).toEqual({ malformed: 1, 'validator-error': 1 })
  })

  it('hangs up on and bans a peer whose score falls below the floor', async () => {
    const { fake, hungUp, banned } = setup(async () => ({ ok: true }))
    fake.emit('gossipsub:heartbeat')
    expect(hungUp).toEqual([])
    fake.scores.set(mallory.toString(), -150)
    fake.emit('gossipsub:heartbeat')
    expect(hungUp).toEqual([mallory.toString()])
    expect(banned).toEqual([mallory.toString()])
  })

  it('delivers accepted messages to the topic handlers and refuses oversize publishes', async () => {
    const { service, fake } = setup(async () => ({ ok: true }))
    const got: string[] = []
    service.subscribe('roundResults', (d) => {
      got.push(`${d.name}:${d.envelope.kind}:${d.from.equals(mallory)}`)
    })
    fake.emit('message', msg(topics.roundResults, envelope('RoundResult')))
    fake.emit('message', msg(topics.groups, envelope('ScoredGroup')))
    await new Promise((resolve) => setImmediate(resolve))
    expect(got).toEqual(['roundResults:RoundResult:true'])
    await expect(service.publish('groups', new Uint8Array(1001))).rejects.toMatchObject({ name: 'GossipMessageTooLargeError' })
  })
})
