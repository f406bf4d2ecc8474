// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
import { extractAnswer } from './extract-answer.js'
import { parseNumericAnswer } from './numeric-answer.js'
import { equalRational, formatRational } from './rational.js'
import { type RewardResult, scored, unscored } from './task.js'

/** Instruction appended to every chat prompt; the reward also accepts a final `Answer:` line. */
export const CHAT_ANSWER_INSTRUCTION = 'Put the final answer in \\boxed{}.'

/** Reward of a completion whose answer must equal the number `reference` (exact rational compare). */
export function rewardNumeric(reference: string, completion: string): RewardResult {
  const want = parseNumericAnswer(reference)
  if (!want.ok) return unscored('unparseable', `reference "${reference}" is not a number: ${want.reason}`)
  const found = extractAnswer(completion)
  if (!found.ok) return unscored(found.reason, found.detail)
  const got = parseNumericAnswer(found.answer)
  if (!got.ok) return unscored('unparseable', got.reason)
  if (equalRational(got.value, want.value)) return scored(1, 1, 'correct', `${formatRational(got.value)} (${found.source})`)
  return scored(0, 1, 'wrong-answer', `got ${formatRational(got.value)}, want ${formatRational(want.value)}`)
}
