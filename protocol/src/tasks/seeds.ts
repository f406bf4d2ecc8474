// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Train/eval separation, made structural twice over:
 *
 * 1. Seeds: {@link trainSeed} and {@link evalSeed} hash under different domains and carry
 *    their split as a tag, so a training seed cannot be mistaken for an evaluation one.
 * 2. Problems: every problem has a canonical key (its plain prompt). A problem belongs to
 *    `eval` iff the first byte of sha256-derived `deriveSeed(TASK_SPLIT_DOMAIN, family, key)`
 *    is below {@link EVAL_SPLIT_THRESHOLD}, else to `train`. Instances are drawn by rejection
 *    until they land in their seed's split, so no held-out problem is ever trained on, even
 *    when the problem space is small (two-digit addition has 8,100 problems).
 */

import { TaskSpecError } from '../errors.js'
import { createRng, deriveSeed, type Rng, type SeedPart } from '../random/rng.js'
import type { TaskSeed, TaskSplit } from './task.js'
import { assertTaskSeedBytes } from './task-spec.js'

export const TRAIN_SEED_DOMAIN = 'murmur/task/train/v1'
export const EVAL_SEED_DOMAIN = 'murmur/task/eval/v1'
export const TASK_SPLIT_DOMAIN = 'murmur/task/split/v1'

/** 32/256 = 1/8 of every family's problem space is held out for evaluation. */
export const EVAL_SPLIT_THRESHOLD = 32

/** Draws per instance before giving up; (7/8)^512 ≈ 1e-30, so only a problem space with no
 * member in the split exhausts it (and then every peer fails identically). */
export const MAX_SPLIT_ATTEMPTS = 512

/** Seed of training problem `parts` (e.g. run id, round, peer address, index). */
export function trainSeed(...parts: readonly SeedPart[]): TaskSeed {
  return { split: 'train', bytes: deriveSeed(TRAIN_SEED_DOMAIN, ...parts) }
}

/** Seed of held-out problem `index`; the same for every run, so accuracies compare across runs. */
export function evalSeed(index: number): TaskSeed {
  return { split: 'eval', bytes: deriveSeed(EVAL_SEED_DOMAIN, index) }
}

/** The split a problem belongs to, from its family and canonical key. */
export function splitOf(family: string, key: string): TaskSplit {
  return deriveSeed(TASK_SPLIT_DOMAIN, family, key)[0]! < EVAL_SPLIT_THRESHOLD ? 'eval' : 'train'
}

/**
 * Runs `draw` on one ChaCha20 stream seeded by `seed.bytes` until it yields a problem in
 * `seed.split`. `draw` returns the problem and its canonical key.
 */
export function drawInSplit<T>(family: string, seed: TaskSeed, draw: (rng: Rng) => { key: string; value: T }): T {
  if (seed?.split !== 'train' && seed?.split !== 'eval')
    throw new TaskSpecError(`A task seed must have split "train" or "eval", got ${JSON.stringify(seed?.split)}.`)
  assertTaskSeedBytes(seed.bytes)
  const rng = createRng(seed.bytes)
  for (let i = 0; i < MAX_SPLIT_ATTEMPTS; i++) {
    const { key, value } = draw(rng)
    if (splitOf(family, key) === seed.split) return value
  }
  throw new TaskSpecError(
    `Task "${family}": no ${seed.split} problem found in ${MAX_SPLIT_ATTEMPTS} draws; the problem space is too small to split.`,
    {
      family,
      split: seed.split,
    },
  )
}
