// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * n-digit addition, subtraction and multiplication. Plain prompt `a+b=`, `a-b=`, `a*b=`;
 * the answer is the decimal integer, e.g. `12+34=` → `46`.
 *
 * Worked solutions (addition and subtraction) write the column arithmetic the way it is done
 * by hand, from the units up: both operands with their digits reversed and padded with zeros
 * to maxDigits columns, the result's digits in the same order, then the answer on a `####`
 * line. `603+82=` (maxDigits 3) → `306+280=586\n####685`. Every digit of the work then
 * depends only on digits a fixed distance back (the carry into column i is 1 exactly when
 * a[i−1] + b[i−1] exceeds the result digit written for column i−1), which a small
 * transformer learns in hundreds of steps where the bare answer, written from its most
 * significant digit, needs its carries before it has computed them (node/src/bench/learn.ts
 * measured both). The addition's result has as many digits as the sum; the difference is
 * written with all maxDigits columns, leading zeros included, so no digit depends on the ones
 * after it.
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
    ...(family === 'multiplication'
      ? {}
      : {
          worked: (instance: TaskInstance) => {
            const { a, b } = instance.meta as { a: string; b: string }
            const columns = (x: string) => reversed(x).padEnd(maxDigits, '0')
            const result = family === 'addition' ? reversed(instance.answer) : columns(instance.answer)
            return `${columns(a)}${op}${columns(b)}=${result}\n####${instance.answer}`
          },
        }),
  }
}

const reversed = (s: string): string => Array.from(s).reverse().join('')
