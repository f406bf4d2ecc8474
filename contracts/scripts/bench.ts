/**
 * `npm run bench -w contracts` (and the root `npm run bench`, through turbo): measures the ledger's
 * gas table and writes bench/results/ledger.json and ledger.md at the repository root, in the
 * format of test/bench/run.ts, then refreshes bench/results/SUMMARY.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { type LedgerBenchReport, ledgerBenchmark } from '../src/bench.js'

/** The Markdown test/bench/run.ts writes (node's `toMarkdown`), so SUMMARY.md reads as one table style. */
function toMarkdown(report: LedgerBenchReport): string {
  const { headers, rows } = report.table
  const lines = [
    `### ${report.name}`,
    '',
    `${report.machine.cpus} × ${report.machine.cpuModel}, node ${report.machine.node}, ${report.startedAt}`,
    '',
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ]
  if (report.notes.length) lines.push('', ...report.notes.map((n) => `- ${n}`))
  return `${lines.join('\n')}\n`
}

const outDir = new URL('../../bench/results/', import.meta.url)
mkdirSync(outDir, { recursive: true })
console.log(`▶ ${ledgerBenchmark.name}: ${ledgerBenchmark.description}`)
const report = await ledgerBenchmark.run({ quick: process.env.MURMUR_BENCH_QUICK === '1', log: (l) => console.log(`  ${l}`) })
writeFileSync(new URL('ledger.json', outDir), `${JSON.stringify(report, null, 2)}\n`)
writeFileSync(new URL('ledger.md', outDir), toMarkdown(report))
const summary = readdirSync(outDir)
  .filter((f) => f.endsWith('.md') && f !== 'SUMMARY.md')
  .sort()
  .map((f) => readFileSync(new URL(f, outDir), 'utf8'))
writeFileSync(new URL('SUMMARY.md', outDir), `# murmur benchmarks\n\n${summary.join('\n')}`)
console.log(`results in ${outDir.pathname}`)
