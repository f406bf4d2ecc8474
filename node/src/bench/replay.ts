/**
 * `replay` benchmark (policy-engine issue, item 6): false rejects of the replay check across
 * backends over ≥ 1000 honest completions (target 0), and detection of forged completions
 * (target ≥ 99%): tokens from a perturbed policy, from another seed, and hand-picked answers.
 * Also the cost of replaying a group relative to generating it.
 */
import {
  type Completion,
  deriveSeed,
  initWeights,
  NAMED_CONFIGS,
  Policy,
  type ReplayParameters,
  type RuntimeComponents,
  replayCompletions,
  type Weights,
} from '@murmur/protocol'
import { selectDevice } from '../runtime/device.js'
import { nodeRuntime, wasmRuntime } from '../runtime/runtimes.js'
import { type Benchmark, machineInfo, timeMs } from './report.js'

const cfg = NAMED_CONFIGS.tiny
const GROUP = 8
const SAMPLING = { temperature: 1, topP: 0.95 }
const MAX_NEW = 16
const STOP = [2]

/** A policy with sharper, more realistic (lower-entropy) distributions than a fresh init. */
function sharpened(w: Weights, scale: number, noise = 0, noiseSeed = 0): Weights {
  const out = new Map<string, { shape: number[]; data: Float32Array }>()
  let k = noiseSeed
  for (const [name, t] of w) {
    const s = name === 'lm_head.weight' ? scale : 1
    out.set(name, {
      shape: [...t.shape],
      data: Float32Array.from(t.data, (x, i) => x * s + (noise ? noise * Math.sin(i * 12.9898 + k) : 0)),
    })
    k += 1
  }
  return out
}

const promptOf = (i: number) => [1, 3 + (i % 50), 3 + ((i * 7) % 50), 3 + ((i * 13) % 50)]
const params = (i: number): ReplayParameters & { prompt: number[]; group: number; maxNewTokens: number; stopTokens: number[] } => ({
  prompt: promptOf(i),
  group: GROUP,
  seed: deriveSeed('murmur/bench/replay', i),
  maxNewTokens: MAX_NEW,
  stopTokens: STOP,
  ...SAMPLING,
})

async function replayAll(
  policy: Policy,
  groups: Completion[][],
  claimsFrom: (i: number) => ReplayParameters & { prompt: number[] },
): Promise<{ rejected: number; total: number; maxSlack: number; maxLp: number }> {
  let rejected = 0
  let total = 0
  let maxSlack = 0
  let maxLp = 0
  for (let i = 0; i < groups.length; i++) {
    const p = claimsFrom(i)
    const verdicts = await replayCompletions(
      policy,
      groups[i]!.map((c, index) => ({ prompt: p.prompt, index, tokens: c.tokens, logprobs: c.logprobs })),
      p,
    )
    for (const v of verdicts) {
      total++
      if (!v.ok) rejected++
      maxSlack = Math.max(maxSlack, v.maxCdfSlack)
      if (Number.isFinite(v.maxLogprobError)) maxLp = Math.max(maxLp, v.maxLogprobError)
    }
  }
  return { rejected, total, maxSlack, maxLp }
}

export const replayBenchmark: Benchmark = {
  name: 'replay',
  description: 'replay check: cross-backend false rejects on honest rollouts, forged-rollout detection, replay/generation cost',
  async run({ quick, log }) {
    const startedAt = new Date().toISOString()
    const prompts = quick ? 16 : 128
    const weights = sharpened(initWeights(cfg, deriveSeed('murmur/bench/replay', 'weights')), 4)
    const backends: { name: string; runtime: RuntimeComponents }[] = [
      { name: 'ort-node cpu', runtime: await nodeRuntime('cpu') },
      { name: 'ort-web wasm', runtime: await wasmRuntime(1) },
    ]
    try {
      const gpu = await selectDevice('webgpu')
      backends.push({ name: 'ort-node webgpu', runtime: gpu.runtime })
    } catch (err) {
      log(`webgpu skipped: ${err instanceof Error ? err.message.split('\n')[0] : err}`)
    }
    const policies = await Promise.all(backends.map((b) => Policy.load(b.runtime, cfg, weights)))
    const rows: (string | number)[][] = []
    const results: Record<string, unknown> = {}

    // honest rollouts generated on CPU and on wasm, replayed on every backend
    let genMs = 0
    const honest: Record<string, Completion[][]> = {}
    for (const gi of [0, 1]) {
      const n = gi === 0 ? prompts : Math.max(4, prompts / 4)
      const groups: Completion[][] = []
      const ms = await timeMs(async () => {
        for (let i = 0; i < n; i++) groups.push(await policies[gi]!.generate(params(i)))
      })
      if (gi === 0) genMs = ms
      honest[backends[gi]!.name] = groups
    }
    for (const [gen, allGroups] of Object.entries(honest)) {
      for (let ri = 0; ri < policies.length; ri++) {
        // SwiftShader (WebGPU without a GPU) is ~50x slower than CPU: a quarter of the groups there
        const groups =
          backends[ri]!.name.includes('webgpu') && !process.env.MURMUR_BENCH_FULL_WEBGPU
            ? allGroups.slice(0, Math.ceil(allGroups.length / 4))
            : allGroups
        let r = { rejected: 0, total: 0, maxSlack: 0, maxLp: 0 }
        const ms = await timeMs(async () => {
          r = await replayAll(policies[ri]!, groups, params)
        })
        const key = `${gen} → ${backends[ri]!.name}`
        results[key] = { ...r, replayMs: ms }
        rows.push([
          'honest',
          key,
          r.total,
          r.rejected,
          `${((100 * r.rejected) / r.total).toFixed(2)}%`,
          r.maxSlack.toExponential(1),
          r.maxLp.toExponential(1),
        ])
        log(`honest ${key}: ${r.rejected}/${r.total} rejected`)
        if (gen === backends[0]!.name && ri === 0) results.replayCostFraction = ms / genMs
      }
    }

    // forgeries, checked on CPU against the honest policy
    const forgeries: { name: string; groups: () => Promise<Completion[][]> }[] = [
      {
        name: 'perturbed policy (same seeds)',
        groups: async () => {
          const p = await Policy.load(
            backends[0]!.runtime,
            cfg,
            sharpened(initWeights(cfg, deriveSeed('murmur/bench/replay', 'weights')), 4, 0.02, 7),
          )
          const out: Completion[][] = []
          for (let i = 0; i < prompts; i++) out.push(await p.generate(params(i)))
          await p.release()
          return out
        },
      },
      {
        name: 'other seed',
        groups: async () => {
          const out: Completion[][] = []
          for (let i = 0; i < prompts; i++)
            out.push(await policies[0]!.generate({ ...params(i), seed: deriveSeed('murmur/bench/replay/other', i) }))
          return out
        },
      },
      {
        name: 'hand-picked answers',
        groups: async () =>
          Array.from({ length: prompts }, (_, i) =>
            honest[backends[0]!.name]![i]!.map((c, k) => {
              // a "correct answer" typed by hand, with the honest log-probs copied over
              const tokens = [20 + ((i + k) % 10), 21 + ((i * 3 + k) % 10), STOP[0]!]
              return { tokens, logprobs: tokens.map((_, t) => c.logprobs[t] ?? -1), stopped: true }
            }),
          ),
      },
    ]
    for (const f of forgeries) {
      const groups = await f.groups()
      // only forgeries that differ from the honest completion count
      const differing: Completion[][] = groups.map((g, i) =>
        g.filter((c, k) => c.tokens.join() !== honest[backends[0]!.name]![i]![k]!.tokens.join()),
      )
      const r = await replayAll(
        policies[0]!,
        differing.map((g) => g),
        params,
      )
      const detected = r.rejected / Math.max(1, r.total)
      results[`forged: ${f.name}`] = { ...r, detection: detected }
      rows.push(['forged', f.name, r.total, r.rejected, `${(100 * detected).toFixed(2)}% detected`, '', ''])
      log(`forged ${f.name}: ${r.rejected}/${r.total} detected`)
    }
    for (const p of policies) await p.release()
    return {
      name: 'replay',
      startedAt,
      machine: machineInfo(),
      results: { config: 'tiny', group: GROUP, maxNewTokens: MAX_NEW, ...SAMPLING, ...results },
      table: { headers: ['kind', 'generated → replayed', 'completions', 'rejected', 'rate', 'max CDF slack', 'max log-prob error'], rows },
      notes: [
        `tiny policy with a 4× sharpened output head, ${GROUP} completions per prompt, top-p ${SAMPLING.topP}, ≤ ${MAX_NEW} new tokens.`,
        `Replay of a whole group on CPU costs ${(100 * (results.replayCostFraction as number)).toFixed(0)}% of generating it (one teacher-forced pass vs. ${MAX_NEW} decode steps); receivers replay a sampled fraction of completions.`,
        'Forgeries identical to the honest completion are excluded: they are not forgeries.',
      ],
    }
  },
}
