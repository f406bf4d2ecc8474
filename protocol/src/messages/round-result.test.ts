import { describe, expect, it } from 'vitest'
import { roundResult } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { alice, bob, sampleRoundResult } from '../../vectors/fixtures.js'
import { decodeRoundResult, encodeRoundResult, type Offense } from './round-result.js'

describe('RoundResult codec', () => {
  itHasCanonicalCodec(roundResult, encodeRoundResult, decodeRoundResult)

  it('requires credits strictly ascending by contributor', () => {
    const [lo, hi] = [alice.address, bob.address].sort((a, b) => a[0]! - b[0]!)
    const entry = (contributor: Uint8Array) => ({ contributor, acceptedGroups: 1, acceptedDeltas: 0, credit: 1n })
    expect(() => encodeRoundResult(sampleRoundResult([], new Uint8Array(32), [entry(hi!), entry(lo!)]))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: RoundResult.credits must be strictly ascending by contributor.]`,
    )
    const rr = sampleRoundResult([], new Uint8Array(32), [entry(lo!), entry(hi!)])
    expect(decodeRoundResult(encodeRoundResult(rr))).toEqual(rr)
  })

  it('requires screened ids strictly ascending and among the included deltas', () => {
    const ids = [1, 2, 3].map((i) => new Uint8Array(32).fill(i))
    const rr = { ...sampleRoundResult(ids, new Uint8Array(32), []), screened: [ids[0]!, ids[2]!] }
    expect(decodeRoundResult(encodeRoundResult(rr))).toEqual(rr)
    expect(() => encodeRoundResult({ ...rr, screened: [ids[2]!, ids[0]!] })).toThrow(/screened must be strictly ascending/)
    expect(() => encodeRoundResult({ ...rr, screened: [new Uint8Array(32).fill(9)] })).toThrow(/only list included deltas/)
    // bytes that list a screened id that is not included, or one twice, do not decode
    const bytes = encodeRoundResult(rr)
    const at = 137 + 4 + 32 * 3 + 4 // the first screened id: fixed fields, the deltas, the screened count
    const stranger = Uint8Array.from(bytes)
    stranger.fill(9, at, at + 32)
    expect(() => decodeRoundResult(stranger)).toThrow(/screened\[0\].*is not one of the included deltas/)
    const twice = Uint8Array.from(bytes)
    twice.set(ids[0]!, at + 32)
    expect(() => decodeRoundResult(twice)).toThrow(/screened\[1\]".* is not strictly above/)
    // more screened than included deltas
    const many = Uint8Array.from(bytes)
    new DataView(many.buffer).setUint32(at - 4, 4, true)
    expect(() => decodeRoundResult(many)).toThrow(/screened/)
  })

  it('requires offenses strictly ascending by (offender, id), of known kinds', () => {
    const o = (offender: number, id: number, kind: Offense['kind'] = 'wrong-result'): Offense => ({
      kind,
      offender: new Uint8Array(20).fill(offender),
      id: new Uint8Array(32).fill(id),
    })
    // one id may prove two offenders (two validators signing one wrong body)
    const rr = { ...sampleRoundResult([], new Uint8Array(32), []), offenses: [o(1, 5), o(1, 6, 'reward-mismatch'), o(2, 5)] }
    expect(decodeRoundResult(encodeRoundResult(rr))).toEqual(rr)
    expect(() => encodeRoundResult({ ...rr, offenses: [o(2, 5), o(1, 5)] })).toThrow(/offenses must be strictly ascending/)
    expect(() => encodeRoundResult({ ...rr, offenses: [o(1, 5), o(1, 5)] })).toThrow(/offenses must be strictly ascending/)
    const bytes = encodeRoundResult(rr)
    const at = 137 + 4 + 4 + 4 // fixed fields, empty deltas and screened, the offense count
    const unknown = Uint8Array.from(bytes)
    unknown[at] = 9
    expect(() => decodeRoundResult(unknown)).toThrow(/offenses\[0\]\.kind.*is 9, not a known offense kind/)
    const swapped = Uint8Array.from(bytes)
    swapped.set(bytes.subarray(at + 53, at + 106), at)
    swapped.set(bytes.subarray(at, at + 53), at + 53)
    expect(() => decodeRoundResult(swapped)).toThrow(/offenses\[1\].*is not strictly above/)
  })

  it('carries credit as a full uint256', () => {
    const rr = sampleRoundResult([], new Uint8Array(32), [
      { contributor: alice.address, acceptedGroups: 0, acceptedDeltas: 0, credit: (1n << 256n) - 1n },
    ])
    expect(decodeRoundResult(encodeRoundResult(rr)).credits[0]!.credit).toBe((1n << 256n) - 1n)
  })
})
