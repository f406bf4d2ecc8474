// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * murmur's public randomness. Everything peers must be able to re-derive (task instances,
 * prompt assignment, deterministic weight init, sampling uniforms) draws from here, seeded by
 * {@link deriveSeed}. Two generators:
 *
 * - {@link createRng}: a sequential stream, the ChaCha20 keystream (RFC 8439) with key = the
 *   32-byte seed, nonce = u32le(0) ‖ u64le(stream), block counter from 0. Fast, for bulk draws.
 * - {@link uniformAt}: random access, uniform = top 53 bits of
 *   sha256(lp("murmur/uniform/v1") ‖ seed ‖ u32le(i0) ‖ u32le(i1) ‖ …) / 2^53. Used for the
 *   sampler's uniform at (completion k, position t), so a verifier can recompute any single
 *   draw without replaying the stream.
 *
 * Floats are built from integers with exact arithmetic only (no Math.log/exp), so every
 * engine produces the same bits.
 */
import { chacha20 } from '@noble/ciphers/chacha.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidArgumentError } from '../errors.js'

export interface Rng {
  /** Next uniformly distributed 32-bit unsigned integer. */
  nextU32(): number
  /** Next double uniform on [0, 1) with 53 random bits. */
  nextFloat(): number
  /** Uniform integer on [0, n) by rejection sampling (unbiased); n ≤ 2^32. */
  nextInt(n: number): number
}

const BLOCK_BYTES = 65536
const FIRST_CHUNK_BYTES = 256
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1
const TWO_POW_26 = 67108864
const TWO_POW_53 = 9007199254740992
const UNIFORM_DOMAIN = 'murmur/uniform/v1'

function assertSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new InvalidArgumentError(`A seed must be 32 bytes, got ${seed instanceof Uint8Array ? seed.length : typeof seed}.`, {
      length: seed?.length,
    })
  }
}

function assertU32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new InvalidArgumentError(`${name} must be an integer in [0, 2^32), got ${v}.`, { [name]: v })
  }
}

/** 53-bit double on [0,1) from two 32-bit words (the same construction as xoshiro's `next_double`). */
export function floatFromU32Pair(hi: number, lo: number): number {
  return ((hi >>> 5) * TWO_POW_26 + (lo >>> 6)) / TWO_POW_53
}

/** A sequential ChaCha20 stream over `seed`; distinct `stream` values give independent streams. */
export function createRng(seed: Uint8Array, stream: number | bigint = 0): Rng {
  assertSeed(seed)
  const nonce = new Uint8Array(12)
  const view = new DataView(nonce.buffer)
  view.setBigUint64(4, BigInt(stream), true)
  let counter = 0
  // the keystream is the same however it is chunked: each refill continues at the block counter.
  // Chunks start at 256 bytes and double up to 64 KiB: a task instance draws a few words, a
  // weight init millions, and neither should pay for the other's chunk size.
  let size = 0
  let zeros = new Uint8Array(0)
  let bytes = new Uint8Array(0)
  let words = new Uint32Array(0)
  let pos = 0
  const refill = () => {
    if (size < BLOCK_BYTES) {
      size = size === 0 ? FIRST_CHUNK_BYTES : Math.min(BLOCK_BYTES, 2 * size)
      zeros = new Uint8Array(size)
      bytes = new Uint8Array(size)
      words = new Uint32Array(size / 4)
    }
    chacha20(seed, nonce, zeros, bytes, counter)
    counter += size / 64
    if (LITTLE_ENDIAN) words.set(new Uint32Array(bytes.buffer, bytes.byteOffset, words.length))
    else {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      for (let i = 0; i < words.length; i++) words[i] = dv.getUint32(i * 4, true)
    }
    pos = 0
  }
  const nextU32 = (): number => {
    if (pos >= words.length) refill()
    return words[pos++]!
  }
  return {
    nextU32,
    nextFloat: () => {
      const hi = nextU32()
      return floatFromU32Pair(hi, nextU32())
    },
    nextInt(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new InvalidArgumentError(`nextInt bound must be in [1, 2^32], got ${n}.`)
      const limit = 0x100000000 - (0x100000000 % n) // largest multiple of n that fits
      for (;;) {
        const x = nextU32()
        if (x < limit) return x % n
      }
    },
  }
}

/** Random-access uniform on [0,1) for an index tuple (e.g. completion k, position t). */
export function uniformAt(seed: Uint8Array, indices: readonly number[]): number {
  assertSeed(seed)
  const domain = new TextEncoder().encode(UNIFORM_DOMAIN)
  const buf = new Uint8Array(4 + domain.length + 32 + 4 * indices.length)
  const dv = new DataView(buf.buffer)
  dv.setUint32(0, domain.length, true)
  buf.set(domain, 4)
  buf.set(seed, 4 + domain.length)
  indices.forEach((v, i) => {
    assertU32(`indices[${i}]`, v)
    dv.setUint32(4 + domain.length + 32 + 4 * i, v, true)
  })
  const h = new DataView(sha256(buf).buffer)
  return floatFromU32Pair(h.getUint32(0, false), h.getUint32(4, false))
}

export type SeedPart = Uint8Array | string | number | bigint

/**
 * A 32-byte seed for a purpose: sha256 over length-prefixed parts, each tagged with its kind so
 * that no two different part lists encode alike. Strings are UTF-8; numbers must be u32
 * (u32le); bigints are u64 (u64le).
 */
export function deriveSeed(domain: string, ...parts: readonly SeedPart[]): Uint8Array {
  const enc = new TextEncoder()
  const chunks: Uint8Array[] = []
  const push = (tag: number, bytes: Uint8Array) => {
    const head = new Uint8Array(5)
    head[0] = tag
    new DataView(head.buffer).setUint32(1, bytes.length, true)
    chunks.push(head, bytes)
  }
  push(0, enc.encode(domain))
  parts.forEach((p, i) => {
    if (p instanceof Uint8Array) push(1, p)
    else if (typeof p === 'string') push(2, enc.encode(p))
    else if (typeof p === 'number') {
      assertU32(`parts[${i}]`, p)
      const b = new Uint8Array(4)
      new DataView(b.buffer).setUint32(0, p, true)
      push(3, b)
    } else {
      if (p < 0n || p >= 1n << 64n) throw new InvalidArgumentError(`parts[${i}] must be a u64, got ${p}.`)
      const b = new Uint8Array(8)
      new DataView(b.buffer).setBigUint64(0, p, true)
      push(4, b)
    }
  })
  const total = chunks.reduce((n, c) => n + c.length, 0)
  const buf = new Uint8Array(total)
  let off = 0
  for (const c of chunks) {
    buf.set(c, off)
    off += c.length
  }
  return sha256(buf)
}
