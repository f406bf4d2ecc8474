import { describe, expect, it } from 'vitest'
import { tokenDistribution } from '../engine/distribution.js'
import { causalBias, ropeTables } from '../engine/inputs.js'
import { packTrainBatch, type TrainSample } from '../engine/train-batch.js'
import { deriveSeed } from '../random/rng.js'
import { evaluateReference, type RefTensor } from '../runtime/reference.js'
import { hostToRef, MICRO_CONFIG } from '../testing/fixtures.js'
import type { ModelConfig } from './config.js'
import { buildSamplingGraph, buildTrainingGraph, SAMPLE_IO, TRAIN_IO } from './llama.js'
import { initWeights, type Weights } from './weights.js'

const seq = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => (i * 5 + offset) % MICRO_CONFIG.vocabSize)

function perturbed(weights: Weights, seed: string): Map<string, { shape: number[]; data: Float32Array }> {
  // init gives norms = 1 and biases = 0; perturb everything so every path carries signal
  const out = new Map<string, { shape: number[]; data: Float32Array }>()
  let k = 0
  for (const [name, t] of weights) {
    const data = Float32Array.from(t.data, (x, i) => x + 0.05 * Math.sin(1 + i * 0.7 + k * 1.3 + seed.length))
    out.set(name, { shape: [...t.shape], data })
    k++
  }
  return out
}

function samplingFeeds(
  cfg: ModelConfig,
  tokens: number[][],
  past: { key: RefTensor; value: RefTensor }[] | null,
  pastLen: number,
): Record<string, RefTensor> {
  const B = tokens.length
  const S = tokens[0]!.length
  const { cos, sin } = ropeTables(
    cfg,
    tokens.map(() => Array.from({ length: S }, (_, s) => pastLen + s)),
  )
  const valid = tokens.map(() => new Array(pastLen + S).fill(true))
  const D = cfg.headDim
  const feeds: Record<string, RefTensor> = {
    [SAMPLE_IO.inputIds]: { shape: [B, S], data: Float64Array.from(tokens.flat()) },
    [SAMPLE_IO.attnBias]: { shape: [B, 1, 1, S, pastLen + S], data: Float64Array.from(causalBias(valid, pastLen, S)) },
    [SAMPLE_IO.ropeCos]: { shape: [B, 1, S, D], data: Float64Array.from(cos) },
    [SAMPLE_IO.ropeSin]: { shape: [B, 1, S, D], data: Float64Array.from(sin) },
  }
  for (let l = 0; l < cfg.numLayers; l++) {
    const empty = { shape: [B, cfg.numKvHeads, 0, D], data: new Float64Array(0) }
    feeds[SAMPLE_IO.pastKey(l)] = past?.[l]?.key ?? empty
    feeds[SAMPLE_IO.pastValue(l)] = past?.[l]?.value ?? empty
  }
  return feeds
}

describe('Llama/Qwen2 decoder graphs on the reference evaluator', () => {
  const cfg = MICRO_CONFIG
  const weights = perturbed(initWeights(cfg, deriveSeed('test', 'micro')), 'a')
  const sampling = buildSamplingGraph(cfg, weights)

  it('gives the same logits for prefill + KV-cache decode as for one full pass', () => {
    const tokens = seq(7)
    const full = evaluateReference(sampling, samplingFeeds(cfg, [tokens], null, 0))
    const pre = evaluateReference(sampling, samplingFeeds(cfg, [tokens.slice(0, 5)], null, 0))
    const past = Array.from({ length: cfg.numLayers }, (_, l) => ({
      key: pre[SAMPLE_IO.presentKey(l)]!,
      value: pre[SAMPLE_IO.presentValue(l)]!,
    }))
    const step = evaluateReference(sampling, samplingFeeds(cfg, [tokens.slice(5)], past, 5))
    const V = cfg.vocabSize
    const tail = full[SAMPLE_IO.logits]!.data.subarray(5 * V, 7 * V)
    const got = step[SAMPLE_IO.logits]!.data
    let worst = 0
    for (let i = 0; i < tail.length; i++) worst = Math.max(worst, Math.abs(tail[i]! - got[i]!))
    expect(worst).toBeLessThan(1e-9)
    expect(step[SAMPLE_IO.presentKey(0)]!.shape).toEqual([1, cfg.numKvHeads, 7, cfg.headDim])
  })

  const samples: TrainSample[] = [
    { tokens: [1, ...seq(6, 2)], promptLength: 3, advantage: 1.2, oldLogprobs: [-2.4, -2.6, -2.5, -2.7] },
    { tokens: [1, ...seq(4, 3)], promptLength: 2, advantage: -0.7, oldLogprobs: [-2.0, -3.2, -2.55] }, // ratios outside the clip range
  ]

  it('training log-probs equal the sampling graph log-softmax at the targets', () => {
    const { graph } = buildTrainingGraph({ cfg, batch: 2, seq: 6 })
    const packed = packTrainBatch(cfg, { batch: 2, seq: 6, samples, normalization: 'token' })
    const feeds: Record<string, RefTensor> = Object.fromEntries(Object.entries(packed.feeds).map(([k, v]) => [k, hostToRef(v)]))
    for (const [name, t] of weights) feeds[name] = { shape: t.shape, data: Float64Array.from(t.data) }
    const out = evaluateReference(graph, feeds)
    const s = samples[0]!
    const logits = evaluateReference(sampling, samplingFeeds(cfg, [s.tokens.slice(0, 6) as number[]], null, 0))[SAMPLE_IO.logits]!.data
    const V = cfg.vocabSize
    for (let t = 0; t < 6; t++) {
      const dist = tokenDistribution(Float32Array.from(logits.subarray(t * V, (t + 1) * V)), { temperature: 1, topP: 1 })
      expect(out[TRAIN_IO.logprobs]!.data[t]).toBeCloseTo(dist.logprobs[s.tokens[t + 1]!]!, 5)
    }
  })

  for (const variant of [
    { name: 'token-normalised, tied, with KL', cfg: MICRO_CONFIG, normalization: 'token' as const, klBeta: 0.1 },
    {
      name: 'sequence-normalised, untied, asymmetric clip',
      cfg: { ...MICRO_CONFIG, tieWordEmbeddings: false },
      normalization: 'sequence' as const,
      klBeta: 0,
    },
    { name: 'supervised objective', cfg: MICRO_CONFIG, normalization: 'token' as const, klBeta: 0, objective: 'sft' as const },
  ]) {
    it(`has gradients that match central finite differences (${variant.name})`, () => {
      const vcfg = variant.cfg
      const w = perturbed(initWeights(vcfg, deriveSeed('test', variant.name)), variant.name)
      const { graph, parameterNames } = buildTrainingGraph({
        cfg: vcfg,
        batch: 2,
        seq: 6,
        loss: { klBeta: variant.klBeta, clipLow: 0.1, clipHigh: 0.3, objective: 'objective' in variant ? variant.objective : 'grpo' },
      })
      const withRef = variant.klBeta > 0
      const s2 = samples.map((s) => ({ ...s, refLogprobs: s.oldLogprobs.map((x) => x + 0.1) }))
      // old log-probs far from the current policy push some ratios outside the clip range
      const packed = packTrainBatch(vcfg, { batch: 2, seq: 6, samples: s2, normalization: variant.normalization, withRef })
      const feeds: Record<string, RefTensor> = Object.fromEntries(Object.entries(packed.feeds).map(([k, v]) => [k, hostToRef(v)]))
      for (const [name, t] of w) feeds[name] = { shape: t.shape, data: Float64Array.from(t.data) }
      const out = evaluateReference(graph, feeds)
      const loss = () => evaluateReference(graph, feeds)[TRAIN_IO.loss]!.data[0]!
      const eps = 1e-6
      let checked = 0
      let worst = 0
      for (const name of parameterNames) {
        const p = feeds[name]!
        const g = out[`${TRAIN_IO.gradPrefix}${name}`]!
        expect(g.shape).toEqual(p.shape)
        for (const k of [0, Math.floor(p.data.length / 2), p.data.length - 1]) {
          const orig = p.data[k]!
          p.data[k] = orig + eps
          const up = loss()
          p.data[k] = orig - eps
          const down = loss()
          p.data[k] = orig
          const fd = (up - down) / (2 * eps)
          worst = Math.max(worst, Math.abs(fd - g.data[k]!) / Math.max(1e-3, Math.abs(fd)))
          checked++
        }
      }
      expect(checked).toBeGreaterThan(40)
      expect(worst).toBeLessThan(1e-4)
    })
  }
})
