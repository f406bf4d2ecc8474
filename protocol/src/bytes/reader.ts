// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Canonical byte reader, the strict inverse of {@link ByteWriter}. It accepts exactly the bytes
 * the writer produces and nothing else: every failure (truncation, trailing bytes, a length
 * over its limit, an out-of-range value, NaN/±Inf/-0 floats, invalid UTF-8) throws
 * MessageDecodeError naming the message type, field and byte offset.
 */
import { MessageDecodeError } from '../errors.js'

export class ByteReader {
  private readonly view: DataView
  private pos = 0

  constructor(
    private readonly bytes: Uint8Array,
    /** Message type, for error messages. */
    readonly type: string,
  ) {
    if (!(bytes instanceof Uint8Array)) throw new MessageDecodeError({ type, field: '(input)', offset: 0, reason: 'is not a Uint8Array' })
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** Throws a MessageDecodeError for `field` at the given offset (default: the current one). */
  fail(field: string, reason: string, offset = this.pos): never {
    throw new MessageDecodeError({ type: this.type, field, offset, reason })
  }

  private take(field: string, n: number): number {
    if (n > this.bytes.length - this.pos) this.fail(field, `needs ${n} bytes but only ${this.bytes.length - this.pos} remain`)
    const at = this.pos
    this.pos += n
    return at
  }

  get offset(): number {
    return this.pos
  }

  get remaining(): number {
    return this.bytes.length - this.pos
  }

  u8(field: string): number {
    return this.view.getUint8(this.take(field, 1))
  }

  u16(field: string): number {
    return this.view.getUint16(this.take(field, 2), true)
  }

  u32(field: string): number {
    return this.view.getUint32(this.take(field, 4), true)
  }

  u64(field: string): bigint {
    return this.view.getBigUint64(this.take(field, 8), true)
  }

  u256(field: string): bigint {
    const at = this.take(field, 32)
    let x = 0n
    for (let i = 31; i >= 0; i--) x = (x << 8n) | BigInt(this.bytes[at + i]!)
    return x
  }

  /** An integer read as u8/u16/u32 that must lie in [min, max]. */
  range(field: string, width: 8 | 16 | 32, min: number, max: number): number {
    const at = this.pos
    const v = width === 8 ? this.u8(field) : width === 16 ? this.u16(field) : this.u32(field)
    if (v < min || v > max) this.fail(field, `is ${v}, outside [${min}, ${max}]`, at)
    return v
  }

  /** A u64 that must lie in [min, max]. */
  u64Range(field: string, min: bigint, max: bigint): bigint {
    const at = this.pos
    const v = this.u64(field)
    if (v < min || v > max) this.fail(field, `is ${v}, outside [${min}, ${max}]`, at)
    return v
  }

  /** float32; rejects NaN, ±Inf and -0 (the writer folds -0, so its bytes are never canonical). */
  f32(field: string): number {
    const at = this.take(field, 4)
    const bits = this.view.getUint32(at, true)
    if (bits === 0x80000000) this.fail(field, 'is -0, which is not canonical (write +0)', at)
    const v = this.view.getFloat32(at, true)
    if (!Number.isFinite(v)) this.fail(field, `is ${v}; floats must be finite`, at)
    return v
  }

  fixed(field: string, length: number): Uint8Array {
    const at = this.take(field, length)
    return this.bytes.slice(at, at + length)
  }

  /** u32 length ‖ bytes, length ≤ max. */
  bytesField(field: string, max: number): Uint8Array {
    const at = this.pos
    const n = this.u32(field)
    if (n > max) this.fail(field, `declares ${n} bytes; the limit is ${max}`, at)
    return this.fixed(field, n)
  }

  /** A length-prefixed UTF-8 string whose byte length is ≤ maxBytes; invalid UTF-8 is rejected. */
  string(field: string, maxBytes: number): string {
    const at = this.pos
    const raw = this.bytesField(field, maxBytes)
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw)
    } catch {
      return this.fail(field, 'is not valid UTF-8', at)
    }
  }

  /** A count (u32) in [min, max], checked against the bytes left so that junk cannot allocate. */
  count(field: string, min: number, max: number, minBytesEach: number): number {
    const at = this.pos
    const n = this.range(field, 32, min, max)
    if (n * minBytesEach > this.remaining) this.fail(field, `declares ${n} items but only ${this.remaining} bytes remain`, at)
    return n
  }

  u32Values(field: string, n: number): Uint32Array {
    const at = this.take(field, 4 * n)
    const out = new Uint32Array(n)
    for (let i = 0; i < n; i++) out[i] = this.view.getUint32(at + 4 * i, true)
    return out
  }

  f32Values(field: string, n: number): Float32Array {
    const at = this.take(field, 4 * n)
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      const bits = this.view.getUint32(at + 4 * i, true)
      // exponent all ones: ±Inf or NaN; 0x80000000: -0
      if ((bits & 0x7f800000) === 0x7f800000 || bits === 0x80000000) {
        this.pos = at + 4 * i
        this.f32(`${field}[${i}]`)
      }
      out[i] = this.view.getFloat32(at + 4 * i, true)
    }
    return out
  }

  /** Asserts every byte was consumed. */
  end(): void {
    if (this.pos !== this.bytes.length) this.fail('(end)', `is followed by ${this.bytes.length - this.pos} trailing bytes`)
  }
}
