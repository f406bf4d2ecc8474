/**
 * The kept corpus: inputs a 10^6-input run of `murmur bench fuzz` found with outcomes not seen
 * before (protocol/fuzz-corpus/<target>/NNN.bin). Each must still end in a value, a verdict or a
 * typed error, so a decoder change that turns one of them into a crash fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { fuzzTarget } from './fuzz.js'
import { fuzzTargets } from './targets.js'

const CORPUS = new URL('../../fuzz-corpus/', import.meta.url)
const dirName = (target: string) => target.replace(/[^\w.-]+/g, '-')

describe('the kept fuzz corpus', () => {
  const targets = fuzzTargets().filter((t) => existsSync(new URL(`${dirName(t.name)}/`, CORPUS)))

  it('covers every protocol target', () => {
    expect(targets.map((t) => t.name)).toEqual(fuzzTargets().map((t) => t.name))
  })

  it.each(targets.map((t) => [t.name, t] as const))('%s: every kept input ends in a value, a verdict or a typed error', (_, target) => {
    const dir = new URL(`${dirName(target.name)}/`, CORPUS)
    const inputs = readdirSync(dir)
      .filter((f) => f.endsWith('.bin'))
      .sort()
      .map((f) => new Uint8Array(readFileSync(new URL(f, dir))))
    expect(inputs.length).toBeGreaterThan(0)
    const report = fuzzTarget({ ...target, seeds: inputs }, { inputs: 0 })
    expect(report.crashes).toEqual([])
    expect(report.inputs).toBe(inputs.length)
  })
})
