import {
  addressFromPrivateKey,
  contentHash,
  DEFAULT_REPLAY_RATE_PPM,
  decodeScoredGroup,
  derivePromptSeed,
  type Eip712Domain,
  encodeScoredGroup,
  encodeSignedMessage,
  recoverSigner,
  type ScoredGroup,
  signDigest,
  signMessage,
  verifyScoredGroup,
} from '@murmur/protocol'
import { type Benchmark, machineInfo, median } from './report.js'

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
 * Signature and ScoredGroup verification throughput (issue #5). Replay figures need the engine's
 * ReplayChecker wired to a policy; they are reported as absent, never estimated.
 */
export const verifyBenchmark: Benchmark = {
  name: 'verify',
  description: 'secp256k1 sign/recover ops/s and ScoredGroup encode/decode/verify throughput (replay excluded)',
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
          status:
            'not measured here: needs a ReplayChecker backed by a policy session (engine). `murmur bench replay` measures a whole-group replay as a fraction of generation; at the default rate the expected cost is about defaultRatePpm / 1e6 times that.',
          defaultRatePpm: DEFAULT_REPLAY_RATE_PPM,
          scoredGroupVerifyWithReplayPerSec: null,
          replayCostFractionOfGeneration: null,
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
          ['ScoredGroup verify, with replay', 'arrives with the engine'],
        ],
      },
      notes: [
        'verify = envelope + body decode, EIP-712 digest, prompt-seed derivation, signature recovery, and rewards through a constant stub oracle (the task verifier’s own cost is not included).',
        'Replay figures (verify with replay, replay cost as a fraction of generation) need the engine’s ReplayChecker and are not estimated here.',
        '@noble/curves + @noble/hashes, pure JS, single thread.',
      ],
    }
  },
}
