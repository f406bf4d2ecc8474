/** Small fixtures shared by protocol tests and the apps' compliance suites. */
import type { ModelConfig } from '../model/config.js'
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

export function hostToRef(t: HostTensor): RefTensor {
  return { shape: t.shape, data: Float64Array.from(t.data as ArrayLike<number | bigint>, Number) }
}
