import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { NAMED_CONFIGS } from '@murmur/protocol'
import { Command, InvalidArgumentError as CommanderInvalidArgument } from 'commander'
import { ATTACKS } from '../bench/adversarial.js'
import { type EngineBenchOptions, type EngineConfigName, type EngineDevice, runEngineBenchmark } from '../bench/engine.js'
import { benchmarks } from '../bench/index.js'
import { type BenchReport, toMarkdown } from '../bench/report.js'
import type { CliIo } from '../cli.js'
import { CliUsageError } from '../errors.js'

const ENGINE_DEVICES: readonly EngineDevice[] = ['cpu', 'wasm', 'webgpu', 'cuda']

/** A comma-separated list whose every entry is one of `allowed`. */
function listOf<T extends string>(flag: string, allowed: readonly T[]) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim())
    const bad = items.filter((i) => !allowed.includes(i as T))
    if (value.trim() === '' || bad.length)
      throw new CommanderInvalidArgument(`${flag} takes a comma-separated list of ${allowed.join(', ')}; got "${value}".`)
    return items as T[]
  }
}

function batchList(value: string): number[] {
  const items = value.split(',').map((s) => Number(s.trim()))
  if (value.trim() === '' || items.some((n) => !Number.isInteger(n) || n < 1 || n > 256))
    throw new CommanderInvalidArgument(`--decode-batches takes comma-separated batch sizes in [1, 256], e.g. 1,8,32; got "${value}".`)
  return items
}

function repeatsOption(value: string): number {
  const n = Number(value.trim())
  if (!Number.isInteger(n) || n < 1 || n > 20)
    throw new CommanderInvalidArgument(`--repeats takes a whole number from 1 to 20; got "${value}".`)
  return n
}

function trainShape(value: string): { trainBatch: number; trainSeq: number } {
  const m = /^(\d+)x(\d+)$/.exec(value.trim())
  const [b, t] = m ? [Number(m[1]), Number(m[2])] : [0, 0]
  if (!m || b < 1 || b > 256 || t < 2 || t > 4096) throw new CommanderInvalidArgument(`--train-shape takes BxT, e.g. 8x64; got "${value}".`)
  return { trainBatch: b, trainSeq: t }
}

interface BenchOptions {
  json: boolean
  quick: boolean
  out?: string
  configs?: EngineConfigName[]
  devices?: EngineDevice[]
  decodeBatches?: number[]
  trainShape?: { trainBatch: number; trainSeq: number }
  attacks?: string[]
  repeats?: number
}

/** `murmur bench NAME [--json] [--quick] [--out DIR]`, plus the engine benchmark's selection flags. */
export function benchCommand(io: CliIo): Command {
  const configs = Object.keys(NAMED_CONFIGS) as EngineConfigName[]
  return new Command('bench')
    .description(`run a benchmark: ${benchmarks.map((b) => b.name).join(', ')}`)
    .argument('<name>', 'benchmark name')
    .option('--json', 'print the report as JSON on stdout (progress goes to stderr)', false)
    .option('--quick', 'smaller sizes and fewer repetitions', false)
    .option('--out <dir>', 'also write <name>.json and <name>.md into this directory')
    .option(
      '--configs <list>',
      `engine: model configs to measure (${configs.join(', ')}; default tiny,small)`,
      listOf('--configs', configs),
    )
    .option('--devices <list>', `engine: devices (${ENGINE_DEVICES.join(', ')}; default cpu,wasm)`, listOf('--devices', ENGINE_DEVICES))
    .option('--decode-batches <list>', 'engine: decode batch sizes (default 1,8)', batchList)
    .option('--train-shape <BxT>', 'engine: train step batch × sequence length (default 8x64)', trainShape)
    .option(
      '--attacks <list>',
      `adversarial: attack families to run (${Object.keys(ATTACKS).join(', ')}; default all)`,
      listOf('--attacks', Object.keys(ATTACKS)),
    )
    .option('--repeats <n>', 'adversarial: run each case N times (median accuracy, worst credit share; default 1)', repeatsOption)
    .action(async (name: string, opts: BenchOptions) => {
      const bench = benchmarks.find((b) => b.name === name)
      if (!bench) throw new CliUsageError(`Unknown benchmark "${name}". Use one of: ${benchmarks.map((b) => b.name).join(', ')}.`)
      const selection: Partial<EngineBenchOptions> = {
        ...(opts.configs ? { configs: opts.configs } : {}),
        ...(opts.devices ? { devices: opts.devices } : {}),
        ...(opts.decodeBatches ? { decodeBatches: opts.decodeBatches } : {}),
        ...(opts.trainShape ?? {}),
      }
      if ((opts.attacks || opts.repeats) && name !== 'adversarial')
        throw new CliUsageError(`--attacks and --repeats shape the adversarial benchmark; "${name}" takes neither.`)
      if (name !== 'engine' && Object.keys(selection).length)
        throw new CliUsageError(
          `--configs, --devices, --decode-batches and --train-shape select what the engine benchmark measures; "${name}" takes none.`,
        )
      const write = (report: BenchReport) => {
        if (!opts.out) return
        const dir = resolve(opts.out)
        mkdirSync(dir, { recursive: true })
        writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`)
        writeFileSync(join(dir, `${name}.md`), toMarkdown(report))
      }
      const run = {
        quick: opts.quick,
        log: (l: string) => io.stderr(`${l}\n`),
        partial: write,
        ...(opts.out ? { outDir: resolve(opts.out) } : {}),
        ...(opts.attacks ? { attacks: opts.attacks } : {}),
        ...(opts.repeats ? { repeats: opts.repeats } : {}),
      }
      const report: BenchReport = name === 'engine' ? await runEngineBenchmark(selection, run) : await bench.run(run)
      write(report)
      io.stdout(opts.json ? `${JSON.stringify(report)}\n` : toMarkdown(report))
    })
}
