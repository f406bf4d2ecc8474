import { describe, expect, it } from 'vitest'
import { alice, RUN } from '../../vectors/fixtures.js'
import { createTask } from '../tasks/create-task.js'
import { createCharTokenizer } from '../tokenizer/char-tokenizer.js'
import { derivePromptSeed } from './prompt-seed.js'
import { taskRewardOracle } from './task-reward-oracle.js'

describe('taskRewardOracle', () => {
  const task = createTask({ family: 'addition', minDigits: 2, maxDigits: 2 })
  const tokenizer = createCharTokenizer()
  const oracle = taskRewardOracle(task, tokenizer)
  const promptSeed = derivePromptSeed({ run: RUN, round: 0n, author: alice.address, promptIndex: 0 })
  const instance = task.instance({ split: 'train', bytes: promptSeed })

  it('scores the right answer of the instance derived from the prompt seed with 1, ignoring the stop token', async () => {
    const tokens = Uint32Array.from([...tokenizer.encode(instance.answer), tokenizer.eosId])
    expect(await oracle.reward({ promptSeed, tokens })).toBe(1)
  })

  it('scores a wrong answer below 1', async () => {
    const wrong = String(Number(instance.answer) + 1)
    expect(await oracle.reward({ promptSeed, tokens: Uint32Array.from(tokenizer.encode(wrong)) })).toBeLessThan(1)
  })
})
