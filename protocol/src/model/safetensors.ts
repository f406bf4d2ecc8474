// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * safetensors (https://github.com/huggingface/safetensors, "Format"): u64le N ‖ N bytes of
 * UTF-8 JSON header ‖ data. The header maps each tensor name to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data section) and may
 * hold "__metadata__": {string: string}.
 *
 * Decoding reads F32, F16 and BF16 into float32 exactly and validates the header strictly:
 * offsets must tile the data section with no gaps, overlaps or trailing bytes, as the reference
 * implementation requires. Encoding writes F32 only, canonically (one byte string per input):
 * "__metadata__" first with keys sorted, then tensors sorted by name (UTF-8 byte order), each as
 * {"dtype":"F32","shape":[…],"data_offsets":[b,e]}, data in that order, the header padded with
 * spaces to a multiple of 8 bytes (as the reference writer pads it), -0 written as +0, NaN and
 * ±Inf rejected.
 */
import { concatBytes } from '../bytes/bytes.js'
import { InvalidArgumentError, ModelFormatError } from '../errors.js'
import { shapeSize } from './parameters.js'
import type { Tensor32 } from './weights.js'

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16'

export interface DecodedSafetensors {
  tensors: Map<string, Tensor32>
  metadata: Record<string, string>
  /** The dtype each tensor was stored in before conversion to float32. */
  dtypes: Map<string, SafetensorsDtype>
}

/** Bytes per element of every dtype the format defines, so offsets validate even for dtypes we refuse. */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
}
const READABLE: readonly string[] = ['F32', 'F16', 'BF16']

/** The reference implementation's limit (safetensors `MAX_HEADER_SIZE`). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

function formatError(message: string, details: Record<string, unknown>, cause?: unknown): ModelFormatError {
  return new ModelFormatError(message, details, cause === undefined ? undefined : { cause })
}

function compareBytes(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

/** Sorts strings by their UTF-8 bytes, the order Rust's `str::cmp` (the reference writer) uses. */
export function sortUtf8(strings: Iterable<string>): string[] {
  const enc = new TextEncoder()
  return [...strings]
    .map((s) => ({ s, b: enc.encode(s) }))
    .sort((x, y) => compareBytes(x.b, y.b))
    .map((x) => x.s)
}

/** True unless `s` has a lone surrogate (which UTF-8 cannot carry, so two names could encode alike). */
function isWellFormed(s: string): boolean {
  return !/\p{Surrogate}/u.test(s)
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

interface Entry {
  name: string
  dtype: string
  shape: number[]
  begin: number
  end: number
}

function parseEntry(name: string, raw: unknown): Entry {
  const bad = (field: string, value: unknown, reason: string): never => {
    let shown: string
    try {
      shown = JSON.stringify(value) ?? String(value)
    } catch {
      shown = String(value)
    }
    throw formatError(`safetensors tensor "${name}": field "${field}" is ${value === undefined ? 'missing' : shown}; ${reason}.`, {
      tensor: name,
      field,
      value,
    })
  }
  if (!isPlainObject(raw)) return bad('(entry)', raw, 'expected an object with dtype, shape and data_offsets')
  for (const k of Object.keys(raw)) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') bad(k, raw[k], 'unknown field')
  }
  const { dtype, shape, data_offsets: offsets } = raw
  if (typeof dtype !== 'string' || DTYPE_BYTES[dtype] === undefined) {
    bad('dtype', dtype, `expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`)
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    bad('shape', shape, 'expected an array of non-negative integers')
  }
  const isOffset = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isOffset(offsets[0]) || !isOffset(offsets[1]) || offsets[0] > offsets[1]) {
    bad('data_offsets', offsets, 'expected [begin, end] with 0 ≤ begin ≤ end')
  }
  const dims = shape as number[]
  const [begin, end] = offsets as [number, number]
  let elements = 1
  for (const d of dims) {
    elements *= d
    if (!Number.isSafeInteger(elements)) bad('shape', dims, 'its element count exceeds 2^53')
  }
  const bytes = elements * DTYPE_BYTES[dtype as string]!
  if (bytes !== end - begin) {
    bad('data_offsets', offsets, `spans ${end - begin} bytes but ${dtype} ${JSON.stringify(dims)} needs ${bytes}`)
  }
  return { name, dtype: dtype as string, shape: [...dims], begin, end }
}

/** Parses and validates the header; returns the entries and metadata and where data starts. */
function parseHeader(bytes: Uint8Array): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('decodeSafetensors expects a Uint8Array.')
  if (bytes.length < 8) {
    throw formatError(`safetensors file is ${bytes.length} bytes; it needs at least 8 for the header length.`, {
      field: 'header_length',
      sizeBytes: bytes.length,
    })
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const lo = dv.getUint32(0, true)
  const hi = dv.getUint32(4, true)
  const headerBytes = hi * 0x100000000 + lo
  if (headerBytes > SAFETENSORS_MAX_HEADER_BYTES || headerBytes > bytes.length - 8) {
    throw formatError(
      `safetensors header length is ${headerBytes} bytes; the file has ${bytes.length - 8} bytes after the length and the limit is ${SAFETENSORS_MAX_HEADER_BYTES}.`,
      { field: 'header_length', value: headerBytes, sizeBytes: bytes.length },
    )
  }
  let header: unknown
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes))
    if (!text.startsWith('{')) throw new Error('the header does not start with "{"')
    header = JSON.parse(text)
  } catch (err) {
    throw formatError(
      `safetensors header is not a UTF-8 JSON object: ${err instanceof Error ? err.message : String(err)}.`,
      { field: 'header' },
      err,
    )
  }
  if (!isPlainObject(header)) throw formatError('safetensors header is not a JSON object.', { field: 'header' })

  const metadata: Record<string, string> = {}
  const entries: Entry[] = []
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        throw formatError('safetensors "__metadata__" must be an object of string values.', { field: '__metadata__' })
      }
      for (const [k, v] of Object.entries(raw)) Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true })
      continue
    }
    entries.push(parseEntry(name, raw))
  }

  // The offsets must tile [0, data length) exactly: sorted by begin, each starts where the last ended.
  const dataStart = 8 + headerBytes
  const dataBytes = bytes.length - dataStart
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)
  let cursor = 0
  for (const e of sorted) {
    if (e.begin !== cursor) {
      throw formatError(
        `safetensors tensor "${e.name}": field "data_offsets" starts at ${e.begin}, expected ${cursor} (offsets must be contiguous without gaps or overlaps).`,
        { tensor: e.name, field: 'data_offsets', value: [e.begin, e.end], expected: cursor },
      )
    }
    cursor = e.end
  }
  if (cursor !== dataBytes) {
    const last = sorted.at(-1)
    throw formatError(
      `safetensors data section is ${dataBytes} bytes but the tensors cover ${cursor}${last ? ` (last: "${last.name}")` : ''}.`,
      { field: 'data_offsets', tensor: last?.name, covered: cursor, dataBytes },
    )
  }
  return { entries, metadata, dataStart }
}

/** float16 bits → float32 bits, exactly (subnormals normalised, Inf and NaN payload kept). */
function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16
  const exp = (h >> 10) & 0x1f
  let mant = h & 0x3ff
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0
  if (mant === 0) return sign >>> 0
  // Subnormal: value = mant · 2^-24. Shift the leading 1 into the implicit bit.
  let e = 113
  while ((mant & 0x400) === 0) {
    mant <<= 1
    e--
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0
}

function convert(bytes: Uint8Array, e: Entry, dataStart: number): Float32Array {
  const src = bytes.subarray(dataStart + e.begin, dataStart + e.end)
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength)
  const n = shapeSize(e.shape)
  const out = new Float32Array(n)
  if (e.dtype === 'F32') {
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(src)
    else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true)
    return out
  }
  const bits = new Uint32Array(out.buffer)
  if (e.dtype === 'BF16') {
    for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16
  } else {
    const table = new Uint32Array(65536)
    for (let h = 0; h < 65536; h++) table[h] = f16ToF32Bits(h)
    for (let i = 0; i < n; i++) bits[i] = table[dv.getUint16(2 * i, true)]!
  }
  return out
}

/**
 * Decodes a safetensors file whose tensors are F32, F16 or BF16 into float32 tensors.
 * @throws ModelFormatError naming the tensor and field for any malformed or unsupported input.
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  const { entries, metadata, dataStart } = parseHeader(bytes)
  const tensors = new Map<string, Tensor32>()
  const dtypes = new Map<string, SafetensorsDtype>()
  for (const e of entries) {
    if (!READABLE.includes(e.dtype)) {
      throw formatError(`safetensors tensor "${e.name}": field "dtype" is "${e.dtype}"; murmur reads ${READABLE.join(', ')} only.`, {
        tensor: e.name,
        field: 'dtype',
        value: e.dtype,
      })
    }
    tensors.set(e.name, { shape: e.shape, data: convert(bytes, e, dataStart) })
    dtypes.set(e.name, e.dtype as SafetensorsDtype)
  }
  return { tensors, metadata, dtypes }
}

function assertTensor(name: string, t: Tensor32): void {
  const fail = (reason: string): never => {
    throw new InvalidArgumentError(`Cannot encode tensor "${name}": ${reason}.`, { tensor: name })
  }
  if (name === '__metadata__') fail('the name "__metadata__" is reserved')
  if (!isWellFormed(name)) fail('the name is not well-formed Unicode (lone surrogate)')
  if (!Array.isArray(t?.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail('shape must be non-negative integers')
  if (!(t.data instanceof Float32Array)) fail('data must be a Float32Array')
  if (t.data.length !== shapeSize(t.shape))
    fail(`shape ${JSON.stringify(t.shape)} has ${shapeSize(t.shape)} elements but data has ${t.data.length}`)
}

/**
 * The canonical F32 safetensors bytes of `tensors` as a sequence of chunks: the length prefix
 * and padded header first, then one chunk per tensor in name order. Concatenated, they are
 * {@link encodeSafetensors}; hashing or writing them one by one never holds the whole file.
 * Shapes are checked before the first chunk; NaN/±Inf throw when their tensor's chunk is made.
 * @throws InvalidArgumentError naming the tensor for a bad shape, NaN or ±Inf.
 */
export function* encodeSafetensorsChunks(
  tensors: ReadonlyMap<string, Tensor32>,
  metadata: Readonly<Record<string, string>> = {},
): Generator<Uint8Array, void, undefined> {
  const names = sortUtf8(tensors.keys())
  const parts: string[] = []
  const metaKeys = sortUtf8(Object.keys(metadata))
  if (metaKeys.length > 0) {
    for (const k of metaKeys) {
      if (typeof metadata[k] !== 'string' || !isWellFormed(k) || !isWellFormed(metadata[k])) {
        throw new InvalidArgumentError(`safetensors metadata "${k}" must be a well-formed string.`, { key: k })
      }
    }
    parts.push(`"__metadata__":{${metaKeys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`)
  }
  let offset = 0
  for (const name of names) {
    const t = tensors.get(name)!
    assertTensor(name, t)
    const end = offset + 4 * t.data.length
    parts.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`)
    offset = end
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`)
  const headerBytes = json.length + ((8 - (json.length % 8)) % 8)
  const head = new Uint8Array(8 + headerBytes)
  const hv = new DataView(head.buffer)
  hv.setUint32(0, headerBytes % 0x100000000, true)
  hv.setUint32(4, Math.floor(headerBytes / 0x100000000), true)
  head.set(json, 8)
  head.fill(0x20, 8 + json.length)
  yield head
  for (const name of names) {
    const data = tensors.get(name)!.data
    const bits = new Uint32Array(data.buffer, data.byteOffset, data.length) // Float32Array offsets are 4-aligned
    const chunk = new Uint8Array(4 * data.length)
    const dv = new DataView(chunk.buffer)
    for (let i = 0; i < bits.length; i++) {
      let b = bits[i]!
      if ((b & 0x7f800000) === 0x7f800000) {
        throw new InvalidArgumentError(`Cannot encode tensor "${name}": element ${i} is ${data[i]}; weights must be finite.`, {
          tensor: name,
          index: i,
        })
      }
      if (b === 0x80000000) b = 0 // fold -0 to +0
      dv.setUint32(4 * i, b, true)
    }
    yield chunk
  }
}

/**
 * Encodes float32 tensors as canonical F32 safetensors (see the file comment for the layout).
 * @throws InvalidArgumentError naming the tensor for a bad shape, NaN or ±Inf.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, Tensor32>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  return concatBytes(...encodeSafetensorsChunks(tensors, metadata))
}
