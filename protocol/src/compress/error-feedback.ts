/**
 * Error feedback for compressed deltas (Seide et al. 2014, "1-bit SGD"; Karimireddy et al. 2019,
 * "Error feedback fixes SignSGD", Alg. 2): the part of a delta the compressor dropped is added to
 * the next round's delta instead of being lost,
 *
 *   c_t = x_t + e_t,   sent_t = decompress(compress(c_t)),   e_{t+1} = c_t − sent_t,
 *
 * so Σ_t sent_t = Σ_t x_t + e_0 − e_T: the transmitted updates track the true ones up to one
 * bounded residual. The state is local to a trainer (not consensus) but explicit and
 * serialisable, so a restarted peer keeps its residual: u8 version ‖ u32 numel ‖ numel × f32.
 */
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import { MAX_DELTA_NUMEL } from '../constants.js'
import { InvalidArgumentError } from '../errors.js'
import { type DeltaPayload, denseFromPayload, encodeDeltaPayload } from '../messages/delta-payload.js'
import { type CompressionConfig, compressDelta } from './compress.js'

/** Layout version of {@link encodeErrorFeedback}. */
export const ERROR_FEEDBACK_VERSION = 1

export interface ErrorFeedbackState {
  /** e_t: what earlier compressions dropped, flat in canonical parameter order. */
  residual: Float32Array
}

export function createErrorFeedback(numel: number): ErrorFeedbackState {
  if (!Number.isSafeInteger(numel) || numel < 1 || numel > MAX_DELTA_NUMEL)
    throw new InvalidArgumentError(`numel must be an integer in [1, ${MAX_DELTA_NUMEL}], got ${numel}.`)
  return { residual: new Float32Array(numel) }
}

export interface CompressWithFeedbackResult {
  payload: DeltaPayload
  bytes: Uint8Array
  /** sent_t: the dense values the payload stands for. */
  sent: Float32Array
  /** The new state, e_{t+1}; the input state is left untouched. */
  state: ErrorFeedbackState
}

/** Compresses x_t + e_t and carries what was dropped to the next round. */
export function compressWithFeedback({
  state,
  delta,
  config,
}: {
  state: ErrorFeedbackState
  delta: Float32Array
  config: CompressionConfig
}): CompressWithFeedbackResult {
  const n = delta.length
  if (state.residual.length !== n)
    throw new InvalidArgumentError(`The error-feedback state covers ${state.residual.length} values; the delta has ${n}.`)
  const corrected = new Float32Array(n)
  for (let i = 0; i < n; i++) corrected[i] = delta[i]! + state.residual[i]!
  const payload = compressDelta(corrected, config)
  const sent = denseFromPayload(payload)
  const residual = new Float32Array(n)
  for (let i = 0; i < n; i++) residual[i] = corrected[i]! - sent[i]!
  return { payload, bytes: encodeDeltaPayload(payload), sent, state: { residual } }
}

export function encodeErrorFeedback(state: ErrorFeedbackState): Uint8Array {
  return new ByteWriter()
    .u8('version', ERROR_FEEDBACK_VERSION)
    .u32('numel', state.residual.length)
    .f32Values('residual', state.residual)
    .finish()
}

export function decodeErrorFeedback(bytes: Uint8Array): ErrorFeedbackState {
  const r = new ByteReader(bytes, 'ErrorFeedbackState')
  r.range('version', 8, ERROR_FEEDBACK_VERSION, ERROR_FEEDBACK_VERSION)
  const at = r.offset
  const numel = r.range('numel', 32, 1, MAX_DELTA_NUMEL)
  if (r.remaining !== 4 * numel) r.fail('numel', `declares ${numel} values but ${r.remaining} bytes follow`, at)
  const residual = r.f32Values('residual', numel)
  r.end()
  return { residual }
}
