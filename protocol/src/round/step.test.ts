import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashFlatTensor, nextPolicy } from '../aggregate/next-policy.js'
import { toHex0x } from '../bytes/bytes.js'
import { contentHash } from '../crypto/hash.js'
import { roundScheduleOf } from './schedule.js'
import { startRound, step } from './step.js'
import type { Hex32, Role, RoundConfig, RoundEffect, RoundEvent, RoundState } from './types.js'

const h = (label: string | number): Hex32 => toHex0x(contentHash(new TextEncoder().encode(String(label))))
const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}` as const
const VALIDATORS = [addr(1), addr(2), addr(3)]
const config = (self: `0x${string}`, roles: Role[], quorum = 2): RoundConfig => ({
  roles,
  self,
  schedule: { rolloutsEndMs: 500, commitmentsEndMs: 700, revealMs: 720, trainingEndMs: 800, commitEndMs: 1000 },
  maxStalenessRounds: 1,
  validators: VALIDATORS,
  quorum,
})

describe('round schedule', () => {
  it('splits the round at 40%, 70% (commitments), 73% (reveal) and 85%', () => {
    expect(roundScheduleOf({ roundDurationMs: 1000 })).toEqual({
      rolloutsEndMs: 400,
      commitmentsEndMs: 700,
      revealMs: 730,
      trainingEndMs: 850,
      commitEndMs: 1000,
    })
    expect(() => roundScheduleOf({ roundDurationMs: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: roundDurationMs must be a positive integer, got 0.]`,
    )
  })
})

describe('round state machine, one peer', () => {
  const start = () =>
    startRound({ config: config(addr(1), ['worker', 'trainer', 'validator'], 1), round: 0n, policyHash: h('θ0'), atMs: 0 })

  it('walks rollouts → training → aggregation → commit → next round, driven only by events', () => {
    let { state, effects } = start()
    expect(effects).toEqual([{ kind: 'rollout', round: 0n, policyHash: h('θ0') }])
    ;({ state, effects } = step(state, { kind: 'rollouts-done', atMs: 100, round: 0n, groups: [h('g1')] }))
    expect(effects).toEqual([{ kind: 'publish-group', round: 0n, id: h('g1') }])
    ;({ state, effects } = step(state, { kind: 'group', atMs: 200, round: 0n, id: h('g2'), policyRound: 0n, valid: true }))
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 500 }))
    expect(state.phase).toBe('training')
    expect(effects).toEqual([{ kind: 'train', round: 0n, policyHash: h('θ0'), groups: [h('g1'), h('g2')].sort() }])
    ;({ state, effects } = step(state, { kind: 'trained', atMs: 600, round: 0n, delta: h('d-own') }))
    // commit at once, reveal at revealMs
    expect(effects).toEqual([{ kind: 'publish-commitment', round: 0n, id: h('d-own') }])
    ;({ state, effects } = step(state, { kind: 'delta-commitment', atMs: 650, round: 0n, delta: h('d-peer'), valid: true }))
    ;({ state, effects } = step(state, { kind: 'delta-commitment', atMs: 660, round: 0n, delta: h('d-late'), valid: true }))
    expect(effects).toEqual([])
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 720 }))
    expect(effects).toEqual([{ kind: 'publish-delta', round: 0n, id: h('d-own') }])
    ;({ state, effects } = step(state, { kind: 'delta-header', atMs: 730, round: 0n, id: h('d-peer'), valid: true }))
    expect(effects).toEqual([{ kind: 'fetch-blob', round: 0n, delta: h('d-peer') }])
    ;({ state, effects } = step(state, { kind: 'delta-payload', atMs: 740, round: 0n, id: h('d-peer'), valid: true }))
    ;({ state, effects } = step(state, { kind: 'delta-header', atMs: 790, round: 0n, id: h('d-late'), valid: true }))
    // validators[0 mod 3] = addr(1) = self proposes at the aggregation deadline
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 800 }))
    const included = [h('d-own'), h('d-peer')].sort()
    expect(effects).toEqual([{ kind: 'aggregate', round: 0n, policyHash: h('θ0'), included }])
    ;({ state, effects } = step(state, { kind: 'delta-payload', atMs: 810, round: 0n, id: h('d-late'), valid: true }))
    expect(state.included).toEqual(included) // after the deadline: too late
    ;({ state, effects } = step(state, { kind: 'aggregated', atMs: 850, round: 0n, included, newPolicyHash: h('θ1') }))
    expect(effects).toEqual([
      { kind: 'publish-round-result', round: 0n, previousPolicyHash: h('θ0'), newPolicyHash: h('θ1'), included },
      { kind: 'commit', round: 0n, policyHash: h('θ1') },
      { kind: 'advance', round: 1n, policyHash: h('θ1'), committed: true },
      { kind: 'rollout', round: 1n, policyHash: h('θ1') },
    ])
    expect(state).toMatchObject({ round: 1n, phase: 'rollouts', policyHash: h('θ1'), startedAtMs: 850 })
  })

  it('includes only deltas committed before the commitments deadline: a copy revealed later is left out', () => {
    let { state, effects } = start()
    const payload = (id: Hex32, atMs: number) => step(state, { kind: 'delta-payload', atMs, round: 0n, id, valid: true })
    // an honest trainer's commitment in time, a copier's after the deadline, and a delta never committed
    ;({ state } = step(state, { kind: 'delta-commitment', atMs: 600, round: 0n, delta: h('d-honest'), valid: true }))
    ;({ state } = step(state, { kind: 'delta-commitment', atMs: 610, round: 0n, delta: h('d-bad-sig'), valid: false }))
    ;({ state } = step(state, { kind: 'delta-commitment', atMs: 730, round: 0n, delta: h('d-copy'), valid: true }))
    ;({ state } = step(state, { kind: 'delta-commitment', atMs: 620, round: 1n, delta: h('d-next-round'), valid: true }))
    expect(state.commitments).toEqual([h('d-honest')])
    for (const id of [h('d-honest'), h('d-bad-sig'), h('d-copy'), h('d-uncommitted'), h('d-next-round')]) {
      ;({ state, effects } = step(state, { kind: 'delta-header', atMs: 740, round: 0n, id, valid: true }))
      expect(effects).toEqual([{ kind: 'fetch-blob', round: 0n, delta: id }]) // fetched: a proposal may list it
      ;({ state } = payload(id, 750))
    }
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 800 }))
    expect(effects).toEqual([{ kind: 'aggregate', round: 0n, policyHash: h('θ0'), included: [h('d-honest')] }])
  })

  it('counts its own delta as committed only when trained before the deadline, and reveals a late one at once', () => {
    let { state, effects } = start()
    ;({ state } = step(state, { kind: 'tick', atMs: 500 }))
    ;({ state, effects } = step(state, { kind: 'trained', atMs: 700, round: 0n, delta: h('d-own-late') }))
    expect(effects).toEqual([{ kind: 'publish-commitment', round: 0n, id: h('d-own-late') }])
    expect(state.commitments).toEqual([])
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 719 }))
    expect(effects).toEqual([])
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 720 }))
    expect(effects).toEqual([{ kind: 'publish-delta', round: 0n, id: h('d-own-late') }])
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 790 }))
    expect(effects).toEqual([]) // revealed once
    const later = start()
    const r = step(later.state, { kind: 'trained', atMs: 750, round: 0n, delta: h('d-after-reveal') })
    expect(r.effects).toEqual([
      { kind: 'publish-commitment', round: 0n, id: h('d-after-reveal') },
      { kind: 'publish-delta', round: 0n, id: h('d-after-reveal') },
    ])
    expect(step(r.state, { kind: 'tick', atMs: 800 }).effects).toEqual([
      { kind: 'aggregate', round: 0n, policyHash: h('θ0'), included: [] },
    ])
  })

  it('trains on groups of its round sampled on θ_r or (early groups) up to maxStalenessRounds policies back, each once', () => {
    let { state } = startRound({ config: config(addr(9), ['trainer']), round: 5n, policyHash: h('θ5'), atMs: 0 })
    for (const [id, p] of [
      ['old', 3n],
      ['early', 4n],
      ['fresh', 5n],
      ['future', 6n],
    ] as const)
      ({ state } = step(state, { kind: 'group', atMs: 1, round: 5n, id: h(id), policyRound: p, valid: true }))
    ;({ state } = step(state, { kind: 'group', atMs: 2, round: 5n, id: h('bad'), policyRound: 5n, valid: false }))
    // a group of another round is not this round's, whatever policy it was sampled on
    ;({ state } = step(state, { kind: 'group', atMs: 3, round: 4n, id: h('last-round'), policyRound: 4n, valid: true }))
    ;({ state } = step(state, { kind: 'group', atMs: 3, round: 6n, id: h('next-round'), policyRound: 5n, valid: true }))
    const r = step(state, { kind: 'tick', atMs: 500 })
    expect(r.effects).toEqual([{ kind: 'train', round: 5n, policyHash: h('θ5'), groups: [h('early'), h('fresh')].sort() }])
    const again = step(r.state, { kind: 'tick', atMs: 600 })
    expect(again.effects).toEqual([])
  })

  it('carries no group into the next round: each belongs to the round it is signed for', () => {
    const cfg = config(addr(1), ['worker', 'trainer', 'validator'], 1)
    let { state } = startRound({ config: cfg, round: 0n, policyHash: h('θ0'), atMs: 0 })
    ;({ state } = step(state, { kind: 'group', atMs: 10, round: 0n, id: h('g'), policyRound: 0n, valid: true }))
    ;({ state } = step(state, { kind: 'tick', atMs: 800 }))
    const r = step(state, { kind: 'aggregated', atMs: 810, round: 0n, included: [], newPolicyHash: h('θ1') })
    expect(r.state.round).toBe(1n)
    expect(r.state.groups).toEqual([])
    expect(r.state.trainedGroups).toEqual([])
  })

  it("refuses a staleness bound beyond the protocol's", () => {
    expect(() =>
      startRound({ config: { ...config(addr(1), ['trainer']), maxStalenessRounds: 2 }, round: 0n, policyHash: h('θ0'), atMs: 0 }),
    ).toThrow(/maxStalenessRounds must be an integer in \[0, 1\]/)
  })

  it('proposers rotate by round and by slot: a silent proposer delays the round by one slot', () => {
    const cfg = config(addr(2), ['validator'])
    // round 0: slot 0 is addr(1), slot 1 is addr(2) (self)
    let { state } = startRound({ config: cfg, round: 0n, policyHash: h('θ0'), atMs: 0 })
    let r = step(state, { kind: 'tick', atMs: 800 })
    expect(r.effects).toEqual([])
    expect(r.state.phase).toBe('aggregation')
    r = step(r.state, { kind: 'tick', atMs: 999 })
    expect(r.effects).toEqual([])
    r = step(r.state, { kind: 'tick', atMs: 1000 })
    expect(r.effects).toEqual([{ kind: 'aggregate', round: 0n, policyHash: h('θ0'), included: [] }])
    // round 1: slot 0 is addr(2) (self)
    ;({ state } = startRound({ config: cfg, round: 1n, policyHash: h('θ1'), atMs: 0 }))
    r = step(state, { kind: 'tick', atMs: 800 })
    expect(r.effects).toEqual([{ kind: 'aggregate', round: 1n, policyHash: h('θ1'), included: [] }])
  })

  it('adopts the first proposal it sees, even before its own deadline, and endorses it once reproduced', () => {
    let { state, effects } = startRound({ config: config(addr(3), ['trainer', 'validator']), round: 0n, policyHash: h('θ0'), atMs: 0 })
    ;({ state } = step(state, { kind: 'delta-header', atMs: 100, round: 0n, id: h('d1'), valid: true }))
    ;({ state } = step(state, { kind: 'delta-payload', atMs: 110, round: 0n, id: h('d1'), valid: true }))
    const included = [h('d1'), h('d2')].sort()
    ;({ state, effects } = step(state, {
      kind: 'round-result',
      atMs: 300,
      round: 0n,
      validator: addr(1),
      newPolicyHash: h('θ1'),
      included,
      valid: true,
    }))
    expect(effects).toEqual([{ kind: 'aggregate', round: 0n, policyHash: h('θ0'), included }])
    expect(state.phase).toBe('aggregation')
    // its own late delta is not included any more
    ;({ state, effects } = step(state, { kind: 'trained', atMs: 400, round: 0n, delta: h('d3') }))
    expect(effects).toEqual([])
    ;({ state, effects } = step(state, { kind: 'aggregated', atMs: 450, round: 0n, included, newPolicyHash: h('θ1') }))
    expect(effects).toEqual([
      { kind: 'publish-round-result', round: 0n, previousPolicyHash: h('θ0'), newPolicyHash: h('θ1'), included },
      { kind: 'commit', round: 0n, policyHash: h('θ1') },
      { kind: 'advance', round: 1n, policyHash: h('θ1'), committed: true },
    ])
  })

  it('rejects a proposal it cannot reproduce, adopts the next one, and never votes twice', () => {
    let { state, effects } = startRound({ config: config(addr(3), ['validator'], 2), round: 0n, policyHash: h('θ0'), atMs: 0 })
    const lie = [h('d1')]
    ;({ state, effects } = step(state, {
      kind: 'round-result',
      atMs: 800,
      round: 0n,
      validator: addr(1),
      newPolicyHash: h('θ-lie'),
      included: lie,
      valid: true,
    }))
    expect(effects).toEqual([{ kind: 'aggregate', round: 0n, policyHash: h('θ0'), included: lie }])
    const honest = [h('d1'), h('d2')].sort()
    ;({ state, effects } = step(state, {
      kind: 'round-result',
      atMs: 810,
      round: 0n,
      validator: addr(2),
      newPolicyHash: h('θ1'),
      included: honest,
      valid: true,
    }))
    expect(effects).toEqual([]) // one proposal at a time
    ;({ state, effects } = step(state, { kind: 'aggregated', atMs: 820, round: 0n, included: lie, newPolicyHash: h('θ-other') }))
    expect(state.rejected).toEqual([addr(1)])
    expect(effects).toEqual([{ kind: 'aggregate', round: 0n, policyHash: h('θ0'), included: honest }])
    ;({ state, effects } = step(state, { kind: 'aggregated', atMs: 830, round: 0n, included: honest, newPolicyHash: h('θ1') }))
    expect(effects).toEqual([
      { kind: 'publish-round-result', round: 0n, previousPolicyHash: h('θ0'), newPolicyHash: h('θ1'), included: honest },
      { kind: 'commit', round: 0n, policyHash: h('θ1') },
      { kind: 'advance', round: 1n, policyHash: h('θ1'), committed: true },
    ])
  })

  it('breaks a split vote after a full cycle of slots: validators re-vote for the leading RoundResult', () => {
    const four = [addr(1), addr(2), addr(3), addr(4)]
    const cfg = { ...config(addr(4), ['validator'], 3), validators: four }
    let { state, effects } = startRound({ config: cfg, round: 0n, policyHash: h('θ0'), atMs: 0 })
    const x = [h('dx')]
    const y = [h('dy')]
    // self (addr(4), last proposer) adopts addr(1)'s proposal X and endorses it; addr(2) and addr(3) went for Y
    ;({ state, effects } = step(state, {
      kind: 'round-result',
      atMs: 800,
      round: 0n,
      validator: addr(1),
      newPolicyHash: h('θx'),
      included: x,
      valid: true,
    }))
    ;({ state, effects } = step(state, { kind: 'aggregated', atMs: 810, round: 0n, included: x, newPolicyHash: h('θx') }))
    expect(effects[0]).toMatchObject({ kind: 'publish-round-result', newPolicyHash: h('θx') })
    for (const v of [addr(2), addr(3)])
      ({ state, effects } = step(state, {
        kind: 'round-result',
        atMs: 820,
        round: 0n,
        validator: v,
        newPolicyHash: h('θy'),
        included: y,
        valid: true,
      }))
    expect(state.round).toBe(0n) // 2 votes each: no quorum
    // a full cycle of 4 slots (200 ms each) passes: self re-votes for the leader (tie: lowest hash)
    const lead = h('θx') < h('θy') ? { hash: h('θx'), included: x } : { hash: h('θy'), included: y }
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 800 + 4 * 200 }))
    if (lead.hash === h('θx')) {
      expect(effects).toEqual([]) // already on the leader: addr(3)/addr(4) are the ones to move
      ;({ state, effects } = step(state, {
        kind: 'round-result',
        atMs: 1700,
        round: 0n,
        validator: addr(3),
        newPolicyHash: h('θx'),
        included: x,
        valid: true,
      }))
    } else {
      expect(effects).toEqual([{ kind: 'aggregate', round: 0n, policyHash: h('θ0'), included: y }])
      ;({ state, effects } = step(state, { kind: 'aggregated', atMs: 1700, round: 0n, included: y, newPolicyHash: h('θy') }))
      expect(effects[0]).toMatchObject({ kind: 'publish-round-result', newPolicyHash: h('θy') })
    }
    expect(effects.at(-1)).toMatchObject({ kind: 'advance', round: 1n, policyHash: lead.hash })
  })

  it('does not re-vote while unseen votes could still complete a quorum (safety over liveness)', () => {
    const four = [addr(1), addr(2), addr(3), addr(4)]
    const cfg = { ...config(addr(4), ['validator'], 3), validators: four }
    let { state, effects } = startRound({ config: cfg, round: 0n, policyHash: h('θ0'), atMs: 0 })
    ;({ state } = step(state, {
      kind: 'round-result',
      atMs: 800,
      round: 0n,
      validator: addr(1),
      newPolicyHash: h('θx'),
      included: [h('dx')],
      valid: true,
    }))
    ;({ state } = step(state, { kind: 'aggregated', atMs: 810, round: 0n, included: [h('dx')], newPolicyHash: h('θx') }))
    for (const v of [addr(2), addr(3)])
      ({ state } = step(state, {
        kind: 'round-result',
        atMs: 820,
        round: 0n,
        validator: v,
        newPolicyHash: h('θa'),
        included: [h('da')],
        valid: true,
      }))
    // addr(1) re-sends X; 3 of 4 votes seen... make it 2 X + 2 A minus one unseen: drop to 3 seen by a fresh state
    const three = startRound({ config: cfg, round: 0n, policyHash: h('θ0'), atMs: 0 })
    let s3 = three.state
    ;({ state: s3 } = step(s3, {
      kind: 'round-result',
      atMs: 800,
      round: 0n,
      validator: addr(1),
      newPolicyHash: h('θx'),
      included: [h('dx')],
      valid: true,
    }))
    ;({ state: s3 } = step(s3, { kind: 'aggregated', atMs: 810, round: 0n, included: [h('dx')], newPolicyHash: h('θx') }))
    ;({ state: s3 } = step(s3, {
      kind: 'round-result',
      atMs: 820,
      round: 0n,
      validator: addr(2),
      newPolicyHash: h('θa'),
      included: [h('da')],
      valid: true,
    }))
    // seen: X ×2 (addr(1), self), A ×1; addr(3) silent could make X a quorum: no re-vote, ever
    ;({ state: s3, effects } = step(s3, { kind: 'tick', atMs: 800 + 8 * 200 }))
    expect(effects).toEqual([])
    expect(s3.round).toBe(0n)
    expect(state.votes).toHaveLength(4)
  })

  it('waits without a quorum (never forks alone) and follows a quorum it could not reproduce by fetching its checkpoint', () => {
    let { state, effects } = startRound({ config: config(addr(9), ['worker']), round: 0n, policyHash: h('θ0'), atMs: 0 })
    const included = [h('d1')]
    ;({ state, effects } = step(state, {
      kind: 'round-result',
      atMs: 800,
      round: 0n,
      validator: addr(1),
      newPolicyHash: h('θ1'),
      included,
      valid: true,
    }))
    ;({ state, effects } = step(state, { kind: 'aggregated', atMs: 810, round: 0n, included, newPolicyHash: null }))
    expect(effects).toEqual([])
    ;({ state, effects } = step(state, { kind: 'tick', atMs: 5000 }))
    expect(state.round).toBe(0n)
    ;({ state, effects } = step(state, {
      kind: 'round-result',
      atMs: 5001,
      round: 0n,
      validator: addr(2),
      newPolicyHash: h('θ1'),
      included,
      valid: true,
    }))
    expect(effects).toEqual([
      { kind: 'fetch-checkpoint', round: 0n, policyHash: h('θ1'), localPolicyHash: null },
      { kind: 'advance', round: 1n, policyHash: h('θ1'), committed: true },
      { kind: 'rollout', round: 1n, policyHash: h('θ1') },
    ])
  })

  it('ignores invalid results, results of other rounds, unsorted lists and non-validators', () => {
    const { state } = startRound({ config: config(addr(9), []), round: 2n, policyHash: h('θ2'), atMs: 0 })
    const base = {
      kind: 'round-result' as const,
      atMs: 1,
      round: 2n,
      validator: addr(1),
      newPolicyHash: h('θ3'),
      included: [h('a')],
      valid: true,
    }
    for (const ev of [
      { ...base, valid: false },
      { ...base, round: 1n },
      { ...base, validator: addr(7) },
      { ...base, included: [h('a'), h('a')] },
      { ...base, included: 'x' as unknown as Hex32[] },
    ])
      expect(step(state, ev).effects).toEqual([])
  })

  it('rejects a bad local configuration with a typed error', () => {
    expect(() =>
      startRound({ config: { ...config(addr(1), ['worker']), quorum: 4 }, round: 0n, policyHash: h(0), atMs: 0 }),
    ).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: quorum must be in [1, 3], got 4.]`)
  })
})

// ---------------------------------------------------------------------------------------------
// Properties over random event sequences

const ids = [0, 1, 2, 3, 4, 5].map((i) => h(`id${i}`))
const idArb = fc.oneof(fc.constantFrom(...ids), fc.constant('0xzz' as Hex32))
const eventArb = (roundHint: () => bigint): fc.Arbitrary<(atMs: number) => RoundEvent> =>
  fc.oneof(
    fc.constant((atMs: number): RoundEvent => ({ kind: 'tick', atMs })),
    fc.tuple(fc.integer({ min: -1, max: 1 }), fc.array(idArb, { maxLength: 3 })).map(([dr, groups]) => (atMs: number) => ({
      kind: 'rollouts-done' as const,
      atMs,
      round: roundHint() + BigInt(dr),
      groups,
    })),
    fc
      .tuple(idArb, fc.integer({ min: -1, max: 1 }), fc.integer({ min: -3, max: 1 }), fc.boolean())
      .map(([id, dr, dp, valid]) => (atMs: number) => ({
        kind: 'group' as const,
        atMs,
        round: roundHint() + BigInt(dr),
        id,
        policyRound: roundHint() + BigInt(dp),
        valid,
      })),
    fc.tuple(idArb, fc.integer({ min: -1, max: 1 })).map(([delta, dr]) => (atMs: number) => ({
      kind: 'trained' as const,
      atMs,
      round: roundHint() + BigInt(dr),
      delta,
    })),
    fc.tuple(idArb, fc.integer({ min: -1, max: 1 }), fc.boolean()).map(([delta, dr, valid]) => (atMs: number) => ({
      kind: 'delta-commitment' as const,
      atMs,
      round: roundHint() + BigInt(dr),
      delta,
      valid,
    })),
    fc.tuple(idArb, fc.integer({ min: -1, max: 1 }), fc.boolean()).map(([id, dr, valid]) => (atMs: number) => ({
      kind: 'delta-header' as const,
      atMs,
      round: roundHint() + BigInt(dr),
      id,
      valid,
    })),
    fc.tuple(idArb, fc.integer({ min: -1, max: 1 }), fc.boolean()).map(([id, dr, valid]) => (atMs: number) => ({
      kind: 'delta-payload' as const,
      atMs,
      round: roundHint() + BigInt(dr),
      id,
      valid,
    })),
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.option(idArb), fc.integer({ min: -1, max: 1 }), fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 3 }))
        .map(([newPolicyHash, dr, included]) => (atMs: number) => ({
          kind: 'aggregated' as const,
          atMs,
          round: roundHint() + BigInt(dr),
          included: included.sort(),
          newPolicyHash,
        })),
    },
    fc
      .tuple(
        fc.integer({ min: 0, max: 4 }),
        idArb,
        fc.integer({ min: -1, max: 1 }),
        fc.boolean(),
        fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 3 }),
      )
      .map(([v, newPolicyHash, dr, valid, included]) => (atMs: number) => ({
        kind: 'round-result' as const,
        atMs,
        round: roundHint() + BigInt(dr),
        validator: addr(v),
        newPolicyHash,
        included: included.sort(),
        valid,
      })),
  )

/** Checks that each effect is justified by the events the machine has seen so far. */
function justified(e: RoundEffect, before: RoundState, seen: readonly RoundEvent[]): boolean {
  const inRound = (ev: RoundEvent) => 'round' in ev && ev.round === e.round
  switch (e.kind) {
    case 'rollout':
      return before.config.roles.includes('worker')
    case 'publish-group':
      return seen.some((ev) => ev.kind === 'rollouts-done' && inRound(ev) && ev.groups.includes(e.id))
    case 'train':
      return e.groups.every((id) =>
        seen.some((ev) => (ev.kind === 'group' && ev.valid && ev.id === id) || (ev.kind === 'rollouts-done' && ev.groups.includes(id))),
      )
    case 'publish-commitment':
    case 'publish-delta':
      return seen.some((ev) => ev.kind === 'trained' && inRound(ev) && ev.delta === e.id)
    case 'fetch-blob':
      return seen.some((ev) => ev.kind === 'delta-header' && inRound(ev) && ev.valid && ev.id === e.delta)
    case 'aggregate': {
      // the peer's own valid deltas (its proposal), or the list of a valid RoundResult it saw
      const proposed = seen.some((ev) => ev.kind === 'round-result' && inRound(ev) && ev.valid && ev.included.join() === e.included.join())
      // (its own deltas count as committed; others' need a valid commitment it saw)
      const own = e.included.every(
        (id) =>
          seen.some((ev) => inRound(ev) && ev.kind === 'trained' && ev.delta === id) ||
          (seen.some((ev) => inRound(ev) && ev.kind === 'delta-payload' && ev.valid && ev.id === id) &&
            seen.some((ev) => inRound(ev) && ev.kind === 'delta-commitment' && ev.valid && ev.delta === id)),
      )
      return e.included.every((id, i) => i === 0 || e.included[i - 1]! < id) && (proposed || own)
    }
    case 'publish-round-result':
      return seen.some((ev) => ev.kind === 'aggregated' && inRound(ev) && ev.newPolicyHash === e.newPolicyHash)
    case 'commit':
    case 'fetch-checkpoint': {
      const voters = new Set(
        seen
          .filter((ev) => ev.kind === 'round-result' && inRound(ev) && ev.valid && ev.newPolicyHash === e.policyHash)
          .map((ev) => (ev as { validator: string }).validator),
      )
      const own = seen.some((ev) => ev.kind === 'aggregated' && inRound(ev) && ev.newPolicyHash === e.policyHash)
      return voters.size + (own ? 1 : 0) >= before.config.quorum
    }
    case 'advance':
      return seen.some(
        (ev) => (ev.kind === 'aggregated' || ev.kind === 'round-result') && ev.round === e.round - 1n && ev.newPolicyHash === e.policyHash,
      )
  }
}

describe('round state machine properties', () => {
  const hint = { round: 0n }

  it('never throws, never goes back a round, and justifies every effect by an event', () => {
    let maxRound = 0n
    fc.assert(
      fc.property(
        fc.subarray<Role>(['worker', 'trainer', 'validator']),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(
          fc.tuple(
            fc.integer({ min: -50, max: 400 }),
            eventArb(() => hint.round),
          ),
          { maxLength: 200, size: 'max' },
        ),
        (roles, selfIndex, quorum, steps) => {
          let { state } = startRound({ config: config(addr(selfIndex), roles, quorum), round: 0n, policyHash: h('θ0'), atMs: 0 })
          hint.round = 0n
          const seen: RoundEvent[] = []
          let t = 0
          for (const [dt, make] of steps) {
            t += dt
            const event = make(t) // events name the current round ± 1, so they often apply
            seen.push(event)
            const before = state
            const out = step(state, event)
            expect(out.state.round >= before.round).toBe(true)
            expect(out.state.nowMs >= before.nowMs).toBe(true)
            for (const e of out.effects)
              expect(
                justified(e, before, seen),
                JSON.stringify(e, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
              ).toBe(true)
            state = out.state
            hint.round = state.round
          }
          maxRound = state.round > maxRound ? state.round : maxRound
        },
      ),
      { numRuns: 300 },
    )
    expect(maxRound).toBeGreaterThan(1n) // the sequences do reach later rounds
  })
})

// ---------------------------------------------------------------------------------------------
// A full round for 4 peers, driven purely by events (validators: peers 1-3, quorum 2)

describe('four peers', () => {
  it('publish, train, aggregate the same included set and all land on the same θ_{r+1}, for three rounds', () => {
    const roles: Role[][] = [['worker'], ['worker', 'trainer', 'validator'], ['worker', 'trainer', 'validator'], ['trainer', 'validator']]
    const cfgs = roles.map((r, i) => config(addr(i), r))
    const thetas = new Map<Hex32, Float32Array>([[h('θ0'), Float32Array.of(0.5, -0.25, 1, 0)]])
    const payloads = new Map<Hex32, Float32Array>()
    let peers = cfgs.map((c) => startRound({ config: c, round: 0n, policyHash: h('θ0'), atMs: 0 }))
    const queue: [number, RoundEvent][] = []
    const aggregates: { peer: number; round: bigint; included: Hex32[] }[] = []
    const advances: { peer: number; round: bigint; policyHash: Hex32; committed: boolean }[] = []
    const aggregateConfig = {
      rule: 'trimmed-mean' as const,
      trimFraction: 0.25,
      clipNorm: 10,
      optimizer: { kind: 'sgd' as const, learningRate: 1 },
    }

    const carry = (p: number, effects: RoundEffect[], atMs: number) => {
      for (const e of effects) {
        const others = [0, 1, 2, 3].filter((q) => q !== p)
        if (e.kind === 'rollout')
          queue.push([p, { kind: 'rollouts-done', atMs: atMs + 10, round: e.round, groups: [h(`g-${p}-${e.round}`)] }])
        if (e.kind === 'publish-group')
          for (const q of others)
            queue.push([q, { kind: 'group', atMs: atMs + 5, round: e.round, id: e.id, policyRound: e.round, valid: true }])
        if (e.kind === 'train') {
          const id = h(`d-${p}-${e.round}`)
          payloads.set(id, Float32Array.of(p / 10, -p / 20, e.groups.length / 100, 0.01))
          queue.push([p, { kind: 'trained', atMs: atMs + 50, round: e.round, delta: id }])
        }
        if (e.kind === 'publish-commitment')
          for (const q of others) queue.push([q, { kind: 'delta-commitment', atMs: atMs + 5, round: e.round, delta: e.id, valid: true }])
        if (e.kind === 'publish-delta')
          for (const q of others) queue.push([q, { kind: 'delta-header', atMs: atMs + 5, round: e.round, id: e.id, valid: true }])
        if (e.kind === 'fetch-blob') queue.push([p, { kind: 'delta-payload', atMs: atMs + 5, round: e.round, id: e.delta, valid: true }])
        if (e.kind === 'aggregate') {
          aggregates.push({ peer: p, round: e.round, included: e.included })
          const out = nextPolicy({
            theta: thetas.get(e.policyHash)!,
            deltas: e.included.map((id) => ({ id: Uint8Array.from(Buffer.from(id.slice(2), 'hex')), values: payloads.get(id)! })),
            config: aggregateConfig,
          })
          const hash = toHex0x(hashFlatTensor(out.theta))
          thetas.set(hash, out.theta)
          queue.push([p, { kind: 'aggregated', atMs: atMs + 20, round: e.round, included: e.included, newPolicyHash: hash }])
        }
        if (e.kind === 'publish-round-result')
          for (const q of others)
            queue.push([
              q,
              {
                kind: 'round-result',
                atMs: atMs + 5,
                round: e.round,
                validator: cfgs[p]!.self,
                newPolicyHash: e.newPolicyHash,
                included: e.included,
                valid: true,
              },
            ])
        if (e.kind === 'advance') advances.push({ peer: p, round: e.round, policyHash: e.policyHash, committed: e.committed })
      }
    }
    for (const [p, r] of peers.entries()) carry(p, r.effects, 0)
    for (let t = 0; t <= 3500; t += 10) {
      for (let p = 0; p < 4; p++) queue.push([p, { kind: 'tick', atMs: t }])
      queue.sort((a, b) => a[1].atMs - b[1].atMs)
      while (queue.length > 0 && queue[0]![1].atMs <= t) {
        const [p, ev] = queue.shift()!
        const out = step(peers[p]!.state, ev)
        peers = peers.map((r, q) => (q === p ? out : r))
        carry(p, out.effects, ev.atMs)
      }
    }
    for (const round of [1n, 2n, 3n]) {
      const at = advances.filter((a) => a.round === round)
      expect(at.length, `advances to round ${round}`).toBe(4)
      expect(new Set(at.map((a) => a.policyHash)).size).toBe(1)
      expect(at.every((a) => a.committed)).toBe(true)
    }
    for (const round of [0n, 1n, 2n]) {
      const at = aggregates.filter((a) => a.round === round)
      expect(at.length).toBe(4)
      expect(at[0]!.included.length).toBe(3) // the three trainers' deltas
      for (const a of at) expect(a.included).toEqual(at[0]!.included)
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Validators under split votes, lost votes and dead validators: one θ_{r+1}, and no stall

type Fate = 'live' | 'silent' | 'dies-after-vote'

/**
 * Round 0 for n validators (roles: validator only), driven purely by events. Four outside
 * deltas' commitments reach each validator at random times around the commitments deadline, so
 * proposers' included sets, and so their proposals, differ and votes split. A validator's vote
 * reaches each other validator after 1–300 ms, or never (`lossy`); a validator that dies after
 * voting reaches only `reach` of them, once, and is silent afterwards. A live validator that
 * closed the round relays the quorum's votes to the others (the node's helpLaggards). Returns
 * every advance, and whether any validator re-voted (the votes had split).
 */
function simulateValidators(opts: {
  n: number
  quorum: number
  fates: Fate[]
  reach: boolean[][]
  lossy: boolean
  seed: number
  horizonMs: number
}): { advances: { peer: number; policyHash: Hex32 }[]; live: number[]; split: boolean } {
  let x = opts.seed >>> 0 || 1
  const rand = () => {
    // xorshift32: the test's own reproducible randomness (fast-check supplies the seed)
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 2 ** 32
  }
  const validators = Array.from({ length: opts.n }, (_, i) => addr(100 + i))
  const cfg = (i: number): RoundConfig => ({ ...config(validators[i]!, ['validator'], opts.quorum), validators })
  const live = validators.map((_, i) => i).filter((i) => opts.fates[i] !== 'silent')
  const states = new Map(live.map((i) => [i, startRound({ config: cfg(i), round: 0n, policyHash: h('θ0'), atMs: 0 }).state]))
  const dead = new Set<number>()
  const queue: [number, RoundEvent][] = []
  const advances: { peer: number; policyHash: Hex32 }[] = []
  let split = false
  // the votes each validator saw (its latest from each), for the relay below
  const seen = validators.map(() => new Map<string, { validator: `0x${string}`; newPolicyHash: Hex32; included: Hex32[] }>())
  const deltas = [0, 1, 2, 3].map((i) => h(`outside-delta-${i}`))
  for (const i of live)
    for (const d of deltas) {
      queue.push([i, { kind: 'delta-commitment', atMs: Math.floor(500 + rand() * 300), round: 0n, delta: d, valid: true }])
      queue.push([i, { kind: 'delta-header', atMs: 720 + Math.floor(rand() * 60), round: 0n, id: d, valid: true }])
    }
  const carry = (p: number, effects: RoundEffect[], atMs: number) => {
    for (const e of effects) {
      if (e.kind === 'fetch-blob') queue.push([p, { kind: 'delta-payload', atMs: atMs + 1, round: 0n, id: e.delta, valid: true }])
      // every validator reproduces any proposal here: θ_{r+1} is a function of the included set
      if (e.kind === 'aggregate')
        queue.push([
          p,
          { kind: 'aggregated', atMs: atMs + 5, round: 0n, included: e.included, newPolicyHash: h(`θ1:${e.included.join()}`) },
        ])
      if (e.kind === 'publish-round-result') {
        if (seen[p]!.has(validators[p]!)) split = true // a re-vote: the votes had split
        seen[p]!.set(validators[p]!, { validator: validators[p]!, newPolicyHash: e.newPolicyHash, included: e.included })
        for (const q of live) {
          if (q === p) continue
          if (opts.fates[p] === 'dies-after-vote' && !opts.reach[p]![q]) continue
          if (opts.lossy && rand() < 0.3) continue
          queue.push([
            q,
            {
              kind: 'round-result',
              atMs: atMs + 1 + Math.floor(rand() * 300),
              round: 0n,
              validator: validators[p]!,
              newPolicyHash: e.newPolicyHash,
              included: e.included,
              valid: true,
            },
          ])
        }
        if (opts.fates[p] === 'dies-after-vote') dead.add(p)
      }
      if (e.kind === 'advance' && e.round === 1n) {
        advances.push({ peer: p, policyHash: e.policyHash })
        // helpLaggards (node): a live validator that closed the round relays the quorum's votes
        if (!dead.has(p) && opts.fates[p] === 'live')
          for (const v of [...seen[p]!.values()].filter((v) => v.newPolicyHash === e.policyHash))
            for (const q of live)
              if (q !== p)
                queue.push([q, { kind: 'round-result', atMs: atMs + 1 + Math.floor(rand() * 300), round: 0n, ...v, valid: true }])
      }
    }
  }
  for (let t = 0; t <= opts.horizonMs; t += 20) {
    for (const p of live) queue.push([p, { kind: 'tick', atMs: t }])
    queue.sort((a, b) => a[1].atMs - b[1].atMs)
    while (queue.length > 0 && queue[0]![1].atMs <= t) {
      const [p, ev] = queue.shift()!
      const state = states.get(p)!
      if (dead.has(p) || state.round > 0n) continue
      if (ev.kind === 'round-result')
        seen[p]!.set(ev.validator, { validator: ev.validator, newPolicyHash: ev.newPolicyHash, included: ev.included })
      const out = step(state, ev)
      states.set(p, out.state)
      carry(p, out.effects, ev.atMs)
    }
  }
  return { advances, live: live.filter((i) => opts.fates[i] === 'live'), split }
}

describe('validators under split, lost and unseen votes', () => {
  const scenario = fc.integer({ min: 3, max: 7 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      quorum: fc.integer({ min: Math.floor(n / 2) + 1, max: n }),
      fates: fc.array(fc.constantFrom<Fate>('live', 'live', 'silent', 'dies-after-vote'), { minLength: n, maxLength: n }),
      reach: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
      seed: fc.integer({ min: 1, max: 2 ** 31 }),
    }),
  )

  it('never lets two validators advance on different θ_{r+1}, whatever votes are lost or who dies', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { advances } = simulateValidators({ ...s, lossy: true, horizonMs: 12 * s.n * 200 })
        expect(new Set(advances.map((a) => a.policyHash)).size).toBeLessThanOrEqual(1)
      }),
      { numRuns: Number(process.env.MURMUR_SIM_RUNS ?? 300) }, // 20,000 ran clean at stop 26,
    )
  })

  // Liveness as the rule stands: with every validator live and every vote arriving (late
  // enough to split the first proposals), the re-vote after a full cycle of slots closes the
  // round. Not with validators silent or dead: a split whose leader the unseen votes could still
  // complete waits (2 of 7 silent and the live 5 split 3–2 stalled here for good). Letting the
  // other validators move to such a leader forked this simulation (n = 4: two validators that
  // saw different votes swapped sides at once, and each side's old votes completed a quorum):
  // that needs view-numbered votes with locks, not a looser count.
  it('closes the round for every validator when all are live and every vote arrives, however late', () => {
    let splits = 0
    fc.assert(
      fc.property(scenario, (s) => {
        const fates = s.fates.map((): Fate => 'live')
        const { advances, live, split } = simulateValidators({ ...s, fates, lossy: false, horizonMs: 12 * s.n * 200 })
        if (split) splits++
        expect(advances.map((a) => a.peer).sort(), JSON.stringify(s)).toEqual(live)
        expect(new Set(advances.map((a) => a.policyHash)).size).toBe(1)
      }),
      { numRuns: 300 },
    )
    expect(splits).toBeGreaterThan(10) // the scenarios do split votes, and the re-vote closes them
  })
})
