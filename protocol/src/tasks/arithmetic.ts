// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * n-digit addition, subtraction and multiplication. Plain prompt `a+b=`, `a-b=`, `a*b=`;
 * the answer is the decimal integer, e.g. `12+34=` → `46`.
 */
import type { Rng } from '../random/rng.js'
import { CHAT_ANSWER_INSTRUCTION, rewardNumeric } from './numeric-reward.js'
import { drawInSplit } from './seeds.js'
import type { TaskBehaviour, TaskInstance } from './task.js'
import type { ArithmeticFamily } from './task-spec.js'

const SYMBOL: Record<ArithmeticFamily, string> = { addition: '+', subtraction: '-', multiplication: '*' }
const WORD: Record<ArithmeticFamily, string> = { addition: '+', subtraction: '−', multiplication: '×' }

/** A uniform integer with exactly `n` decimal digits (n = 1 includes 0). */
export function drawDigits(rng: Rng, n: number): bigint {
  let s = n === 1 ? `${rng.nextInt(10)}` : `${1 + rng.nextInt(9)}`
  for (let i = 1; i < n; i++) s += `${rng.nextInt(10)}`
  return BigInt(s)
}

export function createArithmeticTask(spec: { family: ArithmeticFamily; minDigits: number; maxDigits: number }): TaskBehaviour {
  const { family, minDigits, maxDigits } = spec
  const span = maxDigits - minDigits + 1
  const op = SYMBOL[family]
  return {
    instance(seed): TaskInstance {
      return drawInSplit(family, seed, (rng) => {
        let a = drawDigits(rng, minDigits + rng.nextInt(span))
        let b = drawDigits(rng, minDigits + rng.nextInt(span))
        if (family === 'subtraction' && a < b) [a, b] = [b, a]
        const result = family === 'addition' ? a + b : family === 'subtraction' ? a - b : a * b
        const prompt = `${a}${op}${b}=`
        return {
          key: prompt,
          value: {
            family,
            split: seed.split,
            prompt,
            chatPrompt: `What is ${a} ${WORD[family]} ${b}? ${CHAT_ANSWER_INSTRUCTION}`,
            answer: `${result}`,
            meta: { a: `${a}`, b: `${b}` },
          },
        }
      })
    },
    reward: (instance, completion) => rewardNumeric(instance.answer, completion),
  }
}
