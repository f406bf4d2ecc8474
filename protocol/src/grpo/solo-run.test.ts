import { describe, expect, it } from 'vitest'
import { NAMED_CONFIGS } from '../model/config.js'
import { encodeTaskSpec, taskSpecFromDifficulty } from '../tasks/task-spec.js'
import {
  COMPLETION_MARGIN,
  createSoloRun,
  DEFAULT_GRPO,
  longestTargetTokens,
  parseSoloRun,
  soloRunModelConfig,
  soloRunSeed,
} from './solo-run.js'

const run = createSoloRun({
  name: 'add',
  model: 'tiny',
  config: NAMED_CONFIGS.tiny,
  task: taskSpecFromDifficulty('addition', '2-3'),
  seed: new Uint8Array(32).fill(0xab),
})

describe('solo run.json', () => {
  it('round-trips through JSON with the model config, task spec and seed intact', () => {
    const back = parseSoloRun(JSON.parse(JSON.stringify(run)))
    expect(back).toEqual(run)
    expect(soloRunModelConfig(back)).toEqual(NAMED_CONFIGS.tiny)
    expect(soloRunSeed(back)).toEqual(new Uint8Array(32).fill(0xab))
    expect(encodeTaskSpec(back.taskParams)).toEqual(encodeTaskSpec({ family: 'addition', minDigits: 2, maxDigits: 3 }))
    expect(back).toMatchObject({ taskKind: 'addition', genesisPolicyHash: null, ...DEFAULT_GRPO })
  })

  it('gives a worked-solution run room for its longest solution, and reads old run.json files as bare answers', () => {
    const worked = createSoloRun({
      name: 'add',
      model: 'tiny',
      config: NAMED_CONFIGS.tiny,
      task: taskSpecFromDifficulty('addition', '2-3'),
      seed: new Uint8Array(32),
      warmup: { solutions: 'worked' },
    })
    // `306+286=5821\n####1285` is 21 characters, + end of sequence + COMPLETION_MARGIN
    expect(longestTargetTokens(worked.taskParams, 'worked', new Uint8Array(32))).toBe(22)
    expect(worked.maxCompletionTokens).toBe(22 + COMPLETION_MARGIN)
    expect(worked.warmup.solutions).toBe('worked')
    expect(run.warmup.solutions).toBe('answer')
    expect(run.maxCompletionTokens).toBe(DEFAULT_GRPO.maxCompletionTokens)
    const old = JSON.parse(JSON.stringify(run))
    delete old.warmup.solutions
    expect(parseSoloRun(old).warmup.solutions).toBe('answer')
    expect(() => parseSoloRun({ ...old, warmup: { ...old.warmup, solutions: 'cot' } }, 'run.json')).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: run.json: field "warmup.solutions" is "cot"; use "answer" or "worked".]`,
    )
  })

  it('names the file and field of every problem', () => {
    const bad = (patch: Record<string, unknown>) => () => parseSoloRun({ ...JSON.parse(JSON.stringify(run)), ...patch }, '/runs/a/run.json')
    expect(bad({ format: 'x' })).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: /runs/a/run.json: field "format" is "x"; expected "murmur/solo-run/v1".]`,
    )
    expect(bad({ groupSize: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: /runs/a/run.json: field "groupSize" is 0; it must be an integer in [1, 64].]`,
    )
    expect(bad({ temperature: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: /runs/a/run.json: field "temperature" is 0; it must be a number in (0, 1000].]`,
    )
    expect(bad({ taskParams: { family: 'addition', minDigits: 5, maxDigits: 2 } })).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: /runs/a/run.json: field "taskParams" is not a usable task spec (Task "addition": minDigits (5) exceeds maxDigits (2)).]`,
    )
    expect(bad({ taskKind: 'subtraction' })).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: /runs/a/run.json: field "taskKind" is "subtraction"; it must equal taskParams.family.]`,
    )
    expect(bad({ seed: '0x12' })).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: /runs/a/run.json: field "seed" is "0x12"; it must be 0x followed by 64 lower-case hex digits.]`,
    )
    expect(bad({ warmup: { ...run.warmup, batchSize: -1 } })).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: /runs/a/run.json: field "warmup.batchSize" is -1; it must be an integer in [1, 4096].]`,
    )
    expect(bad({ modelConfig: { model_type: 'gpt2' } })).toThrow(/field "modelConfig" is not a usable model config/)
    expect(() => parseSoloRun([], 'run.json')).toThrowErrorMatchingInlineSnapshot(
      `[RunConfigError: run.json: field "(root)" must be a JSON object.]`,
    )
  })
})
