import { describe, expect, it } from 'vitest'
import { MessageDecodeError } from '../errors.js'
import { fuzzTarget } from './fuzz.js'
import { fuzzTargets } from './targets.js'

/** The CI slice: the benchmark (`murmur bench fuzz`) runs ≥ 10^6 inputs per target. */
const INPUTS = 20_000

describe('fuzzing every decoder and gossip verifier', () => {
  it.each(fuzzTargets().map((t) => [t.name, t] as const))('%s: typed errors or verdicts only, no crash', (_, target) => {
    const report = fuzzTarget(target, { inputs: INPUTS })
    expect(report.crashes, JSON.stringify(report.crashes.slice(0, 3))).toEqual([])
    expect(report.inputs).toBe(INPUTS + target.seeds.length)
    // a valid seed passes (a verifier's seeds are envelopes of every kind: its own kind passes)
    expect(report.accepted).toBeGreaterThan(0)
    expect(Object.values(report.rejected).reduce((a, b) => a + b, 0) + report.accepted).toBe(report.inputs)
  })

  it('is deterministic in its seed, and keeps inputs with new outcomes', () => {
    const [target] = fuzzTargets()
    const a = fuzzTarget(target!, { inputs: 2000, seed: 'x' })
    const b = fuzzTarget(target!, { inputs: 2000, seed: 'x' })
    const c = fuzzTarget(target!, { inputs: 2000, seed: 'y' })
    expect(b).toEqual(a)
    expect(c.interesting).not.toEqual(a.interesting)
    expect(a.interesting.length).toBeGreaterThan(3)
  })

  it('reports a decoder that throws anything but a typed error as a crash, with the input', () => {
    const report = fuzzTarget(
      {
        name: 'buggy',
        seeds: [Uint8Array.of(1, 2, 3, 4)],
        run: (b) => {
          if (b.length === 0) throw new MessageDecodeError({ type: 'X', field: 'all', offset: 0, reason: 'is empty' })
          // the classic: a length read from the input sizes an allocation
          if (b[0] === 0xff) return new Array(2 ** 32)
          return b[5]!.toString()
        },
      },
      { inputs: 3000 },
    )
    expect(report.crashes.length).toBeGreaterThan(0)
    expect(report.crashes.map((c) => c.error.split(':')[0])).toContain('TypeError')
    expect(report.crashes[0]!.input).toMatch(/^[0-9a-f]*$/)
    expect(report.rejected.MessageDecodeError).toBeGreaterThan(0)
  })
})
