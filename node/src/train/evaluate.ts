/**
 * Held-out greedy accuracy: problems evalSeed(0..n-1) of the run's task, decoded greedily in
 * left-padded batches through the policy's KV-cache graph (padding keys masked, RoPE positions
 * per row), scored by the task's verifier. Greedy = argmax with ties to the lower id, the same
 * token the seeded sampler picks with a vanishing top-p.
 */
import { evalSeed, type Policy, promptTokens, type Task, type TaskInstance, type Tokenizer } from '@murmur/protocol'

export interface GreedyAccuracy {
  accuracy: number
  /** Mean task reward of the greedy completions. */
  reward: number
  problems: number
}

/** Greedy completions (token ids, stop token excluded) of left-padded prompts. */
export async function greedyDecode(
  policy: Policy,
  prompts: readonly (readonly number[])[],
  { maxNewTokens, stopTokens }: { maxNewTokens: number; stopTokens: readonly number[] },
): Promise<number[][]> {
  const V = policy.cfg.vocabSize
  const B = prompts.length
  const L = Math.max(...prompts.map((p) => p.length))
  const stop = new Set(stopTokens)
  const tokens = prompts.map((p) => [...new Array<number>(L - p.length).fill(0), ...p])
  const valid = prompts.map((p) => Array.from({ length: L }, (_, j) => j >= L - p.length))
  const positions = prompts.map((p) => Array.from({ length: L }, (_, j) => Math.max(0, j - (L - p.length))))
  let { logits, present } = await policy.forward({ tokens, keyValid: valid, positions })
  let S = L
  const out: number[][] = prompts.map(() => [])
  const done = new Array<boolean>(B).fill(false)
  for (let t = 0; t < maxNewTokens; t++) {
    const next: number[] = []
    for (let b = 0; b < B; b++) {
      const row = logits.subarray((b * S + S - 1) * V, (b * S + S) * V)
      let best = 0
      for (let v = 1; v < V; v++) if (row[v]! > row[best]!) best = v
      if (!done[b]) {
        if (stop.has(best)) done[b] = true
        else out[b]!.push(best)
      }
      next.push(best)
    }
    if (done.every(Boolean) || t === maxNewTokens - 1) break
    if (present.length + 1 > policy.cfg.maxPositionEmbeddings) break
    for (const v of valid) v.push(true)
    const step = await policy.forward({
      tokens: next.map((x) => [x]),
      past: present,
      keyValid: valid,
      positions: prompts.map((p) => [p.length + t]),
    })
    logits = step.logits
    present = step.present
    S = 1
  }
  return out
}

/** Greedy accuracy of `policy` on held-out problems offset..offset+problems-1. */
export async function heldOutAccuracy({
  policy,
  task,
  tokenizer,
  problems,
  offset = 0,
  maxNewTokens,
  batch = 128,
}: {
  policy: Policy
  task: Task
  tokenizer: Tokenizer
  problems: number
  /** First held-out index; problems are evalSeed(offset + i). */
  offset?: number
  maxNewTokens: number
  batch?: number
}): Promise<GreedyAccuracy> {
  const instances: TaskInstance[] = Array.from({ length: problems }, (_, i) => task.instance(evalSeed(offset + i)))
  let correct = 0
  let reward = 0
  for (let i = 0; i < instances.length; i += batch) {
    const chunk = instances.slice(i, i + batch)
    const completions = await greedyDecode(
      policy,
      chunk.map((inst) => promptTokens(tokenizer, inst.prompt)),
      { maxNewTokens, stopTokens: tokenizer.stopIds },
    )
    chunk.forEach((inst, k) => {
      const r = task.reward(inst, tokenizer.decode(completions[k]!))
      correct += r.correctness
      reward += r.reward
    })
  }
  return { accuracy: correct / problems, reward: reward / problems, problems }
}
