// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Canonical byte writer: fixed-width little-endian integers, `bigint` for u64/u256,
 * u32-length-prefixed byte strings, IEEE-754 float32 with NaN/±Inf rejected and -0 folded to +0.
 * Every message encoder in `messages/` writes through this class and nothing else, so the
 * layout rules live in one place. Out-of-range input is a caller bug: it throws
 * InvalidArgumentError naming the field.
 */
import { InvalidArgumentError } from '../errors.js'

const U64_MAX = (1n << 64n) - 1n
const U256_MAX = (1n << 256n) - 1n
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function fail(field: string, reason: string, value: unknown): never {
  throw new InvalidArgumentError(`Cannot encode field "${field}": ${reason}.`, { field, value })
}

export class ByteWriter {
  private buf = new Uint8Array(256)
  private view = new DataView(this.buf.buffer)
  private len = 0

  private reserve(n: number): number {
    const need = this.len + n
    if (need > this.buf.length) {
      let size = this.buf.length * 2
      while (size < need) size *= 2
      const next = new Uint8Array(size)
      next.set(this.buf.subarray(0, this.len))
      this.buf = next
      this.view = new DataView(next.buffer)
    }
    const at = this.len
    this.len = need
    return at
  }

  private uint(field: string, v: number, max: number): void {
    if (!Number.isInteger(v) || v < 0 || v > max) fail(field, `must be an integer in [0, ${max}], got ${v}`, v)
  }

  u8(field: string, v: number): this {
    this.uint(field, v, 0xff)
    const at = this.reserve(1)
    this.view.setUint8(at, v)
    return this
  }

  u16(field: string, v: number): this {
    this.uint(field, v, 0xffff)
    const at = this.reserve(2)
    this.view.setUint16(at, v, true)
    return this
  }

  u32(field: string, v: number): this {
    this.uint(field, v, 0xffffffff)
    const at = this.reserve(4)
    this.view.setUint32(at, v, true)
    return this
  }

  u64(field: string, v: bigint): this {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) fail(field, `must be a bigint in [0, 2^64), got ${String(v)}`, v)
    const at = this.reserve(8)
    this.view.setBigUint64(at, v, true)
    return this
  }

  /** 32 bytes, little-endian. */
  u256(field: string, v: bigint): this {
    if (typeof v !== 'bigint' || v < 0n || v > U256_MAX) fail(field, `must be a bigint in [0, 2^256), got ${String(v)}`, v)
    const at = this.reserve(32)
    let x = v
    for (let i = 0; i < 32; i++) {
      this.buf[at + i] = Number(x & 0xffn)
      x >>= 8n
    }
    return this
  }

  /** float32 LE; the value must already be a float32 (Math.fround(v) === v), finite; -0 → +0. */
  f32(field: string, v: number): this {
    if (!Number.isFinite(v)) fail(field, `must be a finite number, got ${v}`, v)
    if (Math.fround(v) !== v) fail(field, `must be exactly representable as float32, got ${v}`, v)
    const at = this.reserve(4)
    this.view.setFloat32(at, v === 0 ? 0 : v, true)
    return this
  }

  /** Exactly `length` raw bytes, no prefix (hashes, addresses). */
  fixed(field: string, bytes: Uint8Array, length: number): this {
    if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
      fail(field, `must be ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`, bytes)
    }
    const at = this.reserve(length)
    this.buf.set(bytes, at)
    return this
  }

  /** u32 length ‖ bytes, with length ≤ max. */
  bytes(field: string, bytes: Uint8Array, max: number): this {
    if (!(bytes instanceof Uint8Array)) fail(field, 'must be a Uint8Array', bytes)
    if (bytes.length > max) fail(field, `is ${bytes.length} bytes; the limit is ${max}`, bytes.length)
    this.u32(field, bytes.length)
    const at = this.reserve(bytes.length)
    this.buf.set(bytes, at)
    return this
  }

  /** UTF-8 string as length-prefixed bytes, with the byte length ≤ maxBytes. */
  string(field: string, s: string, maxBytes: number): this {
    if (typeof s !== 'string' || LONE_SURROGATE.test(s)) fail(field, 'must be a well-formed string (no lone surrogates)', s)
    return this.bytes(field, new TextEncoder().encode(s), maxBytes)
  }

  /** Raw u32 LE values without a length prefix (the caller wrote the count). */
  u32Values(field: string, values: ArrayLike<number>): this {
    const at = this.reserve(4 * values.length)
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail(`${field}[${i}]`, `must be an integer in [0, 4294967295], got ${v}`, v)
      this.view.setUint32(at + 4 * i, v, true)
    }
    return this
  }

  /** Raw float32 LE values without a length prefix (the caller wrote the count). */
  f32Values(field: string, values: ArrayLike<number>): this {
    const at = this.reserve(4 * values.length)
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!
      if (!Number.isFinite(v) || Math.fround(v) !== v) {
        this.len = at // leave nothing half-written
        this.f32(`${field}[${i}]`, v)
      }
      this.view.setFloat32(at + 4 * i, v === 0 ? 0 : v, true)
    }
    return this
  }

  get length(): number {
    return this.len
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}
