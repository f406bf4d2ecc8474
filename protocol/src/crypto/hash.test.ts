import { describe, expect, it } from 'vitest'
import { contentHash, keccak256, toHex } from './hash.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

describe('hashes', () => {
  it('contentHash is sha256 (FIPS 180-4 test vector "abc")', () => {
    expect(toHex(contentHash(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('keccak256 is Ethereum keccak, not NIST SHA3 (empty input)', () => {
    expect(toHex(keccak256(new Uint8Array()))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
  })
})
