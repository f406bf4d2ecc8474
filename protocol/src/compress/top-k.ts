// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Top-k selection and int8 quantisation in O(numel), producing exactly the payload
 * `compressTopKInt8` (messages/delta-payload.ts) defines — that function sorts a copy of every
 * |x|, which takes seconds on a 10M-parameter delta. Here the k-th largest |x| is found by a
 * two-pass radix select on the float32 bit patterns: for non-negative finite floats, the order
 * of the bits as u32 is the order of the values. Then every |x| above it is kept, plus the
 * lowest-index ties, and the kept values are quantised per chunk as the format specifies. A
 * property test checks byte equality with compressTopKInt8.
 */
import { InvalidArgumentError } from '../errors.js'
import { type DeltaPayload, quantizeTopK } from '../messages/delta-payload.js'

/** Bit pattern of the k-th largest |values[i]| (|x| as float32 bits, sign cleared). */
function kthLargestAbsBits(bits: Uint32Array, k: number): number {
  const hist = new Uint32Array(65536)
  for (let i = 0; i < bits.length; i++) hist[bits[i]! >>> 16]!++
  let need = k
  let hi = 65535
  while (hist[hi]! < need) need -= hist[hi--]!
  hist.fill(0)
  for (let i = 0; i < bits.length; i++) if (bits[i]! >>> 16 === hi) hist[bits[i]! & 0xffff]!++
  let lo = 65535
  while (hist[lo]! < need) need -= hist[lo--]!
  return ((hi << 16) | lo) >>> 0
}

/** Ascending indices of the k largest |values| (ties to the lower index). */
export function topKIndices(values: Float32Array, k: number): Uint32Array {
  const numel = values.length
  if (!Number.isInteger(k) || k < 0 || k > numel) throw new InvalidArgumentError(`k must be an integer in [0, ${numel}], got ${k}.`)
  const indices = new Uint32Array(k)
  if (k === 0) return indices
  const abs = new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength))
  for (let i = 0; i < numel; i++) {
    abs[i] = abs[i]! & 0x7fffffff
    if (abs[i]! >= 0x7f800000) throw new InvalidArgumentError(`values[${i}] is ${values[i]}; deltas must be finite.`)
  }
  const threshold = kthLargestAbsBits(abs, k)
  let ties = k
  for (let i = 0; i < numel; i++) if (abs[i]! > threshold) ties--
  for (let i = 0, j = 0; i < numel && j < k; i++) {
    if (abs[i]! > threshold || (abs[i] === threshold && ties-- > 0)) indices[j++] = i
  }
  return indices
}

/** The `topk-int8` payload of `values`: byte-identical to compressTopKInt8, in O(numel). */
export function compressTopK({ values, k, chunkSize }: { values: Float32Array; k: number; chunkSize: number }): DeltaPayload {
  return quantizeTopK(values, topKIndices(values, k), chunkSize)
}
