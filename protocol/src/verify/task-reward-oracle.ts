// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The RewardOracle of a run's task: the prompt is the task's training instance for the group's
 * prompt seed, the completion is the tokenizer's text for the tokens (special tokens dropped,
 * as when the sampler produced it), and the reward is the task's own verdict. Rewards are
 * recomputed from discrete data only, so every peer gets the same number.
 */
import { equalBytes } from '../bytes/bytes.js'
import type { Task } from '../tasks/task.js'
import type { Tokenizer } from '../tokenizer/tokenizer.js'
import type { RewardOracle } from './scored-group.js'

export function taskRewardOracle(task: Pick<Task, 'instance' | 'reward'>, tokenizer: Pick<Tokenizer, 'decode'>): RewardOracle {
  // a group's completions share one prompt: derive its instance once, not once per completion
  let last: { seed: Uint8Array; instance: ReturnType<Task['instance']> } | null = null
  return {
    reward: ({ promptSeed, tokens }) => {
      if (last === null || !equalBytes(last.seed, promptSeed))
        last = { seed: promptSeed.slice(), instance: task.instance({ split: 'train', bytes: promptSeed }) }
      const instance = last.instance
      return task.reward(instance, tokenizer.decode([...tokens], { skipSpecialTokens: true })).reward
    },
  }
}
