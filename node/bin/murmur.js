#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in ../dist (built by `npm ci` via the root
// `prepare` script, or by `npm run build`).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('murmur is not built yet. Run `npm run build` at the repository root, then try again.\n')
  process.exit(1)
}
const { run } = await import(entry.href)
process.exitCode = await run(process.argv)
