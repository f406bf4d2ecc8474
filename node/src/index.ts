/**
 * @packageDocumentation
 * murmur's server peer and CLI. Programmatic use:
 *
 * @example
 * ```ts
 * import { run } from '@murmur/node'
 * process.exitCode = await run(['node', 'murmur', '--help'])
 * ```
 */

export type { Benchmark, BenchReport } from './bench/index.js'
export { benchmarks, machineInfo, median, timeMs, toMarkdown } from './bench/index.js'
export type { CliIo } from './cli.js'
export { buildProgram, run } from './cli.js'
export type { EnvironmentReport } from './environment.js'
export { describeEnvironment } from './environment.js'
