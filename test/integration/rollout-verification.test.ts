/**
 * A rollout's whole path between two peers, with real onnxruntime on both sides: peer A samples
 * a GRPO group for its derived prompt with the seeded sampler, scores it with the task, signs it
 * as EIP-712 typed data; peer B (on another backend) verifies signature, prompt derivation,
 * rewards and a full replay. Then A lies — in a token, a reward, a log-prob — and B says which.
 */

import { nodeRuntime, wasmRuntime } from '@murmur/node'
import {
  addressFromPrivateKey,
  createCharTokenizer,
  createTask,
  derivePromptSeed,
  deriveSeed,
  type Eip712Domain,
  encodeSignedMessage,
  initWeights,
  NAMED_CONFIGS,
  Policy,
  policyReplayChecker,
  type ScoredGroup,
  signMessage,
  taskRewardOracle,
  taskSpecFromDifficulty,
  verifyScoredGroup,
  weightsHash,
} from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const cfg = NAMED_CONFIGS.tiny
const weights = initWeights(cfg, deriveSeed('murmur/test/rollout-verification'))
const policyHash = weightsHash(cfg, weights)
const task = createTask(taskSpecFromDifficulty('addition', '2-3'))
const tokenizer = createCharTokenizer()
const authorKey = deriveSeed('murmur/test/key', 'author')
const author = addressFromPrivateKey(authorKey)
const domain: Eip712Domain = { chainId: 31337n, verifyingContract: new Uint8Array(20).fill(7), salt: deriveSeed('murmur/test/run') }
const sampling = { temperature: 1, topP: 0.95, maxNewTokens: 8, stopTokens: tokenizer.stopIds }
const G = 4

describe('a scored group travels from one peer to another and is verified end to end', () => {
  let sampler: Policy
  let verifierPolicy: Policy
  let honest: ScoredGroup
  const promptTokens = (g: ScoredGroup) => tokenizer.encode(task.instance({ split: 'train', bytes: g.seed }).prompt)

  beforeAll(async () => {
    sampler = await Policy.load(await nodeRuntime('cpu'), cfg, weights)
    verifierPolicy = await Policy.load(await wasmRuntime(), cfg, weights)
    const seed = derivePromptSeed({ run: domain.salt, round: 0n, author, promptIndex: 2 })
    const instance = task.instance({ split: 'train', bytes: seed })
    const completions = await sampler.generate({ prompt: tokenizer.encode(instance.prompt), group: G, seed, ...sampling })
    honest = {
      run: domain.salt,
      round: 0n,
      author,
      policyHash,
      promptIndex: 2,
      seed,
      completions: completions.map((c) => ({
        tokens: Uint32Array.from(c.tokens),
        logprobs: Float32Array.from(c.logprobs),
        reward: Math.fround(task.reward(instance, tokenizer.decode(c.tokens)).reward),
      })),
    }
  })
  afterAll(async () => {
    await sampler?.release()
    await verifierPolicy?.release()
  })

  async function verify(g: ScoredGroup) {
    const message = encodeSignedMessage(signMessage('ScoredGroup', g, domain, authorKey))
    const v = await verifyScoredGroup(
      {
        rewardOracle: taskRewardOracle(task, tokenizer),
        replayChecker: policyReplayChecker({
          policyFor: (h) => (h.every((b, i) => b === policyHash[i]) ? verifierPolicy : undefined),
          promptTokens,
          sampling,
        }),
      },
      {
        message,
        expected: { domain, round: 0n, policyHash, groupSize: G, promptsPerPeer: 8, maxCompletionTokens: sampling.maxNewTokens },
        replay: { ratePpm: 1_000_000, secret: deriveSeed('murmur/test/verifier-secret') },
      },
    )
    return v.ok ? { ok: true, replayed: v.replayed } : { ok: false, why: `${v.reason}: ${v.detail}` }
  }

  it('accepts the honest group after replaying every completion on another backend', async () => {
    expect(await verify(honest)).toEqual({ ok: true, replayed: [0, 1, 2, 3] })
  })

  it('rejects a completion with a token the sampler would not have drawn', async () => {
    const c0 = honest.completions[0]!
    const tokens = Uint32Array.from(c0.tokens)
    tokens[0] = (tokens[0]! + 1) % 100
    const forged = {
      ...honest,
      completions: [
        {
          ...c0,
          tokens,
          reward: Math.fround(task.reward(task.instance({ split: 'train', bytes: honest.seed }), tokenizer.decode([...tokens])).reward),
        },
        ...honest.completions.slice(1),
      ],
    }
    const v = await verify(forged)
    expect(v.ok).toBe(false)
    expect(v.why).toMatch(/^replay-mismatch: replay of completions \[0, 1, 2, 3\] failed: completion 0 fails the replay at token 0/)
  })

  it('rejects an inflated reward without running the model', async () => {
    const forged = { ...honest, completions: honest.completions.map((c, k) => (k === 1 ? { ...c, reward: c.reward === 1 ? 0 : 1 } : c)) }
    expect((await verify(forged)).why).toMatch(/^reward-mismatch: completion 1 /)
  })

  it('rejects log-probs that were edited to skew the importance ratio', async () => {
    const c2 = honest.completions[2]!
    const logprobs = Float32Array.from(c2.logprobs, (x, t) => (t === 0 ? x - 0.5 : x))
    const forged = { ...honest, completions: honest.completions.map((c, k) => (k === 2 ? { ...c, logprobs } : c)) }
    expect((await verify(forged)).why).toMatch(/^replay-mismatch: .*completion 2 fails the replay at token 0: logprob-mismatch/)
  })
})
