/**
 * `engine` benchmark (policy-engine issue): for the named configs, on onnxruntime-node CPU and
 * onnxruntime-web wasm — GRPO train step time (B=8, T=64, median), achieved GFLOP/s of its
 * matrix products and the ratio to a lone-Gemm peak measured in the same run, KV-cache decode
 * tokens/s at batch 1 and 8, and peak resident memory.
 */
import {
  buildTrainingGraph,
  deriveSeed,
  GraphBuilder,
  GraphSession,
  initWeights,
  type ModelConfig,
  matmulFlops,
  NAMED_CONFIGS,
  ops,
  Policy,
  PolicyTrainer,
  type RuntimeComponents,
  type TrainSample,
  toOnnx,
} from '@murmur/protocol'
import { nodeRuntime, wasmRuntime } from '../runtime/runtimes.js'
import { decodeTokensPerSecond } from './decode.js'
import { type Benchmark, machineInfo, median, timeMs } from './report.js'

const B = 8
const T = 64

function trackPeakRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  return {
    stop: () => {
      clearInterval(timer)
      return Math.max(peak, process.memoryUsage().rss)
    },
  }
}

/**
 * GFLOP/s of one MatMul of the FFN shape, (B·T × C)·(C × I), with the weight as an initialiser
 * (prepacked by the runtime once, as a deployed inference kernel would be) and the output
 * reduced to a scalar so host copies don't count: the runtime's best case on this machine.
 */
async function matmulPeak(runtime: RuntimeComponents, m: number, k: number, n: number, reps: number): Promise<number> {
  const b = new GraphBuilder('matmul_peak')
  const x = b.input('x', 'float32', [m, k])
  const w = b.constant(
    'w',
    [k, n],
    Float32Array.from({ length: k * n }, (_, i) => ((i * 104729) % 17) / 17 - 0.5),
  )
  b.output('y', ops.reduceSum(b, ops.matmul(b, x, w), [0, 1]))
  const session = await GraphSession.create(runtime, toOnnx(b.finish()), 'matmul peak')
  const feeds = {
    x: { dtype: 'float32' as const, shape: [m, k], data: Float32Array.from({ length: m * k }, (_, i) => ((i * 7919) % 13) / 13 - 0.5) },
  }
  for (let i = 0; i < 3; i++) await session.run(feeds)
  const times: number[] = []
  for (let i = 0; i < reps; i++) times.push(await timeMs(() => session.run(feeds)))
  await session.release()
  return (2 * m * k * n) / (median(times) / 1000) / 1e9
}

function syntheticBatch(cfg: ModelConfig): TrainSample[] {
  return Array.from({ length: B }, (_, i) => {
    const tokens = Array.from({ length: T + 1 }, (_, t) => (t * 31 + i * 17 + 3) % cfg.vocabSize)
    const promptLength = 16
    const n = tokens.length - promptLength
    return { tokens, promptLength, advantage: i % 2 ? 1 : -1, oldLogprobs: new Array(n).fill(-Math.log(cfg.vocabSize)) }
  })
}

interface Row {
  config: string
  params: number
  backend: string
  trainStepMs: number
  trainGflops: number
  peakGflops: number
  peakRatio: number
  decodeTokPerSecB1: number
  decodeTokPerSecB8: number
  peakRssMiB: number
}

async function measure(name: 'tiny' | 'small', backend: 'cpu' | 'wasm', quick: boolean, log: (l: string) => void): Promise<Row> {
  const cfg = NAMED_CONFIGS[name]
  const runtime = backend === 'cpu' ? await nodeRuntime('cpu') : await wasmRuntime(1)
  const rss = trackPeakRss()
  const weights = initWeights(cfg, deriveSeed('murmur/bench/engine', name))
  const params = [...weights.values()].reduce((n, t) => n + t.data.length, 0)
  const flops = matmulFlops(buildTrainingGraph({ cfg, batch: B, seq: T }).graph)
  const peak = await matmulPeak(runtime, B * T, cfg.hiddenSize, cfg.intermediateSize, quick ? 5 : 20)

  const trainer = await PolicyTrainer.create(runtime, cfg, { batch: B, seq: T })
  const batch = syntheticBatch(cfg)
  await trainer.step(weights, batch)
  const times: number[] = []
  const steps = quick ? 2 : name === 'small' && backend === 'wasm' ? 5 : 10
  for (let i = 0; i < steps; i++) times.push(await timeMs(() => trainer.step(weights, batch)))
  await trainer.release()
  const trainStepMs = median(times)
  const trainGflops = flops / (trainStepMs / 1000) / 1e9
  log(`${name}/${backend}: train step ${trainStepMs.toFixed(1)} ms, ${trainGflops.toFixed(1)} GFLOP/s (gemm peak ${peak.toFixed(1)})`)

  const policy = await Policy.load(runtime, cfg, weights)
  const decode = (group: number) => decodeTokensPerSecond(policy, { group, maxNewTokens: quick ? 16 : 64, runs: quick ? 1 : 3 })
  const b1 = await decode(1)
  const b8 = await decode(8)
  await policy.release()
  log(`${name}/${backend}: decode ${b1.toFixed(0)} tok/s (batch 1), ${b8.toFixed(0)} tok/s (batch 8)`)
  return {
    config: name,
    params,
    backend: backend === 'cpu' ? 'ort-node cpu' : 'ort-web wasm',
    trainStepMs,
    trainGflops,
    peakGflops: peak,
    peakRatio: trainGflops / peak,
    decodeTokPerSecB1: b1,
    decodeTokPerSecB8: b8,
    peakRssMiB: rss.stop() / 1024 / 1024,
  }
}

export const engineBenchmark: Benchmark = {
  name: 'engine',
  description: `GRPO train step (B=${B}, T=${T}), Gemm peak, KV-cache decode, memory — tiny and small on ort-node CPU and ort-web wasm`,
  async run({ quick, log }) {
    const startedAt = new Date().toISOString()
    const rows: Row[] = []
    for (const name of ['tiny', 'small'] as const)
      for (const backend of ['cpu', 'wasm'] as const) rows.push(await measure(name, backend, quick, log))
    return {
      name: 'engine',
      startedAt,
      machine: machineInfo(),
      results: { batch: B, seq: T, rows },
      table: {
        headers: [
          'config',
          'params',
          'backend',
          'train step ms',
          'train GFLOP/s',
          'MatMul peak GFLOP/s',
          'ratio',
          'decode tok/s b1',
          'decode tok/s b8',
          'peak RSS MiB',
        ],
        rows: rows.map((r) => [
          r.config,
          r.params.toLocaleString('en-US'),
          r.backend,
          r.trainStepMs.toFixed(1),
          r.trainGflops.toFixed(1),
          r.peakGflops.toFixed(1),
          `${(100 * r.peakRatio).toFixed(0)}%`,
          r.decodeTokPerSecB1.toFixed(0),
          r.decodeTokPerSecB8.toFixed(0),
          r.peakRssMiB.toFixed(0),
        ]),
      },
      notes: [
        'Train GFLOP/s counts the Gemm/MatMul multiply-adds of the training graph (forward + backward) exactly, from the graph.',
        'MatMul peak: one (B·T × C)·(C × I) product, the FFN shape, weight prepacked as an initialiser, in the same run and runtime. The training graph feeds weights as inputs (they change every step), so its Gemms repack them each run.',
        'Decode: seeded sampling of 64 new tokens after an 8-token prompt, KV cache, no stop token; medians of 3 runs.',
        'wasm runs single-threaded in Node (browsers get threads when cross-origin isolated).',
      ],
    }
  },
}
