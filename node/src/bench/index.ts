import { adversarialBenchmark } from './adversarial.js'
import { aggregateBenchmark } from './aggregate.js'
import { engineBenchmark } from './engine.js'
import { fuzzBenchmark } from './fuzz.js'
import { hashBenchmark } from './hash.js'
import { learnBenchmark } from './learn.js'
import { ledgerAuditBenchmark } from './ledger-audit.js'
import { replayBenchmark } from './replay.js'
import type { Benchmark } from './report.js'
import { swarmBenchmark } from './swarm.js'
import { verifyBenchmark } from './verify.js'

/** Every benchmark murmur ships, by name. `npm run bench` runs them all; `murmur bench NAME` one. */
export const benchmarks: readonly Benchmark[] = [
  engineBenchmark,
  replayBenchmark,
  hashBenchmark,
  verifyBenchmark,
  learnBenchmark,
  aggregateBenchmark,
  swarmBenchmark,
  ledgerAuditBenchmark,
  adversarialBenchmark,
  fuzzBenchmark,
]

export type { Benchmark, BenchReport } from './report.js'
export { machineInfo, median, timeMs, toMarkdown } from './report.js'
