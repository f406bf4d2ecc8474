/**
 * `engine` benchmark (policy-engine issue): for the named configs, on onnxruntime-node CPU and
 * onnxruntime-web wasm by default, or any of cpu, wasm, webgpu and cuda (the GPU check runs
 * small and 0.5b on the WebGPU EP) — GRPO train step time (B=8, T=64, median), achieved
 * GFLOP/s of its matrix products and the ratio to a lone-Gemm peak measured in the same run,
 * KV-cache decode tokens/s at each batch size asked for, and peak resident memory. A device
 * that is unavailable, or a row that fails, is reported in the table instead of ending the run.
 */
import {
  buildTrainingGraph,
  deriveSeed,
  EXTERNAL_WEIGHTS_MIN_BYTES,
  GraphBuilder,
  GraphSession,
  initWeights,
  type ModelConfig,
  matmulFlops,
  NAMED_CONFIGS,
  ops,
  Policy,
  PolicyTrainer,
  parameterCount,
  type RuntimeComponents,
  type TrainSample,
  toOnnx,
} from '@murmur/protocol'
import { selectDevice } from '../runtime/device.js'
import { nodeRuntime, wasmRuntime } from '../runtime/runtimes.js'
import { decodeTokensPerSecond } from './decode.js'
import { type Benchmark, type BenchReport, machineInfo, median, timeMs } from './report.js'

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

function syntheticBatch(cfg: ModelConfig, batch: number, seq: number): TrainSample[] {
  return Array.from({ length: batch }, (_, i) => {
    const tokens = Array.from({ length: seq + 1 }, (_, t) => (t * 31 + i * 17 + 3) % cfg.vocabSize)
    const promptLength = Math.min(16, seq >> 1)
    const n = tokens.length - promptLength
    return { tokens, promptLength, advantage: i % 2 ? 1 : -1, oldLogprobs: new Array(n).fill(-Math.log(cfg.vocabSize)) }
  })
}

export type EngineConfigName = keyof typeof NAMED_CONFIGS
export type EngineDevice = 'cpu' | 'wasm' | 'webgpu' | 'cuda'

/** What `murmur bench engine` measures (flags --configs, --devices, --decode-batches, --train-shape). */
export interface EngineBenchOptions {
  configs: readonly EngineConfigName[]
  devices: readonly EngineDevice[]
  decodeBatches: readonly number[]
  /** Train step shape (B, T); the 0.5b config on CPU or wasm uses B=1 (a B=8 step takes minutes there). */
  trainBatch: number
  trainSeq: number
}

export const DEFAULT_ENGINE_OPTIONS: EngineBenchOptions = {
  configs: ['tiny', 'small'],
  devices: ['cpu', 'wasm'],
  decodeBatches: [1, 8],
  trainBatch: B,
  trainSeq: T,
}

interface Row {
  config: string
  params: number
  backend: string
  /** Why the row has no figures (device unavailable, out of memory…); absent when measured. */
  error?: string
  weights?: 'initialisers' | 'external data'
  trainBatch?: number
  trainSeq?: number
  trainStepMs?: number
  trainGflops?: number
  peakGflops?: number
  peakRatio?: number
  /** decode tokens/s by batch size */
  decodeTokPerSec?: Record<string, number>
  peakRssMiB?: number
}

const BACKEND_LABEL: Record<EngineDevice, string> = {
  cpu: 'ort-node cpu',
  wasm: 'ort-web wasm',
  webgpu: 'ort-node webgpu',
  cuda: 'ort-node cuda',
}

async function runtimeOf(device: EngineDevice): Promise<{ runtime: RuntimeComponents; note?: string }> {
  if (device === 'cpu') return { runtime: await nodeRuntime('cpu') }
  if (device === 'wasm') return { runtime: await wasmRuntime(1) }
  const chosen = await selectDevice(device) // proven with a real session, or throws saying why
  const icd = process.env.VK_ICD_FILENAMES
  return { runtime: chosen.runtime, note: device === 'webgpu' && icd ? `Vulkan ICD ${icd}` : undefined }
}

async function measure(
  name: EngineConfigName,
  device: EngineDevice,
  o: EngineBenchOptions,
  quick: boolean,
  log: (l: string) => void,
): Promise<Row> {
  const cfg = NAMED_CONFIGS[name]
  const params = parameterCount(cfg)
  const row: Row = { config: name, params, backend: BACKEND_LABEL[device] }
  let runtime: RuntimeComponents
  try {
    const r = await runtimeOf(device)
    runtime = r.runtime
    if (r.note) row.backend += ` (${r.note})`
  } catch (err) {
    row.error = err instanceof Error ? err.message.split('\n')[0] : String(err)
    log(`${name}/${device}: skipped: ${row.error}`)
    return row
  }
  const big = name === '0.5b'
  const hostOnly = device === 'cpu' || device === 'wasm'
  const batch = big && hostOnly ? 1 : o.trainBatch
  const seq = o.trainSeq
  const rss = trackPeakRss()
  try {
    const weights = initWeights(cfg, deriveSeed('murmur/bench/engine', name))
    const flops = matmulFlops(buildTrainingGraph({ cfg, batch, seq }).graph)
    const peak = await matmulPeak(runtime, batch * seq, cfg.hiddenSize, cfg.intermediateSize, quick ? 5 : 20)

    const trainer = await PolicyTrainer.create(runtime, cfg, { batch, seq })
    const samples = syntheticBatch(cfg, batch, seq)
    await trainer.step(weights, samples)
    const times: number[] = []
    const steps = quick || big ? 2 : name === 'small' && device === 'wasm' ? 5 : 10
    for (let i = 0; i < steps; i++) times.push(await timeMs(() => trainer.step(weights, samples)))
    await trainer.release()
    const trainStepMs = median(times)
    const trainGflops = flops / (trainStepMs / 1000) / 1e9
    Object.assign(row, { trainBatch: batch, trainSeq: seq, trainStepMs, trainGflops, peakGflops: peak, peakRatio: trainGflops / peak })
    log(
      `${name}/${device}: train step (B=${batch}, T=${seq}) ${trainStepMs.toFixed(1)} ms, ${trainGflops.toFixed(1)} GFLOP/s (gemm peak ${peak.toFixed(1)})`,
    )

    const external = params * 4 >= EXTERNAL_WEIGHTS_MIN_BYTES
    row.weights = external ? 'external data' : 'initialisers'
    const policy = await Policy.load(runtime, cfg, weights)
    row.decodeTokPerSec = {}
    try {
      for (const group of o.decodeBatches) {
        const maxNewTokens = quick || (big && hostOnly) ? 16 : 64
        const rate = await decodeTokensPerSecond(policy, { group, maxNewTokens, runs: quick || big ? 1 : 3 })
        row.decodeTokPerSec[String(group)] = rate
        log(`${name}/${device}: decode ${rate.toFixed(0)} tok/s (batch ${group})`)
      }
    } finally {
      await policy.release()
    }
  } catch (err) {
    row.error = err instanceof Error ? err.message.split('\n')[0] : String(err)
    log(`${name}/${device}: failed: ${row.error}`)
  }
  row.peakRssMiB = rss.stop() / 1024 / 1024
  return row
}

/** Runs the engine benchmark for `options` (defaults: tiny and small on CPU and wasm, decode at batch 1 and 8). */
export async function runEngineBenchmark(
  options: Partial<EngineBenchOptions>,
  { quick, log }: { quick: boolean; log: (line: string) => void },
): Promise<BenchReport> {
  const o: EngineBenchOptions = { ...DEFAULT_ENGINE_OPTIONS, ...options }
  const startedAt = new Date().toISOString()
  const rows: Row[] = []
  for (const name of o.configs) for (const device of o.devices) rows.push(await measure(name, device, o, quick, log))
  const fixed = (x: number | undefined, digits = 1) => (x === undefined ? '—' : x.toFixed(digits))
  return {
    name: 'engine',
    startedAt,
    machine: machineInfo(),
    results: { batch: o.trainBatch, seq: o.trainSeq, decodeBatches: o.decodeBatches, rows },
    table: {
      headers: [
        'config',
        'params',
        'backend',
        'train B×T',
        'train step ms',
        'train GFLOP/s',
        'MatMul peak GFLOP/s',
        'ratio',
        ...o.decodeBatches.map((g) => `decode tok/s b${g}`),
        'peak RSS MiB',
      ],
      rows: rows.map((r) => [
        r.config,
        r.params.toLocaleString('en-US'),
        r.error ? `${r.backend}: ${r.error.length > 120 ? `${r.error.slice(0, 117)}…` : r.error}` : r.backend,
        r.trainBatch ? `${r.trainBatch}×${r.trainSeq}` : '—',
        fixed(r.trainStepMs),
        fixed(r.trainGflops),
        fixed(r.peakGflops),
        r.peakRatio === undefined ? '—' : `${(100 * r.peakRatio).toFixed(0)}%`,
        ...o.decodeBatches.map((g) => fixed(r.decodeTokPerSec?.[String(g)], 0)),
        fixed(r.peakRssMiB, 0),
      ]),
    },
    notes: [
      'Train GFLOP/s counts the Gemm/MatMul multiply-adds of the training graph (forward + backward) exactly, from the graph.',
      'MatMul peak: one (B·T × C)·(C × I) product, the FFN shape, weight prepacked as an initialiser, in the same run and runtime. The training graph feeds weights as inputs (they change every step), so its Gemms repack them each run.',
      'Decode: seeded sampling after an 8-token prompt (64 new tokens; 16 for 0.5b on CPU/wasm), KV cache, no stop token; medians of 3 runs (1 for 0.5b).',
      'Models of ≥ 512 MiB of fp32 weights (0.5b) load them as in-memory external data: a protobuf holds at most 2 GiB.',
      'wasm runs single-threaded in Node (browsers get threads when cross-origin isolated).',
    ],
  }
}

export const engineBenchmark: Benchmark = {
  name: 'engine',
  description: `GRPO train step (B=${B}, T=${T}), Gemm peak, KV-cache decode, memory — tiny and small on ort-node CPU and ort-web wasm (murmur bench engine takes --configs, --devices, --decode-batches, --train-shape)`,
  run: ({ quick, log }) => runEngineBenchmark({}, { quick, log }),
}
