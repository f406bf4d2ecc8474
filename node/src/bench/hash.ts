import { contentHash, keccak256 } from '@murmur/protocol'
import { type Benchmark, machineInfo, median, timeMs } from './report.js'

/** Throughput of the two protocol hashes over a checkpoint-sized buffer. */
export const hashBenchmark: Benchmark = {
  name: 'hash',
  description: 'sha256 (content) and keccak256 (ledger) throughput, MiB/s',
  async run({ quick, log }) {
    const startedAt = new Date().toISOString()
    const sizeBytes = (quick ? 4 : 32) * 1024 * 1024
    const buf = new Uint8Array(sizeBytes).map((_, i) => (i * 2654435761) >>> 24)
    const reps = quick ? 3 : 7
    const rows: (string | number)[][] = []
    const results: Record<string, number> = {}
    for (const [name, fn] of [
      ['sha256', contentHash],
      ['keccak256', keccak256],
    ] as const) {
      const times: number[] = []
      for (let i = 0; i < reps; i++) times.push(await timeMs(() => fn(buf)))
      const mibPerSec = sizeBytes / 1024 / 1024 / (median(times) / 1000)
      results[`${name}MiBPerSec`] = mibPerSec
      rows.push([name, sizeBytes / 1024 / 1024, reps, mibPerSec.toFixed(1)])
      log(`${name}: ${mibPerSec.toFixed(1)} MiB/s`)
    }
    return {
      name: 'hash',
      startedAt,
      machine: machineInfo(),
      results,
      table: { headers: ['hash', 'MiB', 'reps', 'median MiB/s'], rows },
      notes: ['@noble/hashes, pure JS; single thread.'],
    }
  },
}
