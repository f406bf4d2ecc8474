/**
 * The sampler's token distribution and murmur's inverse-CDF sampling rule. A rollout is fully
 * determined by (policy, prompt, seed): the uniform for completion k at position t is
 * `uniformAt(seed, [k, t])`, and the token is the one whose CDF interval contains it. A
 * verifier recomputes the distribution with one teacher-forced pass and checks each token's
 * interval (see replay.ts). Float64 throughout; logits are float32 from the runtime.
 *
 * CDF order: the kept tokens (the top-p nucleus) in ascending token id. The nucleus is the
 * smallest set of most probable tokens (ties broken by lower id) whose mass reaches top-p.
 */
export interface SamplingParameters {
  temperature: number // > 0
  topP: number // (0, 1]
}

export interface TokenDistribution {
  /** Probabilities at `temperature` over the full vocabulary (sum 1). */
  probs: Float64Array
  /** log-probabilities at `temperature` over the full vocabulary (what rollouts report). */
  logprobs: Float64Array
  /** Kept token ids, ascending. */
  kept: Int32Array
  /** Cumulative kept mass, renormalised: cdf[i] = Σ_{j ≤ i} p(kept[j]) / Σ p(kept). */
  cdf: Float64Array
}

export function tokenDistribution(logits: ArrayLike<number>, { temperature, topP }: SamplingParameters): TokenDistribution {
  const V = logits.length
  let m = Number.NEGATIVE_INFINITY
  for (let i = 0; i < V; i++) m = Math.max(m, logits[i]! / temperature)
  const probs = new Float64Array(V)
  let z = 0
  for (let i = 0; i < V; i++) z += probs[i] = Math.exp(logits[i]! / temperature - m)
  const logZ = Math.log(z)
  const logprobs = new Float64Array(V)
  for (let i = 0; i < V; i++) {
    logprobs[i] = logits[i]! / temperature - m - logZ
    probs[i]! /= z
  }
  let kept: Int32Array
  if (topP >= 1) kept = Int32Array.from({ length: V }, (_, i) => i)
  else {
    const order = Int32Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b)
    let mass = 0
    let n = 0
    while (n < V && mass < topP) mass += probs[order[n++]!]!
    kept = order.slice(0, n).sort()
  }
  const cdf = new Float64Array(kept.length)
  let acc = 0
  for (let i = 0; i < kept.length; i++) cdf[i] = acc += probs[kept[i]!]!
  for (let i = 0; i < cdf.length; i++) cdf[i]! /= acc
  cdf[cdf.length - 1] = 1
  return { probs, logprobs, kept, cdf }
}

/** The token whose CDF interval contains u ∈ [0, 1): the first kept token with u < cdf. */
export function sampleToken(dist: TokenDistribution, u: number): number {
  let lo = 0
  let hi = dist.cdf.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (u < dist.cdf[mid]!) hi = mid
    else lo = mid + 1
  }
  return dist.kept[lo]!
}

/** [lo, hi) of `token` in the CDF, or null when the token is outside the nucleus. */
export function tokenInterval(dist: TokenDistribution, token: number): { lo: number; hi: number } | null {
  let lo = 0
  let hi = dist.kept.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const t = dist.kept[mid]!
    if (t === token) return { lo: mid === 0 ? 0 : dist.cdf[mid - 1]!, hi: dist.cdf[mid]! }
    if (t < token) lo = mid + 1
    else hi = mid - 1
  }
  return null
}
