// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * ScoredGroup: one prompt's group of G completions with per-token logprobs and rewards, as its
 * author sampled them with policy θ_round (DESIGN.md §3 step 1). Gossiped, signed by `author`.
 * `seed` is the prompt seed derived from (run, round, author, promptIndex) (see
 * verify/prompt-seed.ts), so the body is bound to its author and nobody picks easy prompts.
 */
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import { MAX_COMPLETION_TOKENS, MAX_GROUP_SIZE, MAX_SCORED_GROUP_BYTES, PROTOCOL_VERSION } from '../constants.js'
import type { Eip712Message } from '../crypto/eip712.js'
import type { Address } from '../crypto/identity.js'
import { InvalidArgumentError } from '../errors.js'
import { MESSAGE_TAGS, taggedKeccak } from './tagged-hash.js'

export interface Completion {
  /** Sampled token ids, in order. */
  tokens: Uint32Array
  /** log p(token_t | prefix) under θ_round, one per token, each ≤ 0. */
  logprobs: Float32Array
  /** The task verifier's reward for this completion. */
  reward: number
}

export interface ScoredGroup {
  run: Uint8Array
  round: bigint
  author: Address
  policyHash: Uint8Array
  promptIndex: number
  seed: Uint8Array
  completions: Completion[]
}

const TYPE = 'ScoredGroup'

/** Encoded size of the largest group a run allows: 131 header bytes, 8 + 8n per completion. */
export function maxScoredGroupBytes(groupSize: number, maxCompletionTokens: number): number {
  return 131 + groupSize * (8 + 8 * maxCompletionTokens)
}

export function encodeScoredGroup(g: ScoredGroup): Uint8Array {
  if (g.completions.length < 1 || g.completions.length > MAX_GROUP_SIZE) {
    throw new InvalidArgumentError(`A ScoredGroup has 1..${MAX_GROUP_SIZE} completions, got ${g.completions.length}.`)
  }
  const w = new ByteWriter()
    .u8('version', PROTOCOL_VERSION)
    .fixed('run', g.run, 32)
    .u64('round', g.round)
    .fixed('author', g.author, 20)
    .fixed('policyHash', g.policyHash, 32)
    .u32('promptIndex', g.promptIndex)
    .fixed('seed', g.seed, 32)
    .u16('completions', g.completions.length)
  g.completions.forEach((c, k) => {
    const n = c.tokens.length
    if (n > MAX_COMPLETION_TOKENS)
      throw new InvalidArgumentError(`completions[${k}] has ${n} tokens; the limit is ${MAX_COMPLETION_TOKENS}.`)
    if (c.logprobs.length !== n) throw new InvalidArgumentError(`completions[${k}] has ${n} tokens but ${c.logprobs.length} logprobs.`)
    for (let t = 0; t < n; t++)
      if (!(c.logprobs[t]! <= 0)) throw new InvalidArgumentError(`completions[${k}].logprobs[${t}] must be ≤ 0, got ${c.logprobs[t]}.`)
    w.u32(`completions[${k}].tokens`, n)
      .u32Values(`completions[${k}].tokens`, c.tokens)
      .f32Values(`completions[${k}].logprobs`, c.logprobs)
      .f32(`completions[${k}].reward`, c.reward)
  })
  if (w.length > MAX_SCORED_GROUP_BYTES) {
    throw new InvalidArgumentError(`ScoredGroup is ${w.length} bytes; the limit is ${MAX_SCORED_GROUP_BYTES} (MAX_SCORED_GROUP_BYTES).`)
  }
  return w.finish()
}

export function decodeScoredGroup(bytes: Uint8Array): ScoredGroup {
  const r = new ByteReader(bytes, TYPE)
  if (bytes.length > MAX_SCORED_GROUP_BYTES)
    r.fail('(input)', `is ${bytes.length} bytes; the limit is ${MAX_SCORED_GROUP_BYTES} (MAX_SCORED_GROUP_BYTES)`)
  r.range('version', 8, PROTOCOL_VERSION, PROTOCOL_VERSION)
  const run = r.fixed('run', 32)
  const round = r.u64('round')
  const author = r.fixed('author', 20)
  const policyHash = r.fixed('policyHash', 32)
  const promptIndex = r.u32('promptIndex')
  const seed = r.fixed('seed', 32)
  const count = r.range('completions', 16, 1, MAX_GROUP_SIZE)
  const completions: Completion[] = []
  for (let k = 0; k < count; k++) {
    const n = r.count(`completions[${k}].tokens`, 0, MAX_COMPLETION_TOKENS, 8)
    const tokens = r.u32Values(`completions[${k}].tokens`, n)
    const logprobs = new Float32Array(n)
    for (let t = 0; t < n; t++) {
      const at = r.offset
      const lp = r.f32(`completions[${k}].logprobs[${t}]`)
      if (lp > 0) r.fail(`completions[${k}].logprobs[${t}]`, `is ${lp}; a log-probability is ≤ 0`, at)
      logprobs[t] = lp
    }
    const reward = r.f32(`completions[${k}].reward`)
    completions.push({ tokens, logprobs, reward })
  }
  r.end()
  return { run, round, author, policyHash, promptIndex, seed, completions }
}

/** The group's id: keccak256 over its tagged canonical bytes. Deltas reference groups by it. */
export function hashScoredGroup(bytes: Uint8Array): Uint8Array {
  return taggedKeccak(MESSAGE_TAGS.ScoredGroup, bytes)
}

/** The EIP-712 `ScoredGroup` message for a group whose canonical bytes hash to `digest`. */
export function scoredGroupTypedMessage(g: ScoredGroup, digest: Uint8Array): Eip712Message<'ScoredGroup'> {
  return { run: g.run, round: g.round, author: g.author, policyHash: g.policyHash, promptIndex: g.promptIndex, digest }
}

/** Completion tokens in the group (the unit of rollout credit). */
export function groupTokenCount(g: ScoredGroup): number {
  return g.completions.reduce((n, c) => n + c.tokens.length, 0)
}
