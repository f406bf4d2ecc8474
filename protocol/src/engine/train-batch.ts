/**
 * Packs scored completions into the training graph's inputs (TRAIN_IO). Right padding;
 * position t predicts token t+1; only completion tokens are trained. The per-token weights
 * carry the normalisation, so one graph serves both GRPO variants:
 * - 'token': every completion token of the batch weighs 1/Σ tokens (DAPO, Yu et al. 2025 §3.3)
 * - 'sequence': each sequence's tokens weigh 1/(|o_i|·N) (the original GRPO objective).
 */
import { InvalidArgumentError } from '../errors.js'
import type { ModelConfig } from '../model/config.js'
import { TRAIN_IO } from '../model/llama.js'
import type { HostTensor } from '../runtime/types.js'
import { causalBias, ropeTables } from './inputs.js'

export interface TrainSample {
  /** prompt ‖ completion token ids */
  tokens: readonly number[]
  promptLength: number
  /** Group-relative advantage of this completion. */
  advantage: number
  /** Behaviour-policy log-probs of the completion tokens (length = tokens − promptLength). */
  oldLogprobs: readonly number[]
  /** Reference-policy log-probs of the completion tokens, for the KL term. */
  refLogprobs?: readonly number[]
}

export type LossNormalization = 'token' | 'sequence'

export interface PackedBatch {
  feeds: Record<string, HostTensor>
  /** Number of trained (completion) tokens. */
  tokens: number
}

export function packTrainBatch(
  cfg: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'vocabSize'>,
  {
    batch,
    seq,
    samples,
    normalization,
    withRef = false,
  }: { batch: number; seq: number; samples: readonly TrainSample[]; normalization: LossNormalization; withRef?: boolean },
): PackedBatch {
  if (samples.length === 0 || samples.length > batch)
    throw new InvalidArgumentError(`A training batch holds 1..${batch} samples, got ${samples.length}.`)
  const B = batch
  const T = seq
  const inputIds = new BigInt64Array(B * T)
  const targets = new Float32Array(B * T)
  const weights = new Float32Array(B * T)
  const adv = new Float32Array(B)
  const old = new Float32Array(B * T)
  const ref = new Float32Array(B * T)
  const valid: boolean[][] = []
  const positions: number[][] = []
  let totalTokens = 0
  samples.forEach((s, i) => {
    const n = s.tokens.length - s.promptLength
    if (s.promptLength < 1 || n < 1) throw new InvalidArgumentError(`Sample ${i} needs a prompt and at least one completion token.`)
    if (s.tokens.length > T + 1)
      throw new InvalidArgumentError(`Sample ${i} has ${s.tokens.length} tokens; this graph trains sequences of at most ${T + 1}.`)
    if (s.oldLogprobs.length !== n)
      throw new InvalidArgumentError(`Sample ${i} has ${s.oldLogprobs.length} old log-probs for ${n} completion tokens.`)
    if (withRef && s.refLogprobs?.length !== n)
      throw new InvalidArgumentError(`Sample ${i} needs ${n} reference log-probs for the KL term.`)
    for (const t of s.tokens)
      if (!Number.isInteger(t) || t < 0 || t >= cfg.vocabSize)
        throw new InvalidArgumentError(`Sample ${i} has token ${t} outside [0, ${cfg.vocabSize}).`)
    if (!Number.isFinite(s.advantage)) throw new InvalidArgumentError(`Sample ${i} has a non-finite advantage.`)
    totalTokens += n
  })
  samples.forEach((s, i) => {
    const n = s.tokens.length - s.promptLength
    const w = normalization === 'token' ? 1 / totalTokens : 1 / (n * samples.length)
    adv[i] = s.advantage
    for (let t = 0; t < T; t++) {
      if (t < s.tokens.length) inputIds[i * T + t] = BigInt(s.tokens[t]!)
      const next = t + 1
      if (next < s.tokens.length) targets[i * T + t] = s.tokens[next]!
      if (next >= s.promptLength && next < s.tokens.length) {
        const c = next - s.promptLength
        weights[i * T + t] = w
        old[i * T + t] = s.oldLogprobs[c]!
        if (withRef) ref[i * T + t] = s.refLogprobs![c]!
      }
    }
  })
  for (let i = 0; i < B; i++) {
    const len = samples[i]?.tokens.length ?? 1
    valid.push(Array.from({ length: T }, (_, j) => j < len))
    positions.push(Array.from({ length: T }, (_, j) => j))
  }
  const { cos, sin } = ropeTables(cfg, positions)
  const D = cfg.headDim
  const feeds: Record<string, HostTensor> = {
    [TRAIN_IO.inputIds]: { dtype: 'int64', shape: [B, T], data: inputIds },
    [TRAIN_IO.targetIds]: { dtype: 'float32', shape: [B, T], data: targets },
    [TRAIN_IO.lossWeights]: { dtype: 'float32', shape: [B, T], data: weights },
    [TRAIN_IO.advantages]: { dtype: 'float32', shape: [B], data: adv },
    [TRAIN_IO.oldLogprobs]: { dtype: 'float32', shape: [B, T], data: old },
    [TRAIN_IO.attnBias]: { dtype: 'float32', shape: [B, 1, 1, T, T], data: causalBias(valid, 0, T) },
    [TRAIN_IO.ropeCos]: { dtype: 'float32', shape: [B, 1, T, D], data: cos },
    [TRAIN_IO.ropeSin]: { dtype: 'float32', shape: [B, 1, T, D], data: sin },
  }
  if (withRef) feeds[TRAIN_IO.refLogprobs] = { dtype: 'float32', shape: [B, T], data: ref }
  return { feeds, tokens: totalTokens }
}
