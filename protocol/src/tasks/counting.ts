// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Count one letter's occurrences: `count a:abacab=` → `3`. The string has
 * minLength..maxLength letters drawn uniformly from the first `symbols` letters of a–z.
 */
import { CHAT_ANSWER_INSTRUCTION, rewardNumeric } from './numeric-reward.js'
import { drawInSplit } from './seeds.js'
import type { TaskBehaviour, TaskInstance } from './task.js'

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

export function createCountingTask(spec: { family: 'counting'; minLength: number; maxLength: number; symbols: number }): TaskBehaviour {
  const { minLength, maxLength, symbols } = spec
  return {
    instance(seed): TaskInstance {
      return drawInSplit('counting', seed, (rng) => {
        const length = minLength + rng.nextInt(maxLength - minLength + 1)
        const input = Array.from({ length }, () => LETTERS[rng.nextInt(symbols)]!).join('')
        const symbol = LETTERS[rng.nextInt(symbols)]!
        let count = 0
        for (const c of input) if (c === symbol) count++
        const prompt = `count ${symbol}:${input}=`
        return {
          key: prompt,
          value: {
            family: 'counting',
            split: seed.split,
            prompt,
            chatPrompt: `How many times does the letter "${symbol}" occur in "${input}"? ${CHAT_ANSWER_INSTRUCTION}`,
            answer: `${count}`,
            meta: { input, symbol },
          },
        }
      })
    },
    reward: (instance, completion) => rewardNumeric(instance.answer, completion),
  }
}
