/**
 * `npm run bench`: runs every murmur benchmark (or those named in argv), writes
 * bench/results/<name>.json and <name>.md at the repository root, and a SUMMARY.md of all.
 * Set MURMUR_BENCH_QUICK=1 for a fast smoke run.
 */
import '../../node/src/polyfill.js'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { type BenchReport, benchmarks as nodeBenchmarks, toMarkdown } from '@murmur/node'
import { browserBenchmark } from './browser.js'

/** The node package's benchmarks, and those that need this package's tools (a browser). */
const benchmarks = [...nodeBenchmarks, browserBenchmark]

const outDir = new URL('../../bench/results/', import.meta.url)
mkdirSync(outDir, { recursive: true })
const quick = process.env.MURMUR_BENCH_QUICK === '1'
const wanted = process.argv.slice(2)
const unknown = wanted.filter((w) => !benchmarks.some((b) => b.name === w))
if (unknown.length) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${benchmarks.map((b) => b.name).join(', ')}`)
  process.exit(2)
}
for (const bench of benchmarks.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  console.log(`▶ ${bench.name}: ${bench.description}`)
  const write = (report: BenchReport) => {
    writeFileSync(new URL(`${bench.name}.json`, outDir), `${JSON.stringify(report, null, 2)}\n`)
    writeFileSync(new URL(`${bench.name}.md`, outDir), toMarkdown(report))
  }
  write(await bench.run({ quick, log: (l) => console.log(`  ${l}`), partial: write, outDir: outDir.pathname }))
}
const summary = readdirSync(outDir)
  .filter((f) => f.endsWith('.md') && f !== 'SUMMARY.md')
  .sort()
  .map((f) => readFileSync(new URL(f, outDir), 'utf8'))
writeFileSync(new URL('SUMMARY.md', outDir), `# murmur benchmarks\n\n${summary.join('\n')}`)
console.log(`results in ${outDir.pathname}`)
