// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The task contract. A task turns a seed into a problem and scores a completion of it.
 * Both are pure functions of their inputs, so every peer re-derives the same instance from the
 * same seed and recomputes the same reward from the same completion text — rewards are never
 * taken on trust. Rewards depend on parsed, discrete data only (no float transcendental
 * functions), so they are bit-identical on every engine.
 */
import type { TaskSpec } from './task-spec.js'

/** Training and held-out evaluation draw from disjoint problem sets; see `seeds.ts`. */
export type TaskSplit = 'train' | 'eval'

/** A seed tagged with the split it was derived for ({@link trainSeed}, {@link evalSeed}). */
export interface TaskSeed {
  readonly split: TaskSplit
  readonly bytes: Uint8Array // 32 bytes
}

export interface TaskInstance {
  readonly family: TaskSpec['family']
  readonly split: TaskSplit
  /** Short prompt for a character-level model trained from scratch, e.g. `12+34=`. The
   * expected completion is {@link answer} followed by the end-of-sequence token. */
  readonly prompt: string
  /** The same problem with instructions for a chat model; the answer goes in `\boxed{}`
   * (or a final `Answer: …` line). Both formats are scored by the same {@link Task.reward}. */
  readonly chatPrompt: string
  /** One correct answer in canonical form: the supervised target for warm-up. */
  readonly answer: string
  /** The problem as data (operands, numbers, target, sequence…), for logs and the reward. */
  readonly meta: Readonly<Record<string, string | number | readonly number[]>>
}

export type RewardReason =
  | 'correct'
  | 'wrong-answer'
  | 'empty'
  | 'multiple-answers'
  | 'unbalanced-box'
  | 'unparseable'
  | 'invalid-expression'
  | 'wrong-numbers'

export interface RewardResult {
  /** (9·correctness + format) / 10: 1 when correct, 0.1 for a well-formed wrong answer, else 0. */
  readonly reward: number
  readonly correctness: 0 | 1
  /** 1 when an answer was found (plain, `\boxed{}` or `Answer:` line) and has the family's
   * syntax (a number, an expression, a sequence), whether or not it is right. */
  readonly format: 0 | 1
  readonly reason: RewardReason
  /** What was wrong, with values; for logs, not for consensus. */
  readonly detail: string
}

export interface Task {
  /** Canonical id of the spec, e.g. `addition/2-3` (see {@link taskSpecId}). */
  readonly id: string
  readonly family: TaskSpec['family']
  /** The difficulty knobs as the CLI writes them (`2-3`, `4`); empty for datasets. */
  readonly difficulty: string
  /** The normalised spec this task was built from. */
  readonly spec: TaskSpec
  /** A problem drawn from the seed's split. Throws only on a bad seed. */
  instance(seed: TaskSeed): TaskInstance
  /** Scores a completion. Never throws: malformed text scores 0 with a reason. */
  reward(instance: TaskInstance, completion: string): RewardResult
  /** A worked solution of a plain-prompt instance that `reward` scores 1: the work a person
   * would write down, then a `####` line with the answer; the supervised target of a warm-up
   * that teaches the model to show its work. {@link TaskInstance.answer} for families
   * without a worked form. */
  worked(instance: TaskInstance): string
  /** True when {@link worked} differs from the bare answer for this family. */
  readonly hasWorkedForm: boolean
}

/** What a family implements; {@link createTask} adds the id, spec and checks. */
export type TaskBehaviour = Pick<Task, 'instance' | 'reward'> & { worked?: (instance: TaskInstance) => string }

/**
 * What a warm-up teaches the model to write after the prompt: the bare `answer`, or the
 * `worked` solution ({@link Task.worked}).
 */
export type SolutionStyle = 'answer' | 'worked'
export const SOLUTION_STYLES: readonly SolutionStyle[] = ['answer', 'worked']

/** Builds a {@link RewardResult}; the only place rewards are combined. */
export function scored(correctness: 0 | 1, format: 0 | 1, reason: RewardReason, detail: string): RewardResult {
  return { reward: (9 * correctness + format) / 10, correctness, format, reason, detail }
}

/** A result for text without a usable answer. */
export const unscored = (reason: RewardReason, detail: string): RewardResult => scored(0, 0, reason, detail)
