import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex0x } from '../bytes/bytes.js'
import { CREDIT_PER_ACCEPTED_GROUP, CREDIT_PER_TRAINED_GROUP, CREDIT_PER_VERIFIED_TOKEN } from '../constants.js'
import { type DeltaContribution, type GroupContribution, roundCredits } from './round-credit.js'

const addr = (i: number) => new Uint8Array(20).fill(i + 1)
const id = (i: number) => Uint8Array.of(i >> 8, i & 0xff, ...new Uint8Array(30))

/** A round: groups with authors among 4 addresses, deltas using subsets of the groups. */
const round = fc
  .record({
    groups: fc.array(
      fc.record({ author: fc.nat({ max: 3 }), promptIndex: fc.nat({ max: 3 }), tokens: fc.nat({ max: 500 }), accepted: fc.boolean() }),
      { maxLength: 12 },
    ),
    deltas: fc.array(
      fc.record({ author: fc.nat({ max: 3 }), uses: fc.array(fc.nat({ max: 11 }), { maxLength: 5 }), accepted: fc.boolean() }),
      { maxLength: 8 },
    ),
  })
  .map(({ groups, deltas }) => ({
    groups: groups.map(
      (g, i): GroupContribution => ({
        id: id(i),
        author: addr(g.author),
        promptIndex: g.promptIndex,
        tokens: g.tokens,
        accepted: g.accepted,
      }),
    ),
    deltas: deltas.map(
      (d, i): DeltaContribution => ({ id: id(1000 + i), author: addr(d.author), groups: d.uses.map(id), accepted: d.accepted }),
    ),
  }))

const creditOf = (entries: ReturnType<typeof roundCredits>, a: Uint8Array) =>
  entries.find((e) => toHex0x(e.contributor) === toHex0x(a))?.credit ?? 0n

describe('roundCredits', () => {
  it('credits tokens, groups and shared training per the documented rule', () => {
    const entries = roundCredits({
      groups: [{ id: id(1), author: addr(0), promptIndex: 0, tokens: 10, accepted: true }],
      deltas: [
        { id: id(2), author: addr(1), groups: [id(1)], accepted: true },
        { id: id(3), author: addr(2), groups: [id(1)], accepted: true },
      ],
    })
    expect(entries.map((e) => [e.acceptedGroups, e.acceptedDeltas, e.credit])).toEqual([
      [1, 0, CREDIT_PER_ACCEPTED_GROUP + 10n * CREDIT_PER_VERIFIED_TOKEN],
      [0, 1, CREDIT_PER_TRAINED_GROUP / 2n],
      [0, 1, CREDIT_PER_TRAINED_GROUP / 2n],
    ])
  })

  it('gives no credit for rejected work: the result equals that of the accepted work alone', () => {
    fc.assert(
      fc.property(round, ({ groups, deltas }) => {
        const acceptedOnly = roundCredits({ groups: groups.filter((g) => g.accepted), deltas: deltas.filter((d) => d.accepted) })
        expect(roundCredits({ groups, deltas })).toEqual(acceptedOnly)
        const rejectedOnly = roundCredits({
          groups: groups.map((g) => ({ ...g, accepted: false })),
          deltas: deltas.map((d) => ({ ...d, accepted: false })),
        })
        expect(rejectedOnly).toEqual([])
      }),
    )
  })

  it('does not reward splitting one identity’s work among sybils', () => {
    fc.assert(
      fc.property(round, fc.array(fc.nat({ max: 2 }), { minLength: 40, maxLength: 40 }), ({ groups: sampled, deltas }, assign) => {
        // a group's prompt is bound to its author (the seed), so moving a group to a sybil models
        // moving distinct work: give every group its own prompt index
        const groups = sampled.map((g, i) => ({ ...g, promptIndex: i }))
        // address 0 splits every item it authored among sybils 10, 11, 12
        const sybil = (i: number) => addr(10 + assign[i % assign.length]!)
        const isX = (a: Uint8Array) => toHex0x(a) === toHex0x(addr(0))
        const split = {
          groups: groups.map((g, i) => (isX(g.author) ? { ...g, author: sybil(i) } : g)),
          deltas: deltas.map((d, i) => (isX(d.author) ? { ...d, author: sybil(i + 20) } : d)),
        }
        const before = creditOf(roundCredits({ groups, deltas }), addr(0))
        const after = roundCredits(split)
        const sybilTotal = [10, 11, 12].reduce((s, i) => s + creditOf(after, addr(i)), 0n)
        expect(sybilTotal <= before).toBe(true)
        expect(sybilTotal).toBe(before) // the rule is additive over work items, so splitting is exactly neutral
      }),
      { numRuns: 300 },
    )
  })

  it('splits a group’s training pool among the deltas that use it, whoever sent them', () => {
    // regression: an equal split among *addresses* let two sybils take 2/3 of a pool that one
    // identity shared half-and-half with another trainer
    const g: GroupContribution = { id: id(1), author: addr(0), promptIndex: 0, tokens: 0, accepted: true }
    const other: DeltaContribution = { id: id(9), author: addr(2), groups: [id(1)], accepted: true }
    const mine = [
      { id: id(2), author: addr(1), groups: [id(1)], accepted: true },
      { id: id(3), author: addr(1), groups: [id(1)], accepted: true },
    ]
    const together = roundCredits({ groups: [g], deltas: [other, ...mine] })
    const split = roundCredits({ groups: [g], deltas: [other, mine[0]!, { ...mine[1]!, author: addr(3) }] })
    expect(creditOf(split, addr(1)) + creditOf(split, addr(3))).toBe(creditOf(together, addr(1)))
  })

  it('does not reward submitting the same training twice when alone', () => {
    const g: GroupContribution = { id: id(1), author: addr(0), promptIndex: 0, tokens: 0, accepted: true }
    const once = roundCredits({ groups: [g], deltas: [{ id: id(2), author: addr(1), groups: [id(1)], accepted: true }] })
    const twice = roundCredits({
      groups: [g],
      deltas: [
        { id: id(2), author: addr(1), groups: [id(1)], accepted: true },
        { id: id(3), author: addr(1), groups: [id(1)], accepted: true },
      ],
    })
    expect(creditOf(twice, addr(1))).toBe(creditOf(once, addr(1)))
  })

  it('counts one group per author and prompt index: resampling a prompt is not new work', () => {
    const g = (i: number, promptIndex: number): GroupContribution => ({
      id: id(i),
      author: addr(0),
      promptIndex,
      tokens: 10,
      accepted: true,
    })
    const once = roundCredits({ groups: [g(1, 0)], deltas: [] })
    const resampled = roundCredits({ groups: [g(2, 0), g(1, 0)], deltas: [] })
    expect(resampled).toEqual(once)
    expect(roundCredits({ groups: [g(1, 0), g(2, 1)], deltas: [] })[0]!.acceptedGroups).toBe(2)
  })

  it('is independent of input order', () => {
    fc.assert(
      fc.property(round, ({ groups, deltas }) => {
        expect(roundCredits({ groups: [...groups].reverse(), deltas: [...deltas].reverse() })).toEqual(roundCredits({ groups, deltas }))
      }),
    )
  })

  it('gives the author of a screened delta no leaf, and still pays other trainers for its groups', () => {
    const g = (i: number, author: number): GroupContribution => ({
      id: id(i),
      author: addr(author),
      promptIndex: i,
      tokens: 10,
      accepted: true,
    })
    const groups = [g(1, 0), g(2, 1)]
    const deltas: DeltaContribution[] = [
      { id: id(100), author: addr(0), groups: [id(1), id(2)], accepted: true },
      { id: id(101), author: addr(1), groups: [id(1), id(2)], accepted: true },
    ]
    const entries = roundCredits({ groups, deltas, screened: [id(101)] })
    expect(entries.map((e) => toHex0x(e.contributor))).toEqual([toHex0x(addr(0))])
    // addr(0) trained alone on both groups once the other delta was screened
    expect(entries[0]).toMatchObject({ acceptedGroups: 1, acceptedDeltas: 1 })
    expect(entries[0]!.credit).toBe(CREDIT_PER_ACCEPTED_GROUP + 10n * CREDIT_PER_VERIFIED_TOKEN + 2n * CREDIT_PER_TRAINED_GROUP)
    // an id that is not one of the deltas changes nothing
    expect(roundCredits({ groups, deltas, screened: [id(999)] })).toEqual(roundCredits({ groups, deltas }))
  })

  it('never credits a screened author, whatever else it did (property)', () => {
    fc.assert(
      fc.property(round, fc.array(fc.nat({ max: 7 }), { maxLength: 3 }), ({ groups, deltas }, picks) => {
        const screened = picks.filter((k) => k < deltas.length).map((k) => deltas[k]!.id)
        const forfeited = new Set(deltas.filter((d) => screened.some((s) => toHex0x(s) === toHex0x(d.id))).map((d) => toHex0x(d.author)))
        for (const e of roundCredits({ groups, deltas, screened })) expect(forfeited.has(toHex0x(e.contributor))).toBe(false)
      }),
    )
  })

  it('gives a proven offender no leaf, and still pays the trainers of its groups (offenders)', () => {
    const groups: GroupContribution[] = [
      { id: id(1), author: addr(0), promptIndex: 0, tokens: 10, accepted: true },
      { id: id(2), author: addr(1), promptIndex: 0, tokens: 10, accepted: true },
    ]
    const deltas: DeltaContribution[] = [{ id: id(100), author: addr(0), groups: [id(1), id(2)], accepted: true }]
    const entries = roundCredits({ groups, deltas, offenders: [addr(1)] })
    expect(entries.map((e) => toHex0x(e.contributor))).toEqual([toHex0x(addr(0))])
    expect(entries[0]!.credit).toBe(CREDIT_PER_ACCEPTED_GROUP + 10n * CREDIT_PER_VERIFIED_TOKEN + 2n * CREDIT_PER_TRAINED_GROUP)
    // an offender with no work this round changes nothing
    expect(roundCredits({ groups, deltas, offenders: [addr(5)] })).toEqual(roundCredits({ groups, deltas }))
  })

  it('never credits an offender, whatever else it did (property)', () => {
    fc.assert(
      fc.property(round, fc.array(fc.nat({ max: 7 }), { maxLength: 3 }), ({ groups, deltas }, picks) => {
        const offenders = picks.filter((k) => k < groups.length).map((k) => groups[k]!.author)
        const barred = new Set(offenders.map(toHex0x))
        const entries = roundCredits({ groups, deltas, offenders })
        for (const e of entries) expect(barred.has(toHex0x(e.contributor))).toBe(false)
        // the others keep exactly what they would have had
        const before = roundCredits({ groups, deltas }).filter((e) => !barred.has(toHex0x(e.contributor)))
        expect(entries).toEqual(before)
      }),
    )
  })
})
