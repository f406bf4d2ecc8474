/**
 * Gossip over a real loopback swarm: in-process murmur hosts on 127.0.0.1 TCP (and one
 * WebSocket-only peer), explicit dials, protocol verdicts as gossipsub topic validators.
 */
import type { MurmurHost } from '@murmur/node'
import { encodeSignedMessage, signMessage } from '@murmur/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { awaitMesh, collect, connect, domain, peerKey, scoredGroup, startPeer, waitFor, within } from '../helpers/net-peers.js'

const hosts: MurmurHost[] = []
async function peer(label: string, over: Parameters<typeof startPeer>[1] = {}) {
  const h = await startPeer(label, over)
  hosts.push(h)
  return h
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
})

const signedGroup = (label: string, promptIndex = 3, round = 0n) =>
  encodeSignedMessage(signMessage('ScoredGroup', scoredGroup(peerKey(label), promptIndex, round), domain, peerKey(label)))

describe('gossip on a loopback swarm', () => {
  it('delivers a valid signed ScoredGroup to every peer of a 4-peer TCP chain and a WebSocket-only peer', async () => {
    const [a, b, c, d] = [await peer('a'), await peer('b'), await peer('c'), await peer('d')]
    const e = await peer('e', { transports: ['websockets'] })
    expect(e.multiaddrs().every((m) => m.toString().includes('/ws'))).toBe(true)
    const inboxes = [b, c, d, e].map((h) => collect(h))
    collect(a)
    await connect(a, b)
    await connect(b, c)
    await connect(c, d)
    await connect(e, d, 'ws')
    await awaitMesh([
      [a, b],
      [b, c],
      [c, d],
      [d, e],
    ])

    const sent = signedGroup('a')
    await a.gossip.publish('groups', sent)
    await Promise.all(inboxes.map((box) => box.next(1)))
    for (const box of inboxes) {
      expect(box.got).toHaveLength(1)
      expect(box.got[0]).toMatchObject({ kind: 'ScoredGroup', from: a.peerId.toString() })
      expect(Uint8Array.from(box.got[0]!.data)).toEqual(sent)
    }
    for (const h of [a, b, c, d, e]) expect(h.gossip.rejections()).toEqual({})
  })

  it('rejects an invalid group at the first receiver, never forwards it, counts the reason and drops the sender', async () => {
    const [a, b, c, d] = [await peer('a'), await peer('b'), await peer('c'), await peer('d')]
    const boxes = [b, c, d].map((h) => collect(h))
    collect(a)
    await connect(a, b)
    await connect(b, c)
    await connect(c, d)
    await awaitMesh([
      [a, b],
      [b, c],
      [c, d],
    ])
    const disconnected = new Promise<string>((resolve) =>
      b.libp2p.addEventListener('peer:disconnect', (evt) => resolve(evt.detail.toString())),
    )

    const forged = signMessage('ScoredGroup', scoredGroup(peerKey('a')), domain, peerKey('a'))
    forged.signature = new Uint8Array(65)
    await a.gossip.publish('groups', forged)
    await waitFor('b to reject the forged group', () => b.gossip.rejections()['bad-signature'] === 1)
    await waitFor("a's score at b to fall below zero", () => b.gossip.score(a.peerId) < 0)

    await a.gossip.publish('groups', signedGroup('a', 3, 1n))
    await waitFor('b to reject the wrong-round group', () => b.gossip.rejections()['wrong-round'] === 1)
    expect(b.gossip.rejections()).toEqual({ 'bad-signature': 1, 'wrong-round': 1 })

    // two invalid messages take a below the disconnect floor: b hangs up and bans it
    expect(await within('b to hang up on a', disconnected)).toBe(a.peerId.toString())
    expect(b.isBanned(a.peerId)).toBe(true)
    expect(b.gossip.score(a.peerId)).toBeLessThan(-100)

    // anything b had forwarded would reach c and d before b's own valid group on the same streams
    await b.gossip.publish('groups', signedGroup('b'))
    await Promise.all(boxes.slice(1).map((box) => box.next(1)))
    for (const box of boxes) expect(box.got.map((m) => m.from)).toEqual(box === boxes[0] ? [] : [b.peerId.toString()])
    expect(c.gossip.rejections()).toEqual({})
    expect(d.gossip.rejections()).toEqual({})
  })

  it('refuses to publish a message over the gossip limit, with a clear error', async () => {
    const a = await peer('a')
    await expect(a.gossip.publish('groups', new Uint8Array(300 * 1024))).rejects.toThrowErrorMatchingInlineSnapshot(
      `[GossipMessageTooLargeError: Gossip message on /murmur/c989bd12d91d4b881ac0bf5d52d8dbeb257c95d321843716568620dcdb4cfd11/groups is 307200 bytes; the limit is 262144 (maxMessageBytes). Announce large payloads by hash and serve them over /murmur/blob/1.]`,
    )
  })
})
