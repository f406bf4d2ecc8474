import {
  deriveSeed,
  EXTERNAL_WEIGHTS_MIN_BYTES,
  initWeights,
  NAMED_CONFIGS,
  Policy,
  PolicyTrainer,
  parameterCount,
  replayCompletions,
  type TrainSample,
  type Weights,
} from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { nodeRuntime } from './runtimes.js'

/**
 * The 0.5b config (Qwen2.5-0.5B's shapes, 494M parameters, 1.98 GB of fp32 weights) on
 * onnxruntime-node CPU: too big to bake into a protobuf (2 GiB at most), so the sampling graph
 * takes its weights as external data; a few KV-cache decode steps, their replay check, and a
 * training step on a short sequence that lowers the loss. About a minute and ~7.5 GB here.
 */
describe('the 0.5b config on onnxruntime-node CPU', () => {
  const cfg = NAMED_CONFIGS['0.5b']

  it('decodes with a KV cache, replays its rollouts, and takes a train step that lowers the loss', async () => {
    expect(parameterCount(cfg) * 4).toBeGreaterThan(EXTERNAL_WEIGHTS_MIN_BYTES)
    const weights: Weights = initWeights(cfg, deriveSeed('murmur/test/0.5b', 0))
    const runtime = await nodeRuntime('cpu')

    const params = {
      prompt: [9707, 11, 1879, 0],
      group: 2,
      seed: deriveSeed('murmur/test/0.5b/rollout', 0),
      maxNewTokens: 4,
      stopTokens: [],
      temperature: 1,
      topP: 1,
    }
    const policy = await Policy.load(runtime, cfg, weights)
    let completions: Awaited<ReturnType<Policy['generate']>>
    try {
      completions = await policy.generate(params)
      expect(completions.map((c) => c.tokens.length)).toEqual([4, 4])
      for (const c of completions) for (const t of c.tokens) expect(t).toBeLessThan(cfg.vocabSize)
      const verdicts = await replayCompletions(
        policy,
        completions.map((c, index) => ({ prompt: params.prompt, index, tokens: c.tokens, logprobs: c.logprobs })),
        params,
      )
      expect(verdicts.map((v) => v.ok)).toEqual([true, true])
    } finally {
      await policy.release()
    }

    // one sequence of 16 positions: the prompt and a sampled completion, advantage +1
    const c = completions[0]!
    const tokens = [...params.prompt, ...c.tokens, ...Array.from({ length: 9 }, (_, i) => 100 + i)]
    const sample: TrainSample = {
      tokens,
      promptLength: params.prompt.length,
      advantage: 1,
      oldLogprobs: new Array(tokens.length - params.prompt.length).fill(-12),
    }
    const trainer = await PolicyTrainer.create(runtime, cfg, { batch: 1, seq: 16 })
    try {
      const step = async () => {
        const { loss, grads } = await trainer.step(weights, [sample])
        expect(Number.isFinite(loss)).toBe(true)
        expect(grads.size).toBe(weights.size)
        let sq = 0
        for (const [name, g] of grads) {
          expect(g.length, name).toBe(weights.get(name)!.data.length)
          for (let i = 0; i < g.length; i += 4099) sq += g[i]! * g[i]!
        }
        expect(Number.isFinite(sq) && sq > 0).toBe(true)
        // plain SGD in place (AdamW's two moments would add 4 GB; it is tested on small models)
        for (const [name, g] of grads) {
          const w = weights.get(name)!.data
          for (let i = 0; i < w.length; i++) w[i]! -= 1e-3 * g[i]!
        }
        return loss
      }
      const before = await step()
      const after = await trainer.step(weights, [sample])
      expect(after.loss).toBeLessThan(before)
    } finally {
      await trainer.release()
    }
  }, 600_000)
})
