import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import {
  addressFromPeerId,
  peerIdFromPublicKey as murmurPeerId,
  peerIdFromString as murmurPeerIdFromString,
  peerIdToString,
  publicKeyFromPeerId,
  publicKeyFromPrivateKey,
  toChecksumAddress,
  toHex0x,
} from '@murmur/protocol'
import { Wallet } from 'ethers'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decryptKey,
  defaultKeystorePath,
  encryptKey,
  generatePrivateKey,
  keyIdentity,
  keystoreAddress,
  readKeystore,
  writeKeystoreFile,
} from './keystore.js'

const FAST_N = 1024
const dir = () => mkdtempSync(join(tmpdir(), 'murmur-keys-'))
const privateKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => k.some((b) => b !== 0) && k[0] !== 0xff)

describe('peer identity (protocol) agrees with libp2p', () => {
  it('derives the PeerId libp2p derives from the same secp256k1 public key', () => {
    fc.assert(
      fc.property(privateKey, (sk) => {
        const pub = publicKeyFromPrivateKey(sk)
        const theirs = peerIdFromPublicKey(publicKeyFromRaw(pub))
        const ours = murmurPeerId(pub)
        expect(peerIdToString(ours)).toBe(theirs.toString())
        expect(ours).toEqual(theirs.toMultihash().bytes)
      }),
      { numRuns: 25 },
    )
  })

  it('recovers the public key and address from a libp2p PeerId string', () => {
    fc.assert(
      fc.property(privateKey, (sk) => {
        const pub = publicKeyFromPrivateKey(sk)
        const theirs = peerIdFromPublicKey(publicKeyFromRaw(pub)).toString()
        const parsed = peerIdFromString(theirs)
        const ours = murmurPeerIdFromString(theirs)
        expect(publicKeyFromPeerId(ours)).toEqual(parsed.publicKey!.raw)
        expect(toChecksumAddress(addressFromPeerId(ours))).toBe(new Wallet(toHex0x(sk)).address)
      }),
      { numRuns: 25 },
    )
  })
})

describe('keystore', () => {
  it('round-trips a key through an ethers-compatible keystore', async () => {
    const sk = generatePrivateKey()
    const json = await encryptKey(sk, 'correct horse', FAST_N)
    expect((await Wallet.fromEncryptedJson(json, 'correct horse')).address).toBe(keyIdentity(sk).address)
    expect(await decryptKey(json, 'correct horse', 'k.json')).toEqual(sk)
  })

  it('reports a wrong password, a corrupt file and a missing file in one line each', async () => {
    const d = dir()
    const path = join(d, 'keystore.json')
    writeKeystoreFile(path, await encryptKey(generatePrivateKey(), 'pw', FAST_N))
    await expect(readKeystore(path, 'nope')).rejects.toThrow(`Wrong password for the keystore at ${path}.`)
    const corrupt = join(d, 'corrupt.json')
    const parsed = JSON.parse(readFileSync(path, 'utf8'))
    parsed.Crypto.kdfparams.salt = 'zz'
    writeFileSync(corrupt, JSON.stringify(parsed))
    await expect(readKeystore(corrupt, 'pw')).rejects.toThrow(/^.*corrupt\.json is a corrupt keystore: /)
    writeFileSync(corrupt, 'not json')
    await expect(readKeystore(corrupt, 'pw')).rejects.toThrow(`${corrupt} is not an Ethereum JSON keystore.`)
    await expect(readKeystore(join(d, 'missing.json'), 'pw')).rejects.toMatchObject({ name: 'CliError', exitCode: 3 })
  })

  it('writes with mode 0600 and never overwrites', async () => {
    const path = join(dir(), 'sub', 'keystore.json')
    writeKeystoreFile(path, '{"a":1}')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(() => writeKeystoreFile(path, '{"b":2}')).toThrow(/already exists/)
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}')
  })

  it('reads the plaintext address without the password', async () => {
    const path = join(dir(), 'k.json')
    const sk = generatePrivateKey()
    writeKeystoreFile(path, await encryptKey(sk, 'pw', FAST_N))
    expect(keystoreAddress(path)).toBe(keyIdentity(sk).address)
  })

  it('defaults to $MURMUR_HOME/keystore.json', () => {
    expect(defaultKeystorePath({ MURMUR_HOME: '/srv/murmur' })).toBe('/srv/murmur/keystore.json')
    expect(defaultKeystorePath({})).toMatch(/\.murmur\/keystore\.json$/)
  })
})
