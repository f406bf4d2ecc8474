/**
 * Rollouts for many prompts in one batch: the same seeded inverse-CDF rule as Policy.generate
 * (completion k of a prompt with seed s draws uniformAt(s, [k, t]) at step t), but every decode
 * step runs all prompts' groups through the KV-cache graph at once instead of one session call
 * per prompt. Prompts are left-padded: padding keys are masked and RoPE positions are per row,
 * so each row sees exactly its own prompt. Tokens therefore match Policy.generate's up to the
 * cross-batch float differences the replay check tolerates.
 */
import {
  type Completion,
  type KvCache,
  type Policy,
  type SamplingParameters,
  sampleToken,
  type TokenDistribution,
  tokenDistribution,
  uniformAt,
} from '@murmur/protocol'

export interface RolloutRequest {
  prompt: readonly number[]
  /** 32-byte rollout seed of this prompt. */
  seed: Uint8Array
}

export interface GenerateGroupsParameters extends SamplingParameters {
  group: number
  maxNewTokens: number
  stopTokens: readonly number[]
}

/** Repeats every row of a cache `times` times, row-major: row r becomes rows r·times … r·times + times − 1. */
function repeatRows(cache: KvCache, times: number): KvCache {
  const rows = cache.batch
  return {
    batch: rows * times,
    length: cache.length,
    layers: cache.layers.map((l) => {
      const rep = (x: Float32Array) => {
        const size = x.length / rows
        const out = new Float32Array(x.length * times)
        for (let r = 0; r < rows; r++) for (let k = 0; k < times; k++) out.set(x.subarray(r * size, (r + 1) * size), (r * times + k) * size)
        return out
      }
      return { key: rep(l.key), value: rep(l.value) }
    }),
  }
}

/** `group` completions of every request, in request order. */
export async function generateGroups(
  policy: Policy,
  requests: readonly RolloutRequest[],
  p: GenerateGroupsParameters,
): Promise<Completion[][]> {
  if (requests.length === 0) return []
  const V = policy.cfg.vocabSize
  const G = p.group
  const L = Math.max(...requests.map((r) => r.prompt.length))
  const stop = new Set(p.stopTokens)
  const pad = (r: RolloutRequest) => L - r.prompt.length
  const prefill = await policy.forward({
    tokens: requests.map((r) => [...new Array<number>(pad(r)).fill(0), ...r.prompt]),
    keyValid: requests.map((r) => Array.from({ length: L }, (_, j) => j >= pad(r))),
    positions: requests.map((r) => Array.from({ length: L }, (_, j) => Math.max(0, j - pad(r)))),
  })
  const first = requests.map((_, i) => tokenDistribution(prefill.logits.subarray((i * L + L - 1) * V, (i * L + L) * V), p))
  let cache = repeatRows(prefill.present, G)
  const rows = requests.length * G
  const valid = Array.from({ length: rows }, (_, row) => Array.from({ length: L }, (_, j) => j >= pad(requests[Math.floor(row / G)]!)))
  const out: Completion[][] = requests.map(() => Array.from({ length: G }, () => ({ tokens: [], logprobs: [], stopped: false })))
  const done = new Array<boolean>(rows).fill(false)
  let dist: (row: number) => TokenDistribution = (row) => first[Math.floor(row / G)]!
  for (let t = 0; t < p.maxNewTokens; t++) {
    const next: number[] = []
    for (let row = 0; row < rows; row++) {
      const i = Math.floor(row / G)
      const c = out[i]![row % G]!
      if (done[row]) {
        next.push(c.tokens.at(-1)!)
        continue
      }
      const d = dist(row)
      const token = sampleToken(d, uniformAt(requests[i]!.seed, [row % G, t]))
      c.tokens.push(token)
      c.logprobs.push(d.logprobs[token]!)
      if (stop.has(token)) c.stopped = done[row] = true
      next.push(token)
    }
    if (done.every(Boolean) || t === p.maxNewTokens - 1) break
    if (L + t + 1 >= policy.cfg.maxPositionEmbeddings) break
    for (const v of valid) v.push(true)
    const step = await policy.forward({
      tokens: next.map((x) => [x]),
      past: cache,
      keyValid: valid,
      positions: Array.from({ length: rows }, (_, row) => [requests[Math.floor(row / G)]!.prompt.length + t]),
    })
    cache = step.present
    const logits = step.logits
    dist = (row) => tokenDistribution(logits.subarray(row * V, (row + 1) * V), p)
  }
  return out
}
