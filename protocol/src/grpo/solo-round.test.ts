import { describe, expect, it } from 'vitest'
import { createTask } from '../tasks/create-task.js'
import { createCharTokenizer } from '../tokenizer/char-tokenizer.js'
import { derivePromptSeed } from '../verify/prompt-seed.js'
import {
  assembleGrpoBatch,
  chunkSamples,
  learningRateAt,
  promptTokens,
  rolloutStatistics,
  SOLO_AUTHOR,
  soloRoundPrompts,
  supervisedSample,
} from './solo-round.js'

const task = createTask({ family: 'addition', minDigits: 2, maxDigits: 3 })
const tokenizer = createCharTokenizer()
const run = new Uint8Array(32).fill(1)

describe('soloRoundPrompts', () => {
  it('derives the same training problems for the same run and round, and others for the next round', () => {
    const a = soloRoundPrompts({ task, run, round: 3, count: 4 })
    const b = soloRoundPrompts({ task, run, round: 3, count: 4 })
    const c = soloRoundPrompts({ task, run, round: 4, count: 4 })
    expect(a.map((p) => p.instance.prompt)).toEqual(b.map((p) => p.instance.prompt))
    expect(a.map((p) => p.instance.prompt)).not.toEqual(c.map((p) => p.instance.prompt))
    expect(a.every((p) => p.instance.split === 'train')).toBe(true)
  })

  it("uses the swarm's prompt seed with the zero address as author", () => {
    const [p] = soloRoundPrompts({ task, run, round: 7, count: 1 })
    expect(p!.seed).toEqual(derivePromptSeed({ run, round: 7n, author: SOLO_AUTHOR, promptIndex: 0 }))
  })

  it('rejects a negative round', () => {
    expect(() => soloRoundPrompts({ task, run, round: -1, count: 1 })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: round must be a non-negative integer, got -1.]`,
    )
  })
})

describe('supervisedSample', () => {
  it('is bos ‖ prompt ‖ answer ‖ eos with A = 1 and zero old log-probs on the completion', () => {
    const s = supervisedSample(tokenizer, { family: 'addition', split: 'train', prompt: '12+34=', chatPrompt: '', answer: '46', meta: {} })
    expect(tokenizer.decode(s.tokens, { skipSpecialTokens: false })).toBe('<bos>12+34=46<eos>')
    expect(s.promptLength).toBe(promptTokens(tokenizer, '12+34=').length)
    expect(s.promptLength).toBe(7)
    expect(s.advantage).toBe(1)
    expect(s.oldLogprobs).toEqual([0, 0, 0])
  })
})

describe('assembleGrpoBatch', () => {
  const c = (reward: number, n = 2, correctness = reward === 1 ? 1 : 0) => ({
    tokens: Array.from({ length: n }, (_, i) => 10 + i),
    logprobs: Array.from({ length: n }, () => -1),
    reward,
    correctness,
  })

  it('gives group-relative advantages and drops zero-variance groups, counting them', () => {
    const batch = assembleGrpoBatch({
      groups: [
        { prompt: [1, 5], completions: [c(1), c(0)] },
        { prompt: [1, 6], completions: [c(0.1), c(0.1)] }, // no signal
        { prompt: [1, 7], completions: [c(1), c(1)] }, // no signal
      ],
      eps: 0,
    })
    expect(batch).toMatchObject({ groups: 3, zeroVarianceGroups: 2, completions: 6 })
    expect(batch.meanReward).toBeCloseTo((1 + 0 + 0.2 + 2) / 6, 12)
    expect(batch.meanCorrectness).toBeCloseTo(3 / 6, 12)
    expect(batch.samples.map((s) => s.advantage)).toEqual([1, -1])
    expect(batch.samples[0]).toEqual({ tokens: [1, 5, 10, 11], promptLength: 2, advantage: 1, oldLogprobs: [-1, -1] })
  })

  it('skips empty completions but keeps their rewards in the group statistics', () => {
    const batch = assembleGrpoBatch({ groups: [{ prompt: [1], completions: [c(1), c(0, 0), c(0)] }] })
    expect(batch.samples).toHaveLength(2)
    expect(batch.completions).toBe(3)
  })

  it('rejects a completion whose log-probs do not match its tokens', () => {
    expect(() =>
      assembleGrpoBatch({ groups: [{ prompt: [1], completions: [c(1), { tokens: [3], logprobs: [], reward: 0 }] }] }),
    ).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: A completion has 1 tokens but 0 log-probs.]`)
  })
})

describe('chunkSamples', () => {
  it('splits in order into chunks of at most the size', () => {
    expect(chunkSamples([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(chunkSamples([], 2)).toEqual([])
    expect(() => chunkSamples([1], 0)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: A chunk size must be a positive integer, got 0.]`,
    )
  })
})

describe('rolloutStatistics', () => {
  it('estimates entropy as −mean log π and KL as mean(log π − log π_ref) per token', () => {
    const s = rolloutStatistics([{ logprobs: [-1, -2] }, { logprobs: [-3] }], [[-1.5, -2], [-2]])
    expect(s.tokens).toBe(3)
    expect(s.entropy).toBeCloseTo(2, 12)
    expect(s.klToReference).toBeCloseTo((0.5 + 0 - 1) / 3, 12)
    expect(rolloutStatistics([{ logprobs: [-1] }]).klToReference).toBeNull()
    expect(() => rolloutStatistics([{ logprobs: [-1] }], [[]])).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Completion 0 has 1 log-probs but 0 reference log-probs.]`,
    )
  })
})

describe('learningRateAt', () => {
  it('warms up linearly, then stays constant', () => {
    expect(learningRateAt({ step: 0, learningRate: 1, warmupSteps: 4 })).toBe(0.25)
    expect(learningRateAt({ step: 3, learningRate: 1, warmupSteps: 4 })).toBe(1)
    expect(learningRateAt({ step: 100, learningRate: 1, warmupSteps: 4 })).toBe(1)
    expect(learningRateAt({ step: 0, learningRate: 1, warmupSteps: 0 })).toBe(1)
  })
})
