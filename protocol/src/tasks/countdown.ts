// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Countdown: reach a target from given numbers with + − × ÷, each number at most once, every
 * division exact. Plain prompt `numbers:target=`, e.g. `3,7,25,50:150=` → `(7-3)*25+50`.
 * Checked by {@link evaluateExpression}; an answer may also state its value (`50*3=150`).
 */
import { TaskSpecError } from '../errors.js'
import type { Rng } from '../random/rng.js'
import { evaluateExpression } from './arithmetic-expression.js'
import { extractAnswer } from './extract-answer.js'
import { CHAT_ANSWER_INSTRUCTION } from './numeric-reward.js'
import { drawInSplit } from './seeds.js'
import { type RewardResult, scored, type TaskBehaviour, type TaskInstance, unscored } from './task.js'

/** Draws per instance for a target in range before the spec is declared unsatisfiable. */
const MAX_TARGET_ATTEMPTS = 1000

type Op = '+' | '-' | '*' | '/'
interface Node {
  value: bigint
  expr: string
  op: Op | null // top-level operator, null for a literal
}

const OPS: readonly Op[] = ['+', '-', '*', '/']

/** `child` as an operand of `op` on the given side, parenthesised only where precedence needs it. */
function operand(child: Node, op: Op, right: boolean): string {
  const additive = child.op === '+' || child.op === '-'
  const needs = child.op !== null && ((op === '*' && additive) || (op === '/' && (additive || right)) || (op === '-' && right && additive))
  return needs ? `(${child.expr})` : child.expr
}

function combine(a: Node, b: Node, op: Op): Node | null {
  let value: bigint
  if (op === '+') value = a.value + b.value
  else if (op === '-') value = a.value - b.value
  else if (op === '*') value = a.value * b.value
  else {
    if (b.value === 0n || a.value % b.value !== 0n) return null
    value = a.value / b.value
  }
  if (value <= 0n) return null
  return { value, expr: `${operand(a, op, false)}${op}${operand(b, op, true)}`, op }
}

function drawProblem(rng: Rng, count: number, maxNumber: number, maxTarget: number) {
  for (let attempt = 0; attempt < MAX_TARGET_ATTEMPTS; attempt++) {
    const numbers = Array.from({ length: count }, () => 1 + rng.nextInt(maxNumber))
    const used = 2 + rng.nextInt(count - 1)
    const pool: Node[] = numbers.slice(0, used).map((n) => ({ value: BigInt(n), expr: `${n}`, op: null }))
    while (pool.length > 1) {
      const i = rng.nextInt(pool.length)
      let j = rng.nextInt(pool.length - 1)
      if (j >= i) j++
      const a = pool[i]!
      const b = pool[j]!
      const node = combine(a, b, OPS[rng.nextInt(4)]!) ?? combine(a, b, '+')!
      pool.splice(Math.max(i, j), 1)
      pool.splice(Math.min(i, j), 1, node)
    }
    const solution = pool[0]!
    if (solution.value > BigInt(maxTarget)) continue
    for (let k = numbers.length - 1; k > 0; k--) {
      const r = rng.nextInt(k + 1)
      ;[numbers[k], numbers[r]] = [numbers[r]!, numbers[k]!]
    }
    return { numbers, target: Number(solution.value), solution: solution.expr }
  }
  throw new TaskSpecError(`Task "countdown": no target ≤ ${maxTarget} found in ${MAX_TARGET_ATTEMPTS} draws; raise maxTarget.`, {
    maxTarget,
  })
}

/** Scores a countdown answer against `numbers` and `target`. Never throws. */
export function rewardCountdown(numbers: readonly number[], target: number, completion: string): RewardResult {
  const found = extractAnswer(completion)
  if (!found.ok) return unscored(found.reason, found.detail)
  const [lhs, rhs, ...rest] = found.answer.split('=')
  if (rest.length > 0) return unscored('invalid-expression', 'more than one "="')
  const result = evaluateExpression(lhs!.trim())
  if (!result.ok) return unscored('invalid-expression', result.reason)
  const available = [...numbers]
  for (const n of result.literals) {
    const at = available.indexOf(n)
    if (at < 0) return scored(0, 1, 'wrong-numbers', `${n} is not available (numbers ${numbers.join(',')}, each at most once)`)
    available.splice(at, 1)
  }
  const value = result.value.num // an integer: divisions are exact
  if (rhs !== undefined && rhs.trim() !== `${value}`) return scored(0, 1, 'wrong-answer', `claims ${rhs.trim()} but equals ${value}`)
  if (value !== BigInt(target)) return scored(0, 1, 'wrong-answer', `equals ${value}, want ${target}`)
  return scored(1, 1, 'correct', `${lhs!.trim()} = ${target} (${found.source})`)
}

export function createCountdownTask(spec: { family: 'countdown'; count: number; maxNumber: number; maxTarget: number }): TaskBehaviour {
  const { count, maxNumber, maxTarget } = spec
  return {
    instance(seed): TaskInstance {
      return drawInSplit('countdown', seed, (rng) => {
        const { numbers, target, solution } = drawProblem(rng, count, maxNumber, maxTarget)
        const prompt = `${numbers.join(',')}:${target}=`
        return {
          key: prompt,
          value: {
            family: 'countdown',
            split: seed.split,
            prompt,
            chatPrompt:
              `Using the numbers [${numbers.join(', ')}], each at most once, and + - * / (every division exact), ` +
              `write an expression equal to ${target}. ${CHAT_ANSWER_INSTRUCTION}`,
            answer: solution,
            meta: { numbers, target },
          },
        }
      })
    },
    reward: (instance, completion) =>
      rewardCountdown(instance.meta.numbers as readonly number[], instance.meta.target as number, completion),
  }
}
