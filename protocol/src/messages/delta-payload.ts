// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Delta payload: a flattened parameter update (numel float32 values, in the engine's canonical
 * parameter order) in one of two versioned formats.
 *
 * - `dense-f32` (format 0): every value as float32 LE. Exact; for tiny models and tests.
 * - `topk-int8` (format 1): the k kept coordinates (by |value|, ties to the lower index) as
 *   strictly ascending indices; their values quantised to int8 in [-127, 127] with one float32
 *   scale per chunk of `chunkSize` consecutive kept values:
 *       value[indices[i]] = fround(q[i] · scales[floor(i / chunkSize)]),  every other value 0.
 *   -128 is never written, so quantisation is symmetric. Error feedback (keeping the residual
 *   x − decode(encode(x)) for the next round) is the trainer's job.
 *
 * Layout: u8 payloadVersion (2) ‖ u8 format ‖ u32 numel ‖ body, where body is numel × f32 for
 * dense-f32, and u32 chunkSize ‖ u32 k ‖ k × varint gaps ‖ ceil(k/chunkSize) × f32 scales ‖
 * k × i8 q for topk-int8. The payload's hash is sha256 of these bytes (bulk content).
 *
 * Indices are sent as gaps because raw u32 indices were 4 of the ~5 bytes per kept value: at 1%
 * kept the gaps average ~100, so most fit one LEB128 byte (7 bits per byte, low group first,
 * high bit = more bytes follow). gaps[0] = indices[0] and gaps[i] = indices[i] − indices[i−1]
 * ≥ 1. Indices are below numel ≤ MAX_DELTA_NUMEL < 2^28, so a gap takes 1 to 4 bytes. Exactly
 * one byte string stands for each payload: a varint must be minimal (no final 0x00 byte after a
 * continuation byte), and the index section's length is not written but follows from the
 * payload size (everything after it has a fixed size given k and chunkSize).
 * Version 1 stored k × u32 indices and is no longer accepted (it never shipped).
 */
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import { MAX_DELTA_CHUNK_SIZE, MAX_DELTA_NUMEL, MAX_DELTA_PAYLOAD_BYTES } from '../constants.js'
import { contentHash } from '../crypto/hash.js'
import { InvalidArgumentError } from '../errors.js'

/** Layout version of delta payloads, independent of the header's. 2: topk-int8 indices as varint gaps. */
export const DELTA_PAYLOAD_VERSION = 2

export type DeltaPayload =
  | { format: 'dense-f32'; values: Float32Array }
  | { format: 'topk-int8'; numel: number; chunkSize: number; indices: Uint32Array; scales: Float32Array; quantized: Int8Array }

const TYPE = 'DeltaPayload'
const FORMATS = ['dense-f32', 'topk-int8'] as const

/** Longest index gap varint: 4 × 7 bits cover every index below MAX_DELTA_NUMEL (< 2^28). */
const MAX_GAP_BYTES = 4

/** Number of coordinates the payload covers. */
export function payloadNumel(p: DeltaPayload): number {
  return p.format === 'dense-f32' ? p.values.length : p.numel
}

/** Bytes of v as an unsigned LEB128 varint. */
function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5
}

/** Bytes of the index section: one varint per gap between consecutive indices (the first from 0). */
function indexGapsSize(indices: Uint32Array): number {
  let n = 0
  let prev = 0
  for (let i = 0; i < indices.length; i++) {
    n += varintSize(indices[i]! - prev)
    prev = indices[i]!
  }
  return n
}

/** The index section; `indices` must be strictly ascending (the caller checked). */
function encodeIndexGaps(indices: Uint32Array): Uint8Array {
  const out = new Uint8Array(indexGapsSize(indices))
  let at = 0
  let prev = 0
  for (let i = 0; i < indices.length; i++) {
    let gap = indices[i]! - prev
    prev = indices[i]!
    for (; gap >= 0x80; gap >>>= 7) out[at++] = (gap & 0x7f) | 0x80
    out[at++] = gap
  }
  return out
}

/** Exact encoded size: from the header fields, plus one pass over the indices for top-k. */
export function deltaPayloadSize(p: DeltaPayload): number {
  if (p.format === 'dense-f32') return 6 + 4 * p.values.length
  const k = p.indices.length
  return 6 + 8 + indexGapsSize(p.indices) + 4 * Math.ceil(k / p.chunkSize) + k
}

export function encodeDeltaPayload(p: DeltaPayload): Uint8Array {
  const numel = payloadNumel(p)
  if (!Number.isInteger(numel) || numel < 1 || numel > MAX_DELTA_NUMEL)
    throw new InvalidArgumentError(`A delta payload covers 1..${MAX_DELTA_NUMEL} values, got ${numel}.`)
  const w = new ByteWriter().u8('payloadVersion', DELTA_PAYLOAD_VERSION).u8('format', FORMATS.indexOf(p.format)).u32('numel', numel)
  if (p.format === 'dense-f32') return w.f32Values('values', p.values).finish()
  const k = p.indices.length
  if (p.chunkSize < 1 || p.chunkSize > MAX_DELTA_CHUNK_SIZE)
    throw new InvalidArgumentError(`chunkSize must be in [1, ${MAX_DELTA_CHUNK_SIZE}], got ${p.chunkSize}.`)
  if (k > numel || p.quantized.length !== k || p.scales.length !== Math.ceil(k / p.chunkSize)) {
    throw new InvalidArgumentError(
      `A topk-int8 payload with k = ${k} needs ${k} quantized values and ${Math.ceil(k / p.chunkSize)} scales.`,
    )
  }
  for (let i = 0; i < k; i++) {
    if (p.indices[i]! >= numel || (i > 0 && p.indices[i]! <= p.indices[i - 1]!))
      throw new InvalidArgumentError('topk-int8 indices must be strictly ascending and < numel.')
    if (p.quantized[i] === -128) throw new InvalidArgumentError('topk-int8 values are in [-127, 127].')
  }
  for (const s of p.scales) if (!(s >= 0)) throw new InvalidArgumentError(`topk-int8 scales must be ≥ 0, got ${s}.`)
  const gaps = encodeIndexGaps(p.indices)
  // int8 two's complement is the byte itself: view the values as bytes instead of copying one by one
  const q = new Uint8Array(p.quantized.buffer, p.quantized.byteOffset, k)
  w.u32('chunkSize', p.chunkSize).u32('k', k).fixed('indices', gaps, gaps.length).f32Values('scales', p.scales)
  return w.fixed('quantized', q, k).finish()
}

export function decodeDeltaPayload(bytes: Uint8Array): DeltaPayload {
  const r = new ByteReader(bytes, TYPE)
  if (bytes.length > MAX_DELTA_PAYLOAD_BYTES)
    r.fail('(input)', `is ${bytes.length} bytes; the limit is ${MAX_DELTA_PAYLOAD_BYTES} (MAX_DELTA_PAYLOAD_BYTES)`)
  r.range('payloadVersion', 8, DELTA_PAYLOAD_VERSION, DELTA_PAYLOAD_VERSION)
  const format = FORMATS[r.range('format', 8, 0, FORMATS.length - 1)]!
  const numelAt = r.offset
  const numel = r.range('numel', 32, 1, MAX_DELTA_NUMEL)
  if (format === 'dense-f32') {
    if (r.remaining !== 4 * numel) r.fail('numel', `declares ${numel} values (${4 * numel} bytes) but ${r.remaining} bytes follow`, numelAt)
    const values = r.f32Values('values', numel)
    r.end()
    return { format, values }
  }
  const chunkSize = r.range('chunkSize', 32, 1, MAX_DELTA_CHUNK_SIZE)
  const kAt = r.offset
  const k = r.range('k', 32, 0, numel)
  const nScales = Math.ceil(k / chunkSize)
  // Scales and values have a fixed size, so the rest is the index section; bounding it by
  // 1..4 bytes per index first means junk cannot make us allocate more than the input's size.
  const tail = 4 * nScales + k
  const indexBytes = r.remaining - tail
  if (indexBytes < k || indexBytes > MAX_GAP_BYTES * k) {
    const range = `${k + tail}..${MAX_GAP_BYTES * k + tail}`
    r.fail('k', `declares ${k} values (${range} bytes with 1..${MAX_GAP_BYTES}-byte index gaps) but ${r.remaining} bytes follow`, kAt)
  }
  const indicesAt = r.offset
  const gaps = r.fixed('indices', indexBytes)
  const indices = new Uint32Array(k)
  let at = 0
  let prev = 0
  for (let i = 0; i < k; i++) {
    const start = at
    let gap = 0
    for (let shift = 0; ; shift += 7) {
      if (shift === 7 * MAX_GAP_BYTES) r.fail(`indices[${i}]`, `is a varint longer than ${MAX_GAP_BYTES} bytes`, indicesAt + start)
      if (at === indexBytes)
        r.fail(`indices[${i}]`, `runs past the index section (${indexBytes} bytes, from the payload size)`, indicesAt + start)
      const b = gaps[at++]!
      gap |= (b & 0x7f) << shift // ≤ 28 bits: no sign trouble
      if (b < 0x80) {
        if (b === 0 && shift > 0) r.fail(`indices[${i}]`, 'is an overlong varint (a final 0x00 byte)', indicesAt + start)
        break
      }
    }
    if (i > 0 && gap === 0) r.fail(`indices[${i}]`, 'has gap 0; indices are strictly ascending', indicesAt + start)
    const index = prev + gap
    if (index >= numel) r.fail(`indices[${i}]`, `is ${index}, not below numel ${numel}`, indicesAt + start)
    indices[i] = index
    prev = index
  }
  if (at !== indexBytes)
    r.fail('indices', `leaves ${indexBytes - at} of its ${indexBytes} bytes (from the payload size) unread`, indicesAt + at)
  const scales = new Float32Array(nScales)
  for (let c = 0; c < nScales; c++) {
    const sAt = r.offset
    const s = r.f32(`scales[${c}]`)
    if (s < 0) r.fail(`scales[${c}]`, `is ${s}; scales are ≥ 0`, sAt)
    scales[c] = s
  }
  const qAt = r.offset
  // a copy: the input may be a view into a larger buffer (a network frame), so `.buffer` alone
  // would start at the wrong byte
  const q = r.fixed('quantized', k)
  const quantized = new Int8Array(q.buffer.slice(q.byteOffset, q.byteOffset + k))
  for (let i = 0; i < k; i++) if (quantized[i] === -128) r.fail(`quantized[${i}]`, 'is -128; values are in [-127, 127]', qAt + i)
  r.end()
  return { format, numel, chunkSize, indices, scales, quantized }
}

/** sha256 of the payload bytes (bulk content). */
export function hashDeltaPayload(bytes: Uint8Array): Uint8Array {
  return contentHash(bytes)
}

/** The dense float32 values a payload stands for. */
export function denseFromPayload(p: DeltaPayload): Float32Array {
  if (p.format === 'dense-f32') return p.values
  const out = new Float32Array(p.numel)
  for (let i = 0; i < p.indices.length; i++) out[p.indices[i]!] = p.quantized[i]! * p.scales[Math.floor(i / p.chunkSize)]!
  return out
}

/** L2 norm: squares summed in index order in float64, sqrt, rounded once to float32. */
export function deltaPayloadNorm(p: DeltaPayload): number {
  const v = denseFromPayload(p)
  let sq = 0
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!
  return Math.fround(Math.sqrt(sq))
}

/** A dense-f32 payload (values must be finite; -0 is folded on encode). */
export function denseF32Payload(values: Float32Array): DeltaPayload {
  return { format: 'dense-f32', values }
}

/** Keeps the k largest |values| (ties to the lower index) and quantises them to int8 per chunk. */
export function compressTopKInt8(values: Float32Array, { k, chunkSize }: { k: number; chunkSize: number }): DeltaPayload {
  const numel = values.length
  if (!Number.isInteger(k) || k < 0 || k > numel) throw new InvalidArgumentError(`k must be an integer in [0, ${numel}], got ${k}.`)
  for (let i = 0; i < numel; i++)
    if (!Number.isFinite(values[i]!)) throw new InvalidArgumentError(`values[${i}] is ${values[i]}; deltas must be finite.`)
  // select by threshold: the k-th largest |x|, then every larger one and the lowest-index ties
  const abs = new Float32Array(numel)
  for (let i = 0; i < numel; i++) abs[i] = Math.abs(values[i]!)
  const threshold = k === 0 ? Number.POSITIVE_INFINITY : abs.slice().sort()[numel - k]!
  let ties = k
  for (let i = 0; i < numel; i++) if (abs[i]! > threshold) ties--
  const indices = new Uint32Array(k)
  for (let i = 0, j = 0; i < numel && j < k; i++) {
    if (abs[i]! > threshold || (abs[i] === threshold && ties-- > 0)) indices[j++] = i
  }
  return quantizeTopK(values, indices, chunkSize)
}

/**
 * The `topk-int8` payload for already selected `indices` (ascending): per chunk of kept values,
 * scale = max|x| / 127 rounded to float32 once, q = round(x / scale) clamped to ±127.
 */
export function quantizeTopK(values: Float32Array, indices: Uint32Array, chunkSize: number): DeltaPayload {
  const k = indices.length
  const nScales = Math.ceil(k / chunkSize)
  const scales = new Float32Array(nScales)
  const quantized = new Int8Array(k)
  for (let c = 0; c < nScales; c++) {
    const lo = c * chunkSize
    const hi = Math.min(k, lo + chunkSize)
    let maxAbs = 0
    for (let i = lo; i < hi; i++) maxAbs = Math.max(maxAbs, Math.abs(values[indices[i]!]!))
    const scale = Math.fround(maxAbs / 127)
    scales[c] = scale
    if (scale === 0) continue
    for (let i = lo; i < hi; i++) quantized[i] = Math.max(-127, Math.min(127, Math.round(values[indices[i]!]! / scale)))
  }
  return { format: 'topk-int8', numel: values.length, chunkSize, indices, scales, quantized }
}
