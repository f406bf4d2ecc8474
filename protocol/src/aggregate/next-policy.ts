// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * θ_r → θ_{r+1}: aggregate the included deltas (aggregate.ts), then apply the outer optimiser
 * (outer-step.ts). The flat policy's hash is sha256 over its float32 little-endian bytes
 * (ByteWriter folds −0 and rejects non-finite values); a Weights map hashes with weightsHash.
 */
import { ByteWriter } from '../bytes/writer.js'
import { contentHash } from '../crypto/hash.js'
import type { RunManifest } from '../messages/run-manifest.js'
import { type AggregateRule, aggregateDeltas, type IncludedDelta, orderDeltas } from './aggregate.js'
import { type OuterOptimizer, outerOptimizerOf, outerStep } from './outer-step.js'

/** The aggregation settings of a run. */
export interface AggregationConfig {
  rule: AggregateRule
  trimFraction: number
  clipNorm: number
  optimizer: OuterOptimizer
}

/** A manifest's aggregation settings. */
export function aggregationConfigOf(
  m: Pick<RunManifest, 'aggregation' | 'trimFraction' | 'clipNorm' | 'outerLearningRate' | 'outerMomentum'>,
): AggregationConfig {
  return { rule: m.aggregation, trimFraction: m.trimFraction, clipNorm: m.clipNorm, optimizer: outerOptimizerOf(m) }
}

export interface NextPolicyParameters {
  theta: Float32Array
  deltas: readonly IncludedDelta[]
  config: AggregationConfig
  /** m_r (Nesterov only). */
  momentum?: Float32Array | null
}

export interface NextPolicy {
  theta: Float32Array
  momentum: Float32Array | null
  /** Δ̄_r, the aggregate the optimiser applied. */
  update: Float32Array
  /** Included delta ids in aggregation order (RoundResult.deltas). */
  included: Uint8Array[]
}

/** θ_{r+1} from θ_r and the round's included deltas. */
export function nextPolicy({ theta, deltas, config, momentum = null }: NextPolicyParameters): NextPolicy {
  const update = aggregateDeltas({
    deltas,
    numel: theta.length,
    rule: config.rule,
    trimFraction: config.trimFraction,
    clipNorm: config.clipNorm,
  })
  const step = outerStep({ theta, update, optimizer: config.optimizer, momentum })
  return { theta: step.theta, momentum: step.momentum, update, included: orderDeltas(deltas).map((d) => d.id) }
}

/** Float32 little-endian bytes of a flat tensor (−0 folded; non-finite rejected). */
export function float32Bytes(values: Float32Array): Uint8Array {
  return new ByteWriter().f32Values('values', values).finish()
}

/** sha256 of {@link float32Bytes}. */
export function hashFlatTensor(values: Float32Array): Uint8Array {
  return contentHash(float32Bytes(values))
}
