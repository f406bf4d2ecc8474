import { Command } from 'commander'
import { benchmarks } from '../bench/index.js'
import { toMarkdown } from '../bench/report.js'
import type { CliIo } from '../cli.js'
import { CliUsageError } from '../errors.js'

/** `murmur bench NAME [--json] [--quick]`: run one benchmark and print its report. */
export function benchCommand(io: CliIo): Command {
  return new Command('bench')
    .description(`run a benchmark: ${benchmarks.map((b) => b.name).join(', ')}`)
    .argument('<name>', 'benchmark name')
    .option('--json', 'print the report as JSON on stdout (progress goes to stderr)', false)
    .option('--quick', 'smaller sizes and fewer repetitions', false)
    .action(async (name: string, opts: { json: boolean; quick: boolean }) => {
      const bench = benchmarks.find((b) => b.name === name)
      if (!bench) throw new CliUsageError(`Unknown benchmark "${name}". Use one of: ${benchmarks.map((b) => b.name).join(', ')}.`)
      const report = await bench.run({ quick: opts.quick, log: (l) => io.stderr(`${l}\n`) })
      io.stdout(opts.json ? `${JSON.stringify(report)}\n` : toMarkdown(report))
    })
}
