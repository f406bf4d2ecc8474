import { secp256k1 } from '@noble/curves/secp256k1.js'
import { TypedDataEncoder, verifyTypedData } from 'ethers'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { alice, domain, LEDGER, RUN } from '../../vectors/fixtures.js'
import { fromHex, toHex0x } from '../bytes/bytes.js'
import { domainSeparator, EIP712_TYPES, type Eip712Message, linkDigest, typedDataDigest } from './eip712.js'
import { addressFromPrivateKey, publicKeyFromPrivateKey, toChecksumAddress } from './identity.js'
import { SIGNATURE_BYTES, signatureParts, signDigest } from './sign.js'
import { recoverSigner, verifyDigest } from './verify.js'

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 })

const ethersDomain = {
  name: 'murmur',
  version: '1',
  chainId: domain.chainId,
  verifyingContract: toChecksumAddress(LEDGER),
  salt: toHex0x(RUN),
}
const ethersTypes = { Delta: EIP712_TYPES.Delta.map((f) => ({ ...f })) }

const deltaMessage = (m: Eip712Message<'Delta'>) => ({
  run: toHex0x(m.run),
  round: m.round,
  author: toChecksumAddress(m.author),
  basePolicyHash: toHex0x(m.basePolicyHash),
  payloadHash: toHex0x(m.payloadHash),
  digest: toHex0x(m.digest),
})

describe('EIP-712 digests and signatures', () => {
  it('computes the same domain separator and digest as ethers.TypedDataEncoder', () => {
    fc.assert(
      fc.property(
        bytes32,
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        bytes32,
        bytes32,
        bytes32,
        (run, round, base, payload, digest) => {
          const m: Eip712Message<'Delta'> = { run, round, author: alice.address, basePolicyHash: base, payloadHash: payload, digest }
          expect(toHex0x(domainSeparator(domain))).toBe(TypedDataEncoder.hashDomain(ethersDomain))
          expect(toHex0x(typedDataDigest(domain, 'Delta', m))).toBe(TypedDataEncoder.hash(ethersDomain, ethersTypes, deltaMessage(m)))
        },
      ),
      { numRuns: 30 },
    )
  })

  it('signs typed data that ethers.verifyTypedData attributes to the signer', () => {
    const m: Eip712Message<'Delta'> = {
      run: RUN,
      round: 7n,
      author: alice.address,
      basePolicyHash: new Uint8Array(32).fill(1),
      payloadHash: new Uint8Array(32).fill(2),
      digest: new Uint8Array(32).fill(3),
    }
    const sig = signDigest(typedDataDigest(domain, 'Delta', m), alice.privateKey)
    expect(sig).toHaveLength(SIGNATURE_BYTES)
    expect(verifyTypedData(ethersDomain, ethersTypes, deltaMessage(m), toHex0x(sig))).toBe(toChecksumAddress(alice.address))
  })

  it('signs a Link naming any owner that ethers attributes to the contributor key, in the run of the domain', () => {
    const linkTypes = { Link: EIP712_TYPES.Link.map((f) => ({ ...f })) }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (owner) => {
        const message = { run: toHex0x(RUN), owner: toChecksumAddress(owner) }
        const digest = linkDigest(domain, owner)
        expect(toHex0x(digest)).toBe(TypedDataEncoder.hash(ethersDomain, linkTypes, message))
        const sig = signDigest(digest, alice.privateKey)
        expect(verifyTypedData(ethersDomain, linkTypes, message, toHex0x(sig))).toBe(toChecksumAddress(alice.address))
      }),
      { numRuns: 20 },
    )
  })

  it('only ever produces low-s signatures with v in {27, 28}, and recovers the signer', () => {
    fc.assert(
      fc.property(bytes32, (digest) => {
        const sig = signDigest(digest, alice.privateKey)
        const { s, v } = signatureParts(sig)
        expect(s <= N / 2n).toBe(true)
        expect([27, 28]).toContain(v)
        expect(recoverSigner(digest, sig)).toEqual({ ok: true, address: addressFromPrivateKey(alice.privateKey) })
      }),
      { numRuns: 50 },
    )
  })

  it('rejects the high-s twin of a valid signature (the malleable form)', () => {
    const digest = new Uint8Array(32).fill(9)
    const sig = signDigest(digest, alice.privateKey)
    const { s, v } = signatureParts(sig)
    const high = new Uint8Array(65)
    high.set(sig.subarray(0, 32))
    high.set(fromHex((N - s).toString(16).padStart(64, '0')), 32)
    high[64] = v === 27 ? 28 : 27
    // the twin is a mathematically valid signature of the same digest by the same key
    expect(secp256k1.verify(high.subarray(0, 64), digest, publicKeyFromPrivateKey(alice.privateKey), { prehash: false, lowS: false })).toBe(
      true,
    )
    expect(recoverSigner(digest, high)).toEqual({ ok: false, problem: 'high-s' })
    expect(verifyDigest(digest, high, alice.address)).toBe(false)
  })

  it('rejects malformed signatures without throwing', () => {
    const digest = new Uint8Array(32).fill(9)
    const sig = signDigest(digest, alice.privateKey)
    const badV = sig.slice()
    badV[64] = 1
    expect(recoverSigner(digest, badV)).toEqual({ ok: false, problem: 'bad-v' })
    expect(recoverSigner(digest, sig.subarray(0, 64))).toEqual({ ok: false, problem: 'wrong-length' })
    expect(recoverSigner(digest, new Uint8Array(65).fill(0).fill(27, 64))).toEqual({ ok: false, problem: 'r-out-of-range' })
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 65, maxLength: 65 }), (junk) => {
        expect(typeof recoverSigner(digest, junk).ok).toBe('boolean')
      }),
    )
  })

  it('binds the signature to the domain: another chain id or run does not verify', () => {
    const m: Eip712Message<'CheckpointAnnouncement'> = {
      run: RUN,
      round: 1n,
      author: alice.address,
      policyHash: new Uint8Array(32),
      digest: new Uint8Array(32),
    }
    const sig = signDigest(typedDataDigest(domain, 'CheckpointAnnouncement', m), alice.privateKey)
    expect(verifyDigest(typedDataDigest({ ...domain, chainId: 1n }, 'CheckpointAnnouncement', m), sig, alice.address)).toBe(false)
    expect(verifyDigest(typedDataDigest({ ...domain, salt: new Uint8Array(32) }, 'CheckpointAnnouncement', m), sig, alice.address)).toBe(
      false,
    )
    expect(verifyDigest(typedDataDigest(domain, 'CheckpointAnnouncement', m), sig, alice.address)).toBe(true)
  })
})
