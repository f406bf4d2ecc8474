// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * {@link nextPolicy} on a model's Weights: flatten θ_r in canonical parameter order, aggregate
 * and step, split θ_{r+1} back into named tensors and hash it with weightsHash (the policy hash
 * of checkpoints and RoundResults).
 */

import { flattenParameters, unflattenParameters } from '../compress/flatten.js'
import type { ModelConfig } from '../model/config.js'
import { parameterSpecs } from '../model/parameters.js'
import { type Weights, weightsHash } from '../model/weights.js'
import type { IncludedDelta } from './aggregate.js'
import { type AggregationConfig, type NextPolicy, nextPolicy } from './next-policy.js'

export interface NextWeights {
  weights: Weights
  /** h_{r+1} = weightsHash(cfg, weights). */
  policyHash: Uint8Array
  momentum: Float32Array | null
  update: Float32Array
  included: Uint8Array[]
  screened: NextPolicy['screened']
  votes: NextPolicy['votes']
}

/** θ_{r+1} as Weights, with its policy hash. */
export function nextWeights({
  cfg,
  weights,
  deltas,
  config,
  momentum = null,
}: {
  cfg: ModelConfig
  weights: Weights
  deltas: readonly IncludedDelta[]
  config: AggregationConfig
  momentum?: Float32Array | null
}): NextWeights {
  const specs = parameterSpecs(cfg)
  const next = nextPolicy({ theta: flattenParameters(specs, weights), deltas, config, momentum })
  const out = unflattenParameters(specs, next.theta)
  return {
    weights: out,
    policyHash: weightsHash(cfg, out),
    momentum: next.momentum,
    update: next.update,
    included: next.included,
    screened: next.screened,
    votes: next.votes,
  }
}
