import {
  addressFromPrivateKey,
  contentHash,
  createCharTokenizer,
  createTask,
  DEFAULT_REPLAY_RATE_PPM,
  decodeScoredGroup,
  derivePromptSeed,
  deriveSeed,
  type Eip712Domain,
  encodeScoredGroup,
  encodeSignedMessage,
  initWeights,
  NAMED_CONFIGS,
  Policy,
  policyReplayChecker,
  recoverSigner,
  type ScoredGroup,
  signDigest,
  signMessage,
  taskRewardOracle,
  taskSpecFromDifficulty,
  verifyScoredGroup,
  weightsHash,
} from '@murmur/protocol'
import { nodeRuntime } from '../runtime/runtimes.js'
import { type Benchmark, machineInfo, median, timeMs } from './report.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

/** Operations per second of `fn`, median of `reps` timed batches of `n` calls. */
async function opsPerSec(n: number, reps: number, fn: (i: number) => unknown): Promise<number> {
  const rates: number[] = []
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await fn(i)
    rates.push(n / (Number(process.hrtime.bigint() - t0) / 1e9))
  }
  return median(rates)
}

/** A group shaped like a real round's: G completions of `tokens` tokens each. */
function benchGroup(privateKey: Uint8Array, run: Uint8Array, groupSize: number, tokens: number): ScoredGroup {
  const author = addressFromPrivateKey(privateKey)
  return {
    run,
    round: 1n,
    author,
    policyHash: contentHash(utf8('policy')),
    promptIndex: 0,
    seed: derivePromptSeed({ run, round: 1n, author, promptIndex: 0 }),
    completions: Array.from({ length: groupSize }, (_, k) => ({
      tokens: Uint32Array.from({ length: tokens }, (_, t) => (k * 7919 + t * 104729) % 32000),
      logprobs: Float32Array.from({ length: tokens }, (_, t) => -Math.fround(((k + t) % 17) / 8)),
      reward: 0,
    })),
  }
}

/**
 * Replay in verification, measured for real: the tiny policy on onnxruntime-node CPU samples a
 * group of 8 for an addition prompt; receivers verify it with the task's reward oracle and the
 * engine-backed ReplayChecker at the default replay rate and at 100%.
 */
async function measureReplay(quick: boolean, log: (l: string) => void) {
  const cfg = NAMED_CONFIGS.tiny
  const weights = initWeights(cfg, deriveSeed('murmur/bench/verify/replay'))
  const policyHash = weightsHash(cfg, weights)
  const task = createTask(taskSpecFromDifficulty('addition', '2-3'))
  const tokenizer = createCharTokenizer()
  const key = deriveSeed('murmur/bench/verify/key')
  const author = addressFromPrivateKey(key)
  const domain: Eip712Domain = {
    chainId: 31337n,
    verifyingContract: new Uint8Array(20).fill(0x5f),
    salt: deriveSeed('murmur/bench/verify/run'),
  }
  const sampling = { temperature: 1, topP: 1, maxNewTokens: 16, stopTokens: tokenizer.stopIds }
  const G = 8
  const policy = await Policy.load(await nodeRuntime('cpu'), cfg, weights)
  try {
    const seed = derivePromptSeed({ run: domain.salt, round: 0n, author, promptIndex: 0 })
    const instance = task.instance({ split: 'train', bytes: seed })
    const prompt = tokenizer.encode(instance.prompt)
    const generate = () => policy.generate({ prompt, group: G, seed, ...sampling })
    await generate()
    const genTimes: number[] = []
    let completions = await generate()
    for (let i = 0; i < (quick ? 3 : 7); i++) genTimes.push(await timeMs(async () => void (completions = await generate())))
    const generationMs = median(genTimes)
    const group: ScoredGroup = {
      run: domain.salt,
      round: 0n,
      author,
      policyHash,
      promptIndex: 0,
      seed,
      completions: completions.map((c) => ({
        tokens: Uint32Array.from(c.tokens),
        logprobs: Float32Array.from(c.logprobs),
        reward: Math.fround(task.reward(instance, tokenizer.decode(c.tokens)).reward),
      })),
    }
    const message = encodeSignedMessage(signMessage('ScoredGroup', group, domain, key))
    const components = {
      rewardOracle: taskRewardOracle(task, tokenizer),
      replayChecker: policyReplayChecker({ policyFor: () => policy, promptTokens: () => prompt, sampling }),
    }
    const expected = { domain, round: 0n, policyHash, groupSize: G, promptsPerPeer: 1, maxCompletionTokens: sampling.maxNewTokens }
    const timeVerify = async (ratePpm: number) => {
      const times: number[] = []
      for (let i = 0; i < (quick ? 8 : 40); i++) {
        // a fresh verifier secret per message, as every receiver has its own
        const secret = deriveSeed('murmur/bench/verify/secret', i)
        times.push(
          await timeMs(async () => {
            const v = await verifyScoredGroup(components, { message, expected, replay: { ratePpm, secret } })
            if (!v.ok) throw new Error(`bench group does not verify: ${v.reason}: ${v.detail}`)
          }),
        )
      }
      return times.reduce((a, b) => a + b, 0) / times.length // mean: replay happens in a sampled fraction of calls
    }
    const noReplayMs = await timeVerify(0)
    const defaultRateMs = await timeVerify(DEFAULT_REPLAY_RATE_PPM)
    const fullMs = await timeVerify(1_000_000)
    // each completion is replayed independently with probability rate, so the expected cost is
    // rate × (cost of replaying all); the direct default-rate timing is reported too but is noisy
    const fractionFull = Math.max(0, fullMs - noReplayMs) / generationMs
    const fractionAtDefault = (DEFAULT_REPLAY_RATE_PPM / 1_000_000) * fractionFull
    log(
      `replay: generation ${generationMs.toFixed(1)} ms/group; verify ${noReplayMs.toFixed(2)} ms (no replay), ${defaultRateMs.toFixed(2)} ms (default rate), ${fullMs.toFixed(1)} ms (all)`,
    )
    return {
      generationMs,
      noReplayMs,
      defaultRateMs,
      fullMs,
      fractionAtDefault,
      fractionFull,
      tokensPerGroup: completions.reduce((n, c) => n + c.tokens.length, 0),
    }
  } finally {
    await policy.release()
  }
}

/**
 * Signature and ScoredGroup verification throughput (issue #5), and the cost of the replay check
 * relative to generation.
 */
export const verifyBenchmark: Benchmark = {
  name: 'verify',
  description: 'secp256k1 sign/recover ops/s, ScoredGroup encode/decode/verify throughput, and replay cost in verification',
  async run({ quick, log }) {
    const startedAt = new Date().toISOString()
    const reps = quick ? 3 : 5
    const n = quick ? 100 : 500
    const privateKey = contentHash(utf8('murmur/bench/key'))
    const run = contentHash(utf8('murmur/bench/run'))
    const domain: Eip712Domain = { chainId: 31337n, verifyingContract: new Uint8Array(20).fill(0x5f), salt: run }
    const digests = Array.from({ length: n }, (_, i) => contentHash(Uint8Array.of(i & 0xff, i >> 8)))
    const signatures = digests.map((d) => signDigest(d, privateKey))

    const groupSize = 8
    const tokens = quick ? 64 : 256
    const group = benchGroup(privateKey, run, groupSize, tokens)
    const body = encodeScoredGroup(group)
    const envelope = encodeSignedMessage(signMessage('ScoredGroup', group, domain, privateKey))
    const expected = { domain, round: 1n, policyHash: group.policyHash, groupSize, promptsPerPeer: 1, maxCompletionTokens: tokens }
    // a constant oracle agreeing with the group's rewards: the task verifier's own cost is not ours
    const rewardOracle = { reward: () => 0 }
    const replay = { ratePpm: DEFAULT_REPLAY_RATE_PPM, secret: new Uint8Array(32).fill(1) }

    const signPerSec = await opsPerSec(n, reps, (i) => signDigest(digests[i]!, privateKey))
    log(`sign (secp256k1, RFC 6979, low-s): ${signPerSec.toFixed(0)} ops/s`)
    const recoverPerSec = await opsPerSec(n, reps, (i) => recoverSigner(digests[i]!, signatures[i]!))
    log(`verify (recover signer): ${recoverPerSec.toFixed(0)} ops/s`)
    const m = quick ? 50 : 200
    const encodePerSec = await opsPerSec(m, reps, () => encodeScoredGroup(group))
    const decodePerSec = await opsPerSec(m, reps, () => decodeScoredGroup(body))
    log(
      `ScoredGroup (${groupSize}×${tokens} tokens, ${body.length} bytes): encode ${encodePerSec.toFixed(0)}/s, decode ${decodePerSec.toFixed(0)}/s`,
    )
    const first = await verifyScoredGroup({ rewardOracle }, { message: envelope, expected, replay })
    if (!first.ok) throw new Error(`bench group does not verify: ${first.reason}: ${first.detail}`)
    const verifyPerSec = await opsPerSec(m, reps, () => verifyScoredGroup({ rewardOracle }, { message: envelope, expected, replay }))
    log(`ScoredGroup verify without replay (stub reward oracle): ${verifyPerSec.toFixed(0)} groups/s`)

    const replayed = await measureReplay(quick, log)
    const mib = body.length / 1024 / 1024
    return {
      name: 'verify',
      startedAt,
      machine: machineInfo(),
      results: {
        signOpsPerSec: signPerSec,
        verifyOpsPerSec: recoverPerSec,
        scoredGroupBytes: body.length,
        scoredGroupShape: { groupSize, tokensPerCompletion: tokens },
        scoredGroupEncodePerSec: encodePerSec,
        scoredGroupDecodePerSec: decodePerSec,
        scoredGroupDecodeMiBPerSec: decodePerSec * mib,
        scoredGroupVerifyNoReplayPerSec: verifyPerSec,
        scoredGroupVerifyNoReplayTokensPerSec: verifyPerSec * groupSize * tokens,
        replay: {
          defaultRatePpm: DEFAULT_REPLAY_RATE_PPM,
          ...replayed,
          scoredGroupVerifyWithReplayPerSec: 1000 / replayed.defaultRateMs,
          scoredGroupVerifyFullReplayPerSec: 1000 / replayed.fullMs,
          replayCostFractionOfGeneration: replayed.fractionAtDefault,
        },
      },
      table: {
        headers: ['operation', 'median rate'],
        rows: [
          ['secp256k1 sign (digest)', `${signPerSec.toFixed(0)} ops/s`],
          ['secp256k1 recover + low-s check', `${recoverPerSec.toFixed(0)} ops/s`],
          [`ScoredGroup encode (${groupSize}×${tokens} tokens)`, `${encodePerSec.toFixed(0)} /s`],
          [`ScoredGroup decode (${body.length} bytes)`, `${decodePerSec.toFixed(0)} /s (${(decodePerSec * mib).toFixed(1)} MiB/s)`],
          ['ScoredGroup verify, no replay', `${verifyPerSec.toFixed(0)} groups/s`],
          [
            `ScoredGroup verify + replay at ${DEFAULT_REPLAY_RATE_PPM / 1e4}% (tiny policy, task oracle)`,
            `${(1000 / replayed.defaultRateMs).toFixed(0)} groups/s`,
          ],
          ['ScoredGroup verify + replay of every completion', `${(1000 / replayed.fullMs).toFixed(0)} groups/s`],
          ['replay cost / generation cost, default rate (expected: rate × all)', `${(100 * replayed.fractionAtDefault).toFixed(2)}%`],
          ['replay cost / generation cost, every completion', `${(100 * replayed.fractionFull).toFixed(1)}%`],
        ],
      },
      notes: [
        'verify = envelope + body decode, EIP-712 digest, prompt-seed derivation, signature recovery, and rewards through a constant stub oracle (the task verifier’s own cost is not included).',
        'Replay rows: tiny policy on onnxruntime-node CPU, a group of 8 addition completions (≤ 16 tokens); cost = extra verify time over no-replay, divided by the time to generate the group; replay picks completions with the verifier’s own secret.',
        '@noble/curves + @noble/hashes, pure JS, single thread.',
      ],
    }
  },
}
