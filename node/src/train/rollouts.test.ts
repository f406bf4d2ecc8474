import { deriveSeed, initWeights, NAMED_CONFIGS, Policy } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { nodeRuntime } from '../runtime/runtimes.js'
import { generateGroups } from './rollouts.js'

describe('generateGroups', () => {
  it('samples the same completions as Policy.generate, prompt by prompt, with left-padded batching', async () => {
    const cfg = NAMED_CONFIGS.tiny
    const policy = await Policy.load(await nodeRuntime('cpu'), cfg, initWeights(cfg, deriveSeed('murmur/test/rollouts')))
    try {
      const requests = [
        { prompt: [1, 20, 21, 11, 22, 29], seed: deriveSeed('r', 0) },
        { prompt: [1, 23], seed: deriveSeed('r', 1) },
        { prompt: [1, 24, 25, 26, 27, 28, 29, 30, 31], seed: deriveSeed('r', 2) },
      ]
      const sampling = { group: 4, maxNewTokens: 8, stopTokens: [2, 40, 41, 42, 43, 44, 45], temperature: 1, topP: 0.95 }
      const batched = await generateGroups(policy, requests, sampling)
      for (const [i, r] of requests.entries()) {
        const single = await policy.generate({ ...sampling, prompt: r.prompt, seed: r.seed })
        expect(batched[i]!.map((c) => c.tokens)).toEqual(single.map((c) => c.tokens))
        expect(batched[i]!.map((c) => c.stopped)).toEqual(single.map((c) => c.stopped))
        for (const [k, c] of batched[i]!.entries()) {
          for (const [t, lp] of c.logprobs.entries()) expect(lp).toBeCloseTo(single[k]!.logprobs[t]!, 4)
        }
      }
      expect(batched.flat().some((c) => c.stopped)).toBe(true) // the stop path is exercised
      expect(await generateGroups(policy, [], sampling)).toEqual([])
    } finally {
      await policy.release()
    }
  })
})
