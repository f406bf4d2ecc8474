import { cpus } from 'node:os'

/** One benchmark's output: machine-readable figures plus a short table for humans. */
export interface BenchReport {
  name: string
  /** ISO time the run started; benchmarks are the one place wall-clock time is recorded. */
  startedAt: string
  machine: { cpus: number; cpuModel: string; node: string; platform: string }
  results: Record<string, unknown>
  table: { headers: string[]; rows: (string | number)[][] }
  notes: string[]
}

export interface Benchmark {
  name: string
  description: string
  run: (opts: {
    quick: boolean
    log: (line: string) => void
    /** A long benchmark reports what it has after each case, so a run cut short still leaves results. */
    partial?: (report: BenchReport) => void
    /** Where a benchmark may keep extra artifacts (the fuzzer's corpus); none when unset. */
    outDir?: string
    /** adversarial: the attack families to run (default all); the clean run always runs. */
    attacks?: string[]
    /** adversarial: runs of each case (medians and worst cases reported; default 1). */
    repeats?: number
  }) => Promise<BenchReport>
}

export function machineInfo(): BenchReport['machine'] {
  const c = cpus()
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    node: process.versions.node,
    platform: `${process.platform}/${process.arch}`,
  }
}

/** Median of a non-empty sample (mean of the middle two for even sizes). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty sample')
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Renders a report's table as GitHub Markdown. */
export function toMarkdown(report: BenchReport): string {
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

/** Wall time of `fn` in milliseconds. */
export async function timeMs(fn: () => unknown | Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/**
 * `reps` timings of `fn`, one after another. (Starting them together with Promise.all would
 * time a synchronous `fn` from its start to the end of every run begun before it yielded.)
 */
export async function timesMs(reps: number, fn: () => unknown | Promise<unknown>): Promise<number[]> {
  const out: number[] = []
  for (let k = 0; k < reps; k++) out.push(await timeMs(fn))
  return out
}
