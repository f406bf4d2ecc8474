/**
 * The pure parts of one solo GRPO round: which prompts a round uses (derived from seeds, so a
 * resumed run replays the same rounds), how a prompt becomes tokens, how scored groups become
 * a training batch (group-relative advantages; zero-variance groups dropped and counted), and
 * the round's rollout statistics. The loop with I/O lives in @murmur/node (src/train/).
 */

import type { TrainSample } from '../engine/train-batch.js'
import { InvalidArgumentError } from '../errors.js'
import type { Task, TaskInstance } from '../tasks/task.js'
import type { Tokenizer } from '../tokenizer/tokenizer.js'
import { derivePromptSeed } from '../verify/prompt-seed.js'
import { groupAdvantages, isZeroVarianceGroup } from './advantages.js'

/** A solo peer has no ledger identity; its prompts derive as if authored by the zero address. */
export const SOLO_AUTHOR: Uint8Array = new Uint8Array(20)

/**
 * The training problems of `round`: problem k comes from the swarm's prompt seed
 * derivePromptSeed(run, round, SOLO_AUTHOR, k), which also seeds the sampler's uniforms.
 */
export function soloRoundPrompts({
  task,
  run,
  round,
  count,
}: {
  task: Pick<Task, 'instance'>
  run: Uint8Array
  round: number
  count: number
}): { seed: Uint8Array; instance: TaskInstance }[] {
  if (!Number.isSafeInteger(round) || round < 0) throw new InvalidArgumentError(`round must be a non-negative integer, got ${round}.`)
  return Array.from({ length: count }, (_, promptIndex) => {
    const seed = derivePromptSeed({ run, round: BigInt(round), author: SOLO_AUTHOR, promptIndex })
    return { seed, instance: task.instance({ split: 'train', bytes: seed }) }
  })
}

/** Prompt token ids: BOS (when the tokenizer has one) then the plain prompt. */
export function promptTokens(tokenizer: Pick<Tokenizer, 'encode' | 'bosId'>, prompt: string): number[] {
  const ids = tokenizer.encode(prompt)
  return tokenizer.bosId === undefined ? ids : [tokenizer.bosId, ...ids]
}

/**
 * One supervised warm-up sample: prompt ‖ answer ‖ eos, trained with the 'sft' objective
 * (A = 1; old log-probs are ignored, so they are zeros).
 */
export function supervisedSample(
  tokenizer: Pick<Tokenizer, 'encode' | 'bosId' | 'eosId'>,
  instance: TaskInstance,
  target: string = instance.answer,
): TrainSample {
  const prompt = promptTokens(tokenizer, instance.prompt)
  const completion = [...tokenizer.encode(target), tokenizer.eosId]
  return { tokens: [...prompt, ...completion], promptLength: prompt.length, advantage: 1, oldLogprobs: completion.map(() => 0) }
}

export interface RolloutCompletion {
  tokens: readonly number[]
  /** Behaviour-policy log-probs, one per token. */
  logprobs: readonly number[]
  reward: number
  /** Task correctness (1 = right answer); for accuracy figures only. */
  correctness?: number
  /** Reference-policy log-probs of the tokens, passed on to the KL term of the loss. */
  refLogprobs?: readonly number[]
}

export interface RolloutGroup {
  prompt: readonly number[]
  completions: readonly RolloutCompletion[]
}

export interface GrpoBatch {
  /** Samples of groups with reward variance, in group order; empty completions are skipped. */
  samples: TrainSample[]
  groups: number
  /** Groups whose rewards were all equal: they carry no gradient and are left out. */
  zeroVarianceGroups: number
  completions: number
  meanReward: number
  /** Fraction of completions with correctness 1. */
  meanCorrectness: number
}

/** Scored groups → a GRPO batch with group-relative advantages ({@link groupAdvantages}). */
export function assembleGrpoBatch({ groups, eps }: { groups: readonly RolloutGroup[]; eps?: number }): GrpoBatch {
  const samples: TrainSample[] = []
  let zeroVarianceGroups = 0
  let completions = 0
  let rewardSum = 0
  let correctSum = 0
  for (const g of groups) {
    const rewards = g.completions.map((c) => c.reward)
    completions += rewards.length
    for (const c of g.completions) {
      rewardSum += c.reward
      correctSum += c.correctness ?? 0
    }
    if (isZeroVarianceGroup(rewards)) {
      zeroVarianceGroups++
      continue
    }
    const advantages = groupAdvantages({ rewards, ...(eps === undefined ? {} : { eps }) })
    g.completions.forEach((c, i) => {
      if (c.tokens.length === 0) return
      if (c.logprobs.length !== c.tokens.length)
        throw new InvalidArgumentError(`A completion has ${c.tokens.length} tokens but ${c.logprobs.length} log-probs.`)
      samples.push({
        tokens: [...g.prompt, ...c.tokens],
        promptLength: g.prompt.length,
        advantage: advantages[i]!,
        oldLogprobs: c.logprobs,
        ...(c.refLogprobs === undefined ? {} : { refLogprobs: c.refLogprobs }),
      })
    })
  }
  return {
    samples,
    groups: groups.length,
    zeroVarianceGroups,
    completions,
    meanReward: completions === 0 ? 0 : rewardSum / completions,
    meanCorrectness: completions === 0 ? 0 : correctSum / completions,
  }
}

/** Splits samples into consecutive training steps of at most `size` samples. */
export function chunkSamples<T>(samples: readonly T[], size: number): T[][] {
  if (!Number.isSafeInteger(size) || size < 1) throw new InvalidArgumentError(`A chunk size must be a positive integer, got ${size}.`)
  const out: T[][] = []
  for (let i = 0; i < samples.length; i += size) out.push(samples.slice(i, i + size))
  return out
}

export interface RolloutStatistics {
  tokens: number
  /** −mean log π(token) of sampled tokens: a Monte-Carlo estimate of the per-token entropy. */
  entropy: number
  /** mean(log π_old − log π_ref) over sampled tokens: the k1 estimate of KL(π_old ‖ π_ref). */
  klToReference: number | null
}

/** Per-token statistics of a round's completions; `reference` holds log π_ref per completion. */
export function rolloutStatistics(
  completions: readonly { logprobs: readonly number[] }[],
  reference?: readonly (readonly number[])[],
): RolloutStatistics {
  let tokens = 0
  let lp = 0
  let kl = 0
  completions.forEach((c, i) => {
    const ref = reference?.[i]
    if (reference && ref?.length !== c.logprobs.length)
      throw new InvalidArgumentError(`Completion ${i} has ${c.logprobs.length} log-probs but ${ref?.length} reference log-probs.`)
    c.logprobs.forEach((x, t) => {
      tokens++
      lp += x
      if (ref) kl += x - ref[t]!
    })
  })
  return {
    tokens,
    entropy: tokens === 0 ? 0 : -lp / tokens,
    klToReference: reference === undefined ? null : tokens === 0 ? 0 : kl / tokens,
  }
}

/**
 * Learning rate at optimiser step `step` (0-based): linear warm-up over `warmupSteps`, then
 * constant. Kept in one place so genesis and GRPO schedules agree on resume.
 */
export function learningRateAt({ step, learningRate, warmupSteps }: { step: number; learningRate: number; warmupSteps: number }): number {
  if (warmupSteps <= 0) return learningRate
  return learningRate * Math.min(1, (step + 1) / warmupSteps)
}
