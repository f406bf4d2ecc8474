// consensus-critical: the ONNX bytes of a graph are hashed (model identity).
/**
 * A minimal protocol-buffers writer for the ONNX schema: fields are written in the order the
 * caller emits them (we always emit ascending field numbers), repeated scalars packed, no
 * unknown fields. Enough for ModelProto; there is no reader — onnxruntime is the reader.
 */
import { concatBytes } from '../bytes/bytes.js'

export class ProtoWriter {
  private chunks: Uint8Array[] = []

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes)
  }

  private varint(value: bigint | number): void {
    let v = BigInt.asUintN(64, BigInt(value))
    const out: number[] = []
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    out.push(Number(v))
    this.push(Uint8Array.from(out))
  }

  private tag(field: number, wire: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wire)
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0)
    this.varint(value)
    return this
  }

  float(field: number, value: number): this {
    this.tag(field, 5)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, value, true)
    this.push(b)
    return this
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2)
    this.varint(value.length)
    this.push(value)
    return this
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value))
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter()
    build(inner)
    return this.bytes(field, inner.finish())
  }

  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter()
    for (const v of values) inner.varint(v)
    return this.bytes(field, inner.finish())
  }

  finish(): Uint8Array {
    return concatBytes(...this.chunks)
  }
}
