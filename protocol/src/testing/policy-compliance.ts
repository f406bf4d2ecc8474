/**
 * The policy part of the runtime compliance suite: the training graph (loss, log-probs, every
 * gradient) and the sampling graph (logits, KV cache) against the float64 reference, then
 * seeded generation and the replay check through the runtime itself.
 */
import { describe, expect, it } from 'vitest'
import { Policy } from '../engine/policy.js'
import { replayCompletions } from '../engine/replay.js'
import { packTrainBatch, type TrainSample } from '../engine/train-batch.js'
import { PolicyTrainer } from '../engine/trainer.js'
import { buildTrainingGraph, TRAIN_IO } from '../model/llama.js'
import { toOnnx } from '../model/onnx.js'
import { initWeights, type Tensor32 } from '../model/weights.js'
import { deriveSeed } from '../random/rng.js'
import { evaluateReference, type RefTensor } from '../runtime/reference.js'
import { GraphSession } from '../runtime/session.js'
import type { HostTensor, RuntimeComponents } from '../runtime/types.js'
import { hostToRef, MICRO_CONFIG } from './fixtures.js'
import { worstViolation } from './runtime-compliance.js'

/** Whole-model float32 vs float64: errors accumulate over layers, hence looser than per op. */
export const MODEL_ATOL = 2e-4
export const MODEL_RTOL = 2e-3

export function microWeights(label = 'compliance'): Map<string, Tensor32> {
  const w = initWeights(MICRO_CONFIG, deriveSeed('murmur/test/micro', label))
  const out = new Map<string, Tensor32>()
  let k = 0
  for (const [name, t] of w)
    out.set(name, { shape: [...t.shape], data: Float32Array.from(t.data, (x, i) => x + Math.fround(0.05 * Math.sin(1 + i * 0.7 + k++))) })
  return out
}

export function describePolicyCompliance(getRuntime: () => RuntimeComponents, opts: { atol?: number; rtol?: number } = {}): void {
  const atol = opts.atol ?? MODEL_ATOL
  const rtol = opts.rtol ?? MODEL_RTOL
  const cfg = MICRO_CONFIG
  const weights = microWeights()

  describe('policy graphs', () => {
    it('computes the GRPO training graph (loss, log-probs, all gradients) like the reference', async () => {
      const { graph, parameterNames } = buildTrainingGraph({ cfg, batch: 2, seq: 8, loss: { klBeta: 0.05 } })
      const samples: TrainSample[] = [
        {
          tokens: [1, 4, 7, 2, 9, 3, 5, 6, 8],
          promptLength: 4,
          advantage: 0.8,
          oldLogprobs: [-2.4, -2.6, -2.5, -2.7, -2.3],
          refLogprobs: [-2.5, -2.5, -2.5, -2.5, -2.5],
        },
        { tokens: [1, 3, 3, 12, 0], promptLength: 2, advantage: -1.1, oldLogprobs: [-2.0, -3.1, -2.6], refLogprobs: [-2.6, -2.6, -2.6] },
      ]
      const packed = packTrainBatch(cfg, { batch: 2, seq: 8, samples, normalization: 'token', withRef: true })
      const host: Record<string, HostTensor> = { ...packed.feeds }
      const ref: Record<string, RefTensor> = {}
      for (const [k, v] of Object.entries(packed.feeds)) ref[k] = hostToRef(v)
      for (const [name, t] of weights) {
        host[name] = { dtype: 'float32', shape: t.shape, data: t.data }
        ref[name] = { shape: t.shape, data: Float64Array.from(t.data) }
      }
      const expected = evaluateReference(graph, ref)
      const session = await GraphSession.create(getRuntime(), toOnnx(graph), 'the training graph')
      try {
        const actual = await session.run(host)
        for (const name of [TRAIN_IO.loss, TRAIN_IO.logprobs, ...parameterNames.map((n) => `${TRAIN_IO.gradPrefix}${n}`)]) {
          expect(worstViolation(actual[name]!.data, expected[name]!.data, atol, rtol), name).toBeLessThanOrEqual(0)
        }
      } finally {
        await session.release()
      }
    })

    it('accumulates gradients over runs of the graph batch like one batch of all the samples', async () => {
      const samples: TrainSample[] = Array.from({ length: 5 }, (_, i) => {
        const n = 1 + (i % 3) // completions of 1..3 tokens, so token and sequence shares differ
        return {
          tokens: [1, 4 + i, 7, ...Array.from({ length: n }, (_, t) => 3 + ((i + t) % 9))],
          promptLength: 3,
          advantage: i % 2 === 0 ? 0.7 : -0.9,
          oldLogprobs: Array.from({ length: n }, (_, t) => -2.2 - 0.1 * t),
        }
      })
      for (const normalization of ['token', 'sequence'] as const) {
        const whole = await PolicyTrainer.create(getRuntime(), cfg, { batch: 5, seq: 6, normalization })
        const pieces = await PolicyTrainer.create(getRuntime(), cfg, { batch: 2, seq: 6, normalization })
        try {
          const want = await whole.gradients(weights, samples)
          const got = await pieces.gradients(weights, samples) // runs of 2, 2, 1
          expect(got.tokens).toBe(want.tokens)
          expect(Math.abs(got.loss - want.loss), normalization).toBeLessThanOrEqual(atol + rtol * Math.abs(want.loss))
          for (const [name, g] of want.grads)
            expect(worstViolation(got.grads.get(name)!, Float64Array.from(g), atol, rtol), `${normalization} ${name}`).toBeLessThanOrEqual(
              0,
            )
        } finally {
          await whole.release()
          await pieces.release()
        }
      }
    })

    it('samples deterministically from a seed and its rollouts pass the replay check', async () => {
      const policy = await Policy.load(getRuntime(), cfg, weights)
      try {
        const params = {
          prompt: [1, 5, 9, 2],
          group: 4,
          seed: deriveSeed('murmur/test/rollout', 1),
          maxNewTokens: 12,
          stopTokens: [0],
          temperature: 1,
          topP: 0.95,
        }
        const a = await policy.generate(params)
        const b = await policy.generate(params)
        expect(b).toEqual(a)
        expect(a.some((c, i) => i > 0 && c.tokens.join() !== a[0]!.tokens.join())).toBe(true)
        const honest = await replayCompletions(
          policy,
          a.map((c, index) => ({ prompt: params.prompt, index, tokens: c.tokens, logprobs: c.logprobs })),
          params,
        )
        expect(honest.map((v) => v.ok)).toEqual([true, true, true, true])
        const other = await policy.generate({ ...params, seed: deriveSeed('murmur/test/rollout', 2) })
        const forged = await replayCompletions(
          policy,
          other.map((c, index) => ({ prompt: params.prompt, index, tokens: c.tokens, logprobs: c.logprobs })),
          params,
        )
        expect(forged.filter((v) => !v.ok).length).toBeGreaterThanOrEqual(3)
      } finally {
        await policy.release()
      }
    })

    it('loads weights as in-memory external data (how models over 2 GiB load) with the same logits and cache', async () => {
      const baked = await Policy.load(getRuntime(), cfg, weights, { externalWeights: false })
      const external = await Policy.load(getRuntime(), cfg, weights, { externalWeights: true })
      try {
        const tokens = [
          [1, 5, 9, 2, 7],
          [3, 3, 8, 0, 4],
        ]
        const a = await baked.forward({ tokens })
        const b = await external.forward({ tokens })
        expect(worstViolation(b.logits, Float64Array.from(a.logits), 1e-5, 1e-5)).toBeLessThanOrEqual(0)
        const step = [[6], [2]]
        const a2 = await baked.forward({ tokens: step, past: a.present })
        const b2 = await external.forward({ tokens: step, past: b.present })
        expect(worstViolation(b2.logits, Float64Array.from(a2.logits), 1e-5, 1e-5)).toBeLessThanOrEqual(0)
        expect(b2.present.length).toBe(6)
      } finally {
        await baked.release()
        await external.release()
      }
    })
  })
}
