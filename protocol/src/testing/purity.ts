/**
 * Finds I/O, clock and entropy uses in protocol source text. protocol/ must stay pure
 * (STYLE.md §6); Biome's restricted-globals rule covers globals, this covers member calls
 * such as calls of `Math.random` that a globals rule cannot see.
 */
const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bMath\.random\s*\(/, 'Math.random: take an injected Rng'],
  [/\bDate\.now\s*\(|\bnew Date\s*\(/, 'wall-clock time: take an injected clock'],
  [/\bperformance\.now\s*\(/, 'performance.now: take an injected clock'],
  [/\bcrypto\.getRandomValues\s*\(/, 'crypto.getRandomValues: take injected entropy'],
  [/from\s+['"](node:[^'"]+|fs|path|os|net|http|https|child_process|worker_threads)['"]/, 'Node-only import'],
  [/\bconsole\.\w+\s*\(/, 'console: return data, let the app log'],
  [/\b(setTimeout|setInterval|setImmediate)\s*\(/, 'timers: the app drives time'],
  [/\bfetch\s*\(/, 'fetch: I/O belongs to the apps'],
]

export function purityViolations(file: string, source: string): string[] {
  const out: string[] = []
  source.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '')
    for (const [re, why] of FORBIDDEN) if (re.test(code)) out.push(`${file}:${i + 1}: ${why}`)
  })
  return out
}
