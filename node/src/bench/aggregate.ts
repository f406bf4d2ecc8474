import {
  type AggregateRule,
  aggregateDeltas,
  type CompressionConfig,
  compressDelta,
  compressionRatio,
  compressWithFeedback,
  createErrorFeedback,
  createRng,
  decompressDelta,
  deriveSeed,
  encodeDeltaPayload,
  NAMED_CONFIGS,
  outerStep,
  parameterCount,
  screenDeltas,
} from '@murmur/protocol'
import { type Benchmark, machineInfo, median, timeMs, timesMs } from './report.js'

/** A delta-like vector: uniform noise with a few large coordinates, as GRPO gradients have. */
function benchDelta(numel: number, label: string): Float32Array {
  const rng = createRng(deriveSeed('murmur/bench/aggregate', label))
  const out = new Float32Array(numel)
  for (let i = 0; i < numel; i++) {
    const u = 2 * rng.nextFloat() - 1
    out[i] = rng.nextU32() % 64 === 0 ? u * 0.1 : u * 0.001
  }
  return out
}

/** Compression ratio and (de)compression throughput, and aggregation time per rule, at the `small` model's size. */
export const aggregateBenchmark: Benchmark = {
  name: 'aggregate',
  description: 'delta compression (top-k int8 + error feedback), the delta screen and robust aggregation of 8 deltas, small model size',
  async run({ quick, log }) {
    const startedAt = new Date().toISOString()
    const numel = parameterCount(NAMED_CONFIGS.small)
    const reps = quick ? 1 : 3
    const rows: (string | number)[][] = []
    const results: Record<string, number> = { numel }
    const mvals = (ms: number) => numel / 1e6 / (ms / 1000)
    log(`small model: ${numel} parameters; building 8 deltas`)
    const deltas = Array.from({ length: 8 }, (_, j) => benchDelta(numel, `delta-${j}`))

    const configs: [string, CompressionConfig][] = [
      ['topk-int8 1%', { format: 'topk-int8', topKPpm: 10_000, chunkSize: 256 }],
      ['topk-int8 0.1%', { format: 'topk-int8', topKPpm: 1_000, chunkSize: 256 }],
      ['dense-f32', { format: 'dense-f32', topKPpm: 1, chunkSize: 1 }],
    ]
    for (const [name, config] of configs) {
      const x = deltas[0]!
      let bytes: Uint8Array = new Uint8Array(0)
      const compressMs = median(await timesMs(reps, () => (bytes = encodeDeltaPayload(compressDelta(x, config)))))
      const decompressMs = median(await timesMs(reps, () => decompressDelta(bytes)))
      const ratio = compressionRatio(compressDelta(x, config))
      let state = createErrorFeedback(numel)
      const feedbackMs = await timeMs(() => {
        state = compressWithFeedback({ state, delta: x, config }).state
      })
      const key = name.replace(/[^a-z0-9]+/gi, '_')
      Object.assign(results, {
        [`${key}_ratio`]: ratio,
        [`${key}_bytes`]: bytes.length,
        [`${key}_compressMvalPerSec`]: mvals(compressMs),
        [`${key}_decompressMvalPerSec`]: mvals(decompressMs),
        [`${key}_withFeedbackMs`]: feedbackMs,
      })
      rows.push([
        `compress ${name}`,
        `${(bytes.length / 1024).toFixed(0)} KiB, ${ratio.toFixed(1)}×`,
        compressMs.toFixed(0),
        mvals(compressMs).toFixed(1),
      ])
      rows.push([`decompress ${name}`, '', decompressMs.toFixed(0), mvals(decompressMs).toFixed(1)])
      rows.push([`compress + error feedback ${name}`, '', feedbackMs.toFixed(0), mvals(feedbackMs).toFixed(1)])
      log(`${name}: ${ratio.toFixed(1)}× vs dense fp32, compress ${compressMs.toFixed(0)} ms, decompress ${decompressMs.toFixed(0)} ms`)
    }

    const included = deltas.map((values, j) => ({ id: deriveSeed('murmur/bench/aggregate/id', j), values }))
    const theta = benchDelta(numel, 'theta')
    // the delta screen before the rule (8 norms, 28 pairwise dot products): on dense deltas, and
    // on top-1% ones as peers decode them from payloads
    const sparse = deltas.map((d) => ({ values: decompressDelta(encodeDeltaPayload(compressDelta(d, configs[0]![1]))) }))
    for (const [label, set] of [
      ['dense', included],
      ['top-1%', sparse],
    ] as const) {
      const ms = median(await timesMs(reps, () => screenDeltas(set)))
      results[`screen_${label === 'dense' ? 'dense' : 'top1pct'}_ms`] = ms
      rows.push([`screen 8 ${label} deltas (norms, 28 dot products)`, '', ms.toFixed(0), mvals(ms).toFixed(1)])
      log(`screen ${label}: ${ms.toFixed(0)} ms`)
    }
    for (const rule of ['trimmed-mean', 'median', 'mean'] as AggregateRule[]) {
      const times: number[] = []
      let update: Float32Array = new Float32Array(0)
      for (let r = 0; r < reps; r++)
        times.push(await timeMs(() => (update = aggregateDeltas({ deltas: included, numel, rule, trimFraction: 0.2, clipNorm: 1 }))))
      const ms = median(times)
      results[`aggregate_${rule}_ms`] = ms
      rows.push([`aggregate 8 × ${rule}`, 'clip 1, β 0.2', ms.toFixed(0), mvals(ms).toFixed(1)])
      log(`aggregate ${rule}: ${ms.toFixed(0)} ms`)
      if (rule === 'trimmed-mean') {
        const nesterovMs = await timeMs(() =>
          outerStep({ theta, update, optimizer: { kind: 'nesterov', learningRate: 0.7, momentum: 0.9 } }),
        )
        results.outerStepNesterovMs = nesterovMs
        rows.push(['outer step (Nesterov)', '', nesterovMs.toFixed(0), mvals(nesterovMs).toFixed(1)])
      }
    }
    return {
      name: 'aggregate',
      startedAt,
      machine: machineInfo(),
      results,
      table: { headers: ['operation', 'size', 'median ms', 'M values/s'], rows },
      notes: [
        `${numel} parameters (small); 8 deltas; ratio = dense fp32 payload bytes / payload bytes.`,
        'Pure TypeScript, single thread; aggregation sorts each coordinate’s 8 values in float64.',
      ],
    }
  },
}
