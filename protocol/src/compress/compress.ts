// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Compression of a flat delta into the payload formats of messages/delta-payload.ts:
 * `dense-f32` (exact) or `topk-int8` (the k = ceil(numel · topKPpm / 10^6) largest |x|, ties to
 * the lower index, int8 with one float32 scale per chunk). Decompression is the payload's dense
 * value vector. The compression ratio is dense fp32 bytes over payload bytes.
 */

import { PPM } from '../constants.js'
import { InvalidArgumentError } from '../errors.js'
import {
  type DeltaPayload,
  decodeDeltaPayload,
  deltaPayloadSize,
  denseF32Payload,
  denseFromPayload,
  encodeDeltaPayload,
  payloadNumel,
} from '../messages/delta-payload.js'
import type { RunManifest } from '../messages/run-manifest.js'
import { compressTopK } from './top-k.js'

/** How a run compresses deltas (the manifest's `compression`, `topKPpm`, `chunkSize`). */
export interface CompressionConfig {
  format: 'dense-f32' | 'topk-int8'
  /** Kept fraction, parts per million (integer in [1, 10^6]). */
  topKPpm: number
  /** Kept values per float32 scale. */
  chunkSize: number
}

export function compressionConfigOf(m: Pick<RunManifest, 'compression' | 'topKPpm' | 'chunkSize'>): CompressionConfig {
  return { format: m.compression, topKPpm: m.topKPpm, chunkSize: m.chunkSize }
}

/** k = ceil(numel · topKPpm / 10^6), at least 1: exact in float64 (numel · ppm < 2^53). */
export function topKCount(numel: number, topKPpm: number): number {
  if (!Number.isSafeInteger(numel) || numel < 1) throw new InvalidArgumentError(`numel must be a positive integer, got ${numel}.`)
  if (!Number.isInteger(topKPpm) || topKPpm < 1 || topKPpm > PPM)
    throw new InvalidArgumentError(`topKPpm must be an integer in [1, ${PPM}], got ${topKPpm}.`)
  return Math.max(1, Math.ceil((numel * topKPpm) / PPM))
}

/** The payload for `values` under `config` (values must be finite). */
export function compressDelta(values: Float32Array, config: CompressionConfig): DeltaPayload {
  if (config.format === 'dense-f32') {
    for (let i = 0; i < values.length; i++)
      if (!Number.isFinite(values[i]!)) throw new InvalidArgumentError(`values[${i}] is ${values[i]}; deltas must be finite.`)
    return denseF32Payload(values)
  }
  if (!Number.isInteger(config.chunkSize) || config.chunkSize < 1)
    throw new InvalidArgumentError(`chunkSize must be a positive integer, got ${config.chunkSize}.`)
  return compressTopK({ values, k: topKCount(values.length, config.topKPpm), chunkSize: config.chunkSize })
}

/** Payload bytes of `values` under `config`. */
export function compressDeltaBytes(values: Float32Array, config: CompressionConfig): Uint8Array {
  return encodeDeltaPayload(compressDelta(values, config))
}

/** The dense float32 values of encoded payload bytes. @throws MessageDecodeError on bad bytes. */
export function decompressDelta(bytes: Uint8Array): Float32Array {
  return denseFromPayload(decodeDeltaPayload(bytes))
}

/** Dense fp32 payload bytes ÷ this payload's bytes. */
export function compressionRatio(payload: DeltaPayload): number {
  return (6 + 4 * payloadNumel(payload)) / deltaPayloadSize(payload)
}
