// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * θ_r → θ_{r+1}: screen the included deltas (screen.ts), aggregate those the screen kept
 * (aggregate.ts), then apply the outer optimiser (outer-step.ts). The flat policy's hash is sha256 over its float32 little-endian bytes
 * (ByteWriter folds −0 and rejects non-finite values); a Weights map hashes with weightsHash.
 */
import { ByteWriter } from '../bytes/writer.js'
import { contentHash } from '../crypto/hash.js'
import type { RunManifest } from '../messages/run-manifest.js'
import { type AggregateRule, aggregateDeltas, assertDelta, type IncludedDelta, orderDeltas } from './aggregate.js'
import { type OuterOptimizer, outerOptimizerOf, outerStep } from './outer-step.js'
import { type DeltaScreen, type ScreenReason, screenDeltas } from './screen.js'

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
  /** The included deltas the screen left out of Δ̄_r, ascending (RoundResult.screened), with why. */
  screened: { id: Uint8Array; reason: ScreenReason }[]
  /** The screen's direction votes per included delta, in aggregation order (for logs and reports). */
  votes: DeltaScreen['votes']
}

/** θ_{r+1} from θ_r and the round's included deltas. */
export function nextPolicy({ theta, deltas, config, momentum = null }: NextPolicyParameters): NextPolicy {
  const ordered = orderDeltas(deltas)
  for (const d of ordered) assertDelta(d, theta.length)
  const { verdicts, votes } = screenDeltas(ordered)
  const update = aggregateDeltas({
    deltas: ordered.filter((_, j) => verdicts[j] === null),
    numel: theta.length,
    rule: config.rule,
    trimFraction: config.trimFraction,
    clipNorm: config.clipNorm,
  })
  const step = outerStep({ theta, update, optimizer: config.optimizer, momentum })
  return {
    theta: step.theta,
    momentum: step.momentum,
    update,
    included: ordered.map((d) => d.id),
    screened: ordered.flatMap((d, j) => (verdicts[j] ? [{ id: d.id, reason: verdicts[j] }] : [])),
    votes,
  }
}

/** Float32 little-endian bytes of a flat tensor (−0 folded; non-finite rejected). */
export function float32Bytes(values: Float32Array): Uint8Array {
  return new ByteWriter().f32Values('values', values).finish()
}

/** sha256 of {@link float32Bytes}. */
export function hashFlatTensor(values: Float32Array): Uint8Array {
  return contentHash(float32Bytes(values))
}
