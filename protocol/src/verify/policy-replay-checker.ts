/**
 * The ReplayChecker backed by the engine: the group's claimed policy (looked up by hash) replays
 * the selected completions in one teacher-forced pass and checks every token against murmur's
 * seeded inverse-CDF sampler (engine/replay.ts). The rollout seed is the group's derived prompt
 * seed, which verifyScoredGroup has already checked, so a sender cannot shop for seeds.
 */
import type { Policy } from '../engine/policy.js'
import { type ReplayParameters, replayCompletions } from '../engine/replay.js'
import type { ScoredGroup } from '../messages/scored-group.js'
import type { ReplayChecker } from './scored-group.js'

export interface PolicyReplayCheckerComponents {
  /** The loaded policy whose content hash is `policyHash`, or undefined when this peer lacks it. */
  policyFor(policyHash: Uint8Array): Policy | undefined
  /** The prompt token ids of a group (task instance for its seed, encoded by the run's tokenizer). */
  promptTokens(group: ScoredGroup): readonly number[]
  /** The run's sampling rules (everything but the seed). */
  sampling: Omit<ReplayParameters, 'seed'>
}

export function policyReplayChecker({ policyFor, promptTokens, sampling }: PolicyReplayCheckerComponents): ReplayChecker {
  return {
    async check({ group, completionIndices }) {
      if (completionIndices.length === 0) return { ok: true }
      const policy = policyFor(group.policyHash)
      if (!policy) return { ok: false, detail: 'this peer does not hold the claimed policy', unavailable: true }
      const prompt = promptTokens(group)
      const claims = completionIndices.map((index) => {
        const c = group.completions[index]!
        return { prompt, index, tokens: Array.from(c.tokens), logprobs: Array.from(c.logprobs) }
      })
      const verdicts = await replayCompletions(policy, claims, { ...sampling, seed: group.seed })
      for (let i = 0; i < verdicts.length; i++) {
        const v = verdicts[i]!
        if (!v.ok) {
          const f = v.failures[0]!
          return { ok: false, detail: `completion ${completionIndices[i]} fails the replay at token ${f.position}: ${f.reason}` }
        }
      }
      return { ok: true }
    },
  }
}
