/**
 * The replay check (DESIGN.md §2): with one teacher-forced pass of the claimed policy, decide
 * whether every token of a completion is the one murmur's seeded inverse-CDF sampler would
 * have drawn, within tolerances that absorb cross-backend float differences.
 */
import { REPLAY_CDF_TOLERANCE, REPLAY_LOGPROB_TOLERANCE } from '../constants.js'
import { uniformAt } from '../random/rng.js'
import { type SamplingParameters, tokenDistribution, tokenInterval } from './distribution.js'
import type { Policy } from './policy.js'

export interface ReplayClaim {
  prompt: readonly number[]
  /** Completion index k within its group (selects the uniforms). */
  index: number
  tokens: readonly number[]
  logprobs: readonly number[]
}

export type ReplayFailure =
  | { position: number; reason: 'outside-interval'; u: number; lo: number; hi: number }
  | { position: number; reason: 'outside-nucleus'; token: number }
  | { position: number; reason: 'logprob-mismatch'; claimed: number; replayed: number }
  | { position: number; reason: 'bad-stop'; detail: string }

export type ReplayVerdict =
  | { ok: true; maxCdfSlack: number; maxLogprobError: number }
  | { ok: false; failures: ReplayFailure[]; maxCdfSlack: number; maxLogprobError: number }

export interface ReplayParameters extends SamplingParameters {
  seed: Uint8Array
  maxNewTokens: number
  stopTokens: readonly number[]
  cdfTolerance?: number
  logprobTolerance?: number
}

/** Checks one completion's tokens against already computed teacher-forced logits. */
export function checkReplay(claim: ReplayClaim, logitsAt: (position: number) => ArrayLike<number>, p: ReplayParameters): ReplayVerdict {
  const cdfTol = p.cdfTolerance ?? REPLAY_CDF_TOLERANCE
  const lpTol = p.logprobTolerance ?? REPLAY_LOGPROB_TOLERANCE
  const failures: ReplayFailure[] = []
  const stop = new Set(p.stopTokens)
  const n = claim.tokens.length
  if (n === 0 || n > p.maxNewTokens)
    failures.push({ position: 0, reason: 'bad-stop', detail: `completion has ${n} tokens; allowed 1..${p.maxNewTokens}` })
  if (claim.logprobs.length !== n)
    failures.push({ position: 0, reason: 'bad-stop', detail: `${claim.logprobs.length} log-probs for ${n} tokens` })
  claim.tokens.forEach((t, i) => {
    if (stop.has(t) && i !== n - 1) failures.push({ position: i, reason: 'bad-stop', detail: `stop token ${t} before the end` })
  })
  if (n > 0 && n < p.maxNewTokens && !stop.has(claim.tokens[n - 1]!))
    failures.push({ position: n - 1, reason: 'bad-stop', detail: 'ended early without a stop token' })
  let maxCdfSlack = 0
  let maxLogprobError = 0
  for (let i = 0; i < n && failures.length === 0; i++) {
    const token = claim.tokens[i]!
    const dist = tokenDistribution(logitsAt(i), p)
    const u = uniformAt(p.seed, [claim.index, i])
    const replayed = dist.logprobs[token]
    const claimed = claim.logprobs[i]!
    const lpErr = replayed === undefined || !Number.isFinite(claimed) ? Number.POSITIVE_INFINITY : Math.abs(replayed - claimed)
    maxLogprobError = Math.max(maxLogprobError, lpErr)
    if (!(lpErr <= lpTol)) failures.push({ position: i, reason: 'logprob-mismatch', claimed, replayed: replayed ?? Number.NaN })
    let iv = tokenInterval(dist, token)
    if (!iv && p.topP < 1) iv = tokenInterval(tokenDistribution(logitsAt(i), { ...p, topP: Math.min(1, p.topP + cdfTol) }), token)
    if (!iv) {
      failures.push({ position: i, reason: 'outside-nucleus', token })
      continue
    }
    const slack = Math.max(0, iv.lo - u, u - iv.hi)
    maxCdfSlack = Math.max(maxCdfSlack, slack)
    if (slack > cdfTol) failures.push({ position: i, reason: 'outside-interval', u, lo: iv.lo, hi: iv.hi })
  }
  return failures.length ? { ok: false, failures, maxCdfSlack, maxLogprobError } : { ok: true, maxCdfSlack, maxLogprobError }
}

/** Replays several completions of one prompt with one batched teacher-forced pass. */
export async function replayCompletions(policy: Policy, claims: readonly ReplayClaim[], p: ReplayParameters): Promise<ReplayVerdict[]> {
  if (claims.length === 0) return []
  const sequences = claims.map((c) => [...c.prompt, ...c.tokens.slice(0, -1)])
  const { logits, length } = await policy.logits(sequences)
  const V = policy.cfg.vocabSize
  return claims.map((c, b) => {
    const start = c.prompt.length - 1
    return checkReplay(c, (i) => logits.subarray((b * length + start + i) * V, (b * length + start + i + 1) * V), p)
  })
}
