import { privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  addressFromPrivateKey,
  decodeSignedMessage,
  deriveSeed,
  type Eip712Domain,
  signDigest,
  signingDigest,
  signMessage,
  toHex0x,
} from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { packageVersion } from '../version.js'
import { NODE_CLIENT, PeerStatusBoard } from './peer-status.js'

const key = (label: string) => deriveSeed('murmur/test/peer-status/key', label)
const peerId = (label: string): PeerId => peerIdFromPrivateKey(privateKeyFromRaw(key(label)))
const address = (label: string) => toHex0x(addressFromPrivateKey(key(label))).toLowerCase() as `0x${string}`
const domain: Eip712Domain = { chainId: 31337n, verifyingContract: new Uint8Array(20), salt: deriveSeed('murmur/test/peer-status/run') }

const board = (label: string, device = 'cpu', roles: ('worker' | 'trainer' | 'validator')[] = ['worker']) =>
  new PeerStatusBoard(address(label), { privateKey: key(label), domain, roles, device, client: NODE_CLIENT })

describe('PeerStatusBoard', () => {
  it('names the node package version in its client string', () => {
    expect(NODE_CLIENT).toBe(`murmur-node/${packageVersion()}`)
  })

  it('signs its own status, which another board accepts once per round and lists beside its own', () => {
    const alice = board('alice', 'webgpu', ['worker', 'validator'])
    const bob = board('bob')
    alice.noteRound(300, 2)
    alice.noteRound(0, 0) // a round it sat out does not zero the average
    const envelope = decodeSignedMessage(alice.publish(4n, 12))
    bob.publish(4n, 0)
    expect(bob.receive(envelope, peerId('alice'), 4n)).toEqual({ ok: true })
    expect(bob.receive(envelope, peerId('alice'), 4n)).toMatchObject({ ok: 'ignore', detail: expect.stringMatching(/^already holding/) })
    const rows = bob.rows()
    expect(rows.map((r) => r.address)).toEqual([address('alice'), address('bob')].sort())
    expect(rows.find((r) => r.address === address('alice'))).toEqual({
      address: address('alice'),
      roles: ['worker', 'validator'],
      device: 'webgpu',
      client: NODE_CLIENT,
      tokensPerSecond: 150,
      groupsPublished: 12,
      round: 4,
    })
    // a newer round replaces the held one; an older one is ignored
    expect(bob.receive(decodeSignedMessage(alice.publish(5n, 20)), peerId('alice'), 5n)).toEqual({ ok: true })
    expect(bob.receive(envelope, peerId('alice'), 5n).ok).toBe('ignore')
    expect(bob.rows().find((r) => r.address === address('alice'))?.groupsPublished).toBe(20)
  })

  it('ignores statuses of other rounds and any before it has a round; rejects forged, mis-published and junk ones', () => {
    const alice = board('alice')
    const bob = board('bob')
    const envelope = decodeSignedMessage(alice.publish(4n, 0))
    expect(bob.receive(envelope, peerId('alice'), null)).toMatchObject({ ok: 'ignore' })
    expect(bob.receive(envelope, peerId('alice'), 9n)).toMatchObject({
      ok: 'ignore',
      detail: expect.stringMatching(/round 9 accepts 7\.\.10/),
    })
    // published by carol, authored and signed by alice
    expect(bob.receive(envelope, peerId('carol'), 4n)).toMatchObject({ ok: false, reason: 'wrong-signer' })
    // carol signs a body naming alice as the author
    const body = decodeSignedMessage(alice.publish(4n, 0)).body
    const forged = {
      kind: 'PeerStatus' as const,
      body,
      signature: signDigest(signingDigest('PeerStatus', body, domain).digest, key('carol')),
    }
    expect(bob.receive(forged, peerId('carol'), 4n)).toMatchObject({ ok: false, reason: 'wrong-signer' })
    const junk = { kind: 'PeerStatus' as const, body: Uint8Array.of(1, 2), signature: new Uint8Array(65) }
    expect(bob.receive(junk, peerId('carol'), 4n)).toMatchObject({ ok: false, reason: 'malformed' })
    const tpu = signMessage(
      'PeerStatus',
      { ...decodeStatus(body), author: addressFromPrivateKey(key('carol')), device: 'tpu' },
      domain,
      key('carol'),
    )
    expect(bob.receive(tpu, peerId('carol'), 4n)).toMatchObject({ ok: false, reason: 'unknown-device' })
    expect(bob.rows()).toEqual([])
  })

  it('drops statuses more than two rounds older than its own', () => {
    const alice = board('alice')
    const bob = board('bob')
    expect(bob.receive(decodeSignedMessage(alice.publish(3n, 0)), peerId('alice'), 3n)).toEqual({ ok: true })
    bob.publish(5n, 0)
    expect(bob.rows().map((r) => r.address)).toContain(address('alice'))
    bob.publish(6n, 0)
    expect(bob.rows().map((r) => r.address)).toEqual([address('bob')])
  })
})

function decodeStatus(body: Uint8Array) {
  return signingDigest('PeerStatus', body, domain).value
}
