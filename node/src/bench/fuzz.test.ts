/**
 * The CI slice of the fuzz benchmark for the node's own parsers of untrusted bytes (the protocol's
 * decoders and verifiers have theirs in protocol/src/fuzz/fuzz.test.ts): seeded mutations of a
 * valid input end in a value or a typed refusal, never in anything else.
 */
import { fuzzTarget } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { nodeFuzzTargets } from './fuzz.js'

describe("the node's parsers of untrusted bytes", () => {
  for (const target of nodeFuzzTargets())
    it(`${target.name}: 5,000 seeded mutations, no crash`, () => {
      const report = fuzzTarget(target, { inputs: 5_000 })
      expect(report.crashes).toEqual([])
      expect(report.accepted, 'the valid seed, at least').toBeGreaterThan(0)
      expect(Object.values(report.rejected).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    })
})
