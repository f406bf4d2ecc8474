import { computeAddress, getAddress, SigningKey } from 'ethers'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex0x } from '../bytes/bytes.js'
import { base58Decode, base58Encode } from './base58.js'
import {
  addressFromPeerId,
  addressFromPrivateKey,
  parseAddress,
  peerIdFromPublicKey,
  peerIdFromString,
  peerIdToString,
  publicKeyFromPeerId,
  publicKeyFromPrivateKey,
  toChecksumAddress,
} from './identity.js'

const privateKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => k.some((b) => b !== 0) && k[0] !== 0xff)

describe('identity', () => {
  it('derives the same address as ethers from any private key', () => {
    fc.assert(
      fc.property(privateKey, (sk) => {
        expect(toChecksumAddress(addressFromPrivateKey(sk))).toBe(computeAddress(new SigningKey(toHex0x(sk))))
      }),
      { numRuns: 50 },
    )
  })

  it('goes from public key to PeerId and back, and from PeerId to address', () => {
    fc.assert(
      fc.property(privateKey, (sk) => {
        const pub = publicKeyFromPrivateKey(sk)
        const peerId = peerIdFromPublicKey(pub)
        expect(publicKeyFromPeerId(peerId)).toEqual(pub)
        expect(addressFromPeerId(peerId)).toEqual(addressFromPrivateKey(sk))
        expect(peerIdFromString(peerIdToString(peerId))).toEqual(peerId)
        expect(peerIdToString(peerId)).toMatch(/^16Uiu2/)
      }),
      { numRuns: 50 },
    )
  })

  it('rejects PeerIds that are not secp256k1 identity multihashes', () => {
    const peerId = peerIdFromPublicKey(publicKeyFromPrivateKey(new Uint8Array(32).fill(7)))
    const ed25519Like = peerId.slice()
    ed25519Like[3] = 0x01
    expect(() => publicKeyFromPeerId(ed25519Like)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Not a secp256k1 PeerId: expected 0x0025080212 21 followed by a 33-byte compressed key.]`,
    )
    const offCurve = peerId.slice()
    offCurve[6] = 0x05
    expect(() => publicKeyFromPeerId(offCurve)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: The PeerId holds bytes that are not a secp256k1 point.]`,
    )
  })

  it('base58 round-trips, keeping leading zeros', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(base58Decode(base58Encode(b))).toEqual(b)
      }),
    )
    expect(base58Encode(Uint8Array.of(0, 0, 1))).toBe('112')
    expect(() => base58Decode('0OIl')).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: "0OIl" is not base58: bad character "0" at 0.]`,
    )
  })

  it('writes and checks EIP-55 checksums as ethers does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (a) => {
        const text = toChecksumAddress(a)
        expect(text).toBe(getAddress(toHex0x(a)))
        expect(parseAddress(text)).toEqual(a)
        expect(parseAddress(text.toLowerCase())).toEqual(a)
      }),
    )
    expect(() => parseAddress('0x5fbDB2315678afecb367f032d93F642f64180aa3')).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Address 0x5fbDB2315678afecb367f032d93F642f64180aa3 has a bad EIP-55 checksum.]`,
    )
  })

  it('rejects a zero private key', () => {
    expect(() => publicKeyFromPrivateKey(new Uint8Array(32))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: A private key must be 32 bytes encoding a scalar in [1, n) of secp256k1.]`,
    )
  })
})
