import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { purityViolations } from './testing/purity.js'

const root = new URL('.', import.meta.url).pathname

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'testing' ? [] : sources(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : []
  })
}

describe('protocol purity', () => {
  it('finds forbidden calls in a source text', () => {
    expect(purityViolations('x.ts', 'const a = Math.random()\n// Date.now() in a comment is fine\nimport fs from "node:fs"')).toEqual([
      'x.ts:1: Math.random: take an injected Rng',
      'x.ts:3: Node-only import',
    ])
  })

  it('protocol/src has no I/O, clock or entropy outside tests', () => {
    const found = sources(root).flatMap((f) => purityViolations(relative(root, f), readFileSync(f, 'utf8')))
    expect(found).toEqual([])
  })
})
