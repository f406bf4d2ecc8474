// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The prompt seed of (run, round, author, promptIndex): the task's training seed
 *   trainSeed(run, round (u64), author (20 bytes), promptIndex (u32))
 *     = deriveSeed("murmur/task/train/v1", run, round, author, promptIndex)   (tasks/seeds.ts)
 * The task turns it into a problem with `task.instance({ split: 'train', bytes: seed })`. A peer's
 * prompts follow from its address, so it cannot choose easy ones, and a body copied from another
 * author carries the wrong seed.
 */
import type { Address } from '../crypto/identity.js'
import { trainSeed } from '../tasks/seeds.js'

export function derivePromptSeed({
  run,
  round,
  author,
  promptIndex,
}: {
  run: Uint8Array
  round: bigint
  author: Address
  promptIndex: number
}): Uint8Array {
  return trainSeed(run, round, author, promptIndex).bytes
}
