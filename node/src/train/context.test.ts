import { createSoloRun, NAMED_CONFIGS, taskSpecFromDifficulty } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { runContext, warmupTarget } from './context.js'

const worked = (maxCompletionTokens?: number) =>
  createSoloRun({
    name: 'add',
    model: 'tiny',
    config: NAMED_CONFIGS.tiny,
    task: taskSpecFromDifficulty('addition', '2-3'),
    seed: new Uint8Array(32),
    warmup: { solutions: 'worked' },
    ...(maxCompletionTokens === undefined ? {} : { grpo: { maxCompletionTokens } }),
  })

describe('runContext', () => {
  it('trains worked solutions in a sequence long enough for the longest one', () => {
    const ctx = runContext(worked())
    const inst = ctx.task.instance({ split: 'train', bytes: new Uint8Array(32).fill(7) })
    expect(warmupTarget(ctx.run, ctx.task, inst)).toBe(ctx.task.worked(inst))
    expect(ctx.seq).toBe(ctx.maxPromptTokens + ctx.run.maxCompletionTokens)
    expect(ctx.run.maxCompletionTokens).toBeGreaterThanOrEqual(22)
  })

  it('refuses a completion budget that cannot hold the worked solutions, with the numbers', () => {
    expect(() => runContext(worked(6))).toThrowErrorMatchingInlineSnapshot(
      `[CliError: Worked solutions of "addition/2-3" take up to 22 tokens (end of sequence included) but maxCompletionTokens is 6; raise it in run.json or teach bare answers (warmup.solutions "answer").]`,
    )
  })
})
