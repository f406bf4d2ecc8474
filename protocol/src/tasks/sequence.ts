// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Sort a string of digits ascending (`sort:3912=` → `1239`) or reverse a string of lowercase
 * letters (`rev:kqzb=` → `bzqk`). Answers are compared after dropping spaces and commas, so a
 * chat model may write `\boxed{1, 2, 3, 9}`.
 */
import { extractAnswer } from './extract-answer.js'
import { CHAT_ANSWER_INSTRUCTION } from './numeric-reward.js'
import { drawInSplit } from './seeds.js'
import { type RewardResult, scored, type TaskBehaviour, type TaskInstance, unscored } from './task.js'

const DIGITS = '0123456789'
const LETTERS = 'abcdefghijklmnopqrstuvwxyz'
const SEQUENCE_ANSWER = /^[0-9a-z]*$/

/** Scores a sequence answer: `reference` after removing spaces and commas. Never throws. */
export function rewardSequence(reference: string, completion: string): RewardResult {
  const found = extractAnswer(completion)
  if (!found.ok) return unscored(found.reason, found.detail)
  const got = found.answer.replace(/[\s,]/g, '')
  if (got === '' || got.length > 4 * reference.length + 16 || !SEQUENCE_ANSWER.test(got)) {
    return unscored('unparseable', `not a sequence of digits or letters: "${found.answer.slice(0, 40)}"`)
  }
  if (got === reference) return scored(1, 1, 'correct', `${got} (${found.source})`)
  return scored(0, 1, 'wrong-answer', `got ${got}, want ${reference}`)
}

export function createSequenceTask(spec: { family: 'sort' | 'reverse'; minLength: number; maxLength: number }): TaskBehaviour {
  const { family, minLength, maxLength } = spec
  const alphabet = family === 'sort' ? DIGITS : LETTERS
  return {
    instance(seed): TaskInstance {
      return drawInSplit(family, seed, (rng) => {
        const length = minLength + rng.nextInt(maxLength - minLength + 1)
        const items = Array.from({ length }, () => alphabet[rng.nextInt(alphabet.length)]!)
        const input = items.join('')
        const answer = family === 'sort' ? [...items].sort().join('') : [...items].reverse().join('')
        const prompt = family === 'sort' ? `sort:${input}=` : `rev:${input}=`
        const chatPrompt =
          family === 'sort'
            ? `Sort the digits of ${input} in ascending order and write them as one string. ${CHAT_ANSWER_INSTRUCTION}`
            : `Write the letters of ${input} in reverse order as one string. ${CHAT_ANSWER_INSTRUCTION}`
        return { key: prompt, value: { family, split: seed.split, prompt, chatPrompt, answer, meta: { input } } }
      })
    },
    reward: (instance, completion) => rewardSequence(instance.answer, completion),
  }
}
