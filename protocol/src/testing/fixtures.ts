/** Small fixtures shared by protocol tests and the apps' compliance suites. */
import { type ModelConfig, NAMED_CONFIGS } from '../model/config.js'
import type { RefTensor } from '../runtime/reference.js'
import type { HostTensor } from '../runtime/types.js'

/** A micro decoder for exhaustive checks: Qwen2-style q/k/v bias, GQA (4 heads, 2 KV heads). */
export const MICRO_CONFIG: ModelConfig = {
  modelType: 'qwen2',
  vocabSize: 13,
  hiddenSize: 16,
  intermediateSize: 24,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 4,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
  maxPositionEmbeddings: 64,
  attentionBias: true,
}

/**
 * The tiny model shrunk to one layer of width 64 (same vocabulary): learns one-digit addition in
 * seconds on two cores, for the apps' training and swarm tests.
 */
export const TOY_CONFIG: ModelConfig = {
  ...NAMED_CONFIGS.tiny,
  hiddenSize: 64,
  intermediateSize: 128,
  numLayers: 1,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 32,
}

export function hostToRef(t: HostTensor): RefTensor {
  return { shape: t.shape, data: Float64Array.from(t.data as ArrayLike<number | bigint>, Number) }
}
