import { roundScheduleOf } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { groupsInTheta, isOverdue, trainerSchedule } from './peer.js'

describe('groupsInTheta', () => {
  const a = '0x00000000000000000000000000000000000000aa' as const
  const b = '0x00000000000000000000000000000000000000bb' as const
  it("counts from the included deltas' headers when the peer holds them all", () => {
    expect(groupsInTheta({ [a]: 3 }, false, [{ address: a, acceptedGroups: 5 }])).toEqual({ [a]: 3 })
    expect(groupsInTheta({}, false, undefined)).toEqual({})
  })

  it("takes the agreed leaves' counts when the peer missed an included delta's header (it joined mid-round)", () => {
    // the browser e2e caught this: a tab that synced into round 0 reported 0 of its 2 groups in θ
    expect(groupsInTheta({}, true, [{ address: a, acceptedGroups: 2 }])).toEqual({ [a]: 2 })
    // every author, not only this peer: the swarm's `groups used` undercounted the same way
    expect(
      groupsInTheta({ [a]: 3, [b]: 1 }, true, [
        { address: a, acceptedGroups: 2 },
        { address: b, acceptedGroups: 4 },
      ]),
    ).toEqual({ [a]: 3, [b]: 4 })
    // no leaf (it forfeited the round, or the body is unknown): what the headers it holds say
    expect(groupsInTheta({ [a]: 1 }, true, undefined)).toEqual({ [a]: 1 })
    expect(groupsInTheta({ [a]: 1 }, true, [])).toEqual({ [a]: 1 })
  })
})

describe('isOverdue', () => {
  // 15 s rounds: re-announce period 5 s
  const D = 15_000
  it('is not overdue in a healthy round that runs a little past its duration', () => {
    expect(isOverdue({ phase: 'aggregation', startedAtMs: 0 }, 11_000, 15_400, D)).toBe(false)
    expect(isOverdue({ phase: 'commit', startedAtMs: 0 }, 13_000, 15_400, D)).toBe(false)
  })

  it('is overdue a re-announce period after entering commit without a quorum (votes lost), even before the duration', () => {
    expect(isOverdue({ phase: 'commit', startedAtMs: 0 }, 8_000, 12_999, D)).toBe(false)
    expect(isOverdue({ phase: 'commit', startedAtMs: 0 }, 8_000, 13_000, D)).toBe(true)
  })

  it('is overdue in any phase a re-announce period past the duration (no proposal came, or it cannot aggregate)', () => {
    expect(isOverdue({ phase: 'aggregation', startedAtMs: 1000 }, 12_000, 21_000, D)).toBe(false)
    expect(isOverdue({ phase: 'aggregation', startedAtMs: 1000 }, 12_000, 21_001, D)).toBe(true)
    expect(isOverdue({ phase: 'rollouts', startedAtMs: 0 }, 0, 20_001, D)).toBe(true)
  })
})

describe('trainerSchedule', () => {
  // a 15 s round: rollouts to 6 s, commitments by 10.5 s
  const base = roundScheduleOf({ roundDurationMs: 15_000 })
  const at = (o: Partial<Parameters<typeof trainerSchedule>[1]>) =>
    trainerSchedule(base, { roundDurationMs: 15_000, elastic: false, earlyRollouts: false, trainMs: 300, stepMs: 100, marginMs: 750, ...o })

  it('keeps the protocol split for a trainer whose step fits the window', () => {
    expect(at({})).toEqual({ ...base, fits: true })
  })

  it('starts a trainer whose one step does not fit the window early enough for it', () => {
    // the browser e2e caught this: a tab on SwiftShader took 4–5 s a step in a 4.5 s window,
    // so each of its deltas came after the commitments deadline, round after round
    const s = at({ stepMs: 5000, trainMs: 15_000 })
    expect(s.rolloutsEndMs).toBe(10_500 - 6250 - 750)
    expect(s.fits).toBe(true)
    expect(s.commitmentsEndMs).toBe(base.commitmentsEndMs)
    expect(s.trainingEndMs).toBe(base.trainingEndMs)
    // never before 10% of the round; no room for a step even then
    const slow = at({ stepMs: 9000 })
    expect(slow.rolloutsEndMs).toBe(1500)
    expect(slow.fits).toBe(false)
  })

  it('moves an elastic worker’s deadline to fill its round, later or (with early rollouts) earlier', () => {
    // a short training: sample until the commitments deadline less 1.15× it and the margin
    expect(at({ elastic: true, trainMs: 1000 }).rolloutsEndMs).toBe(10_500 - 1150 - 750)
    // a long one: no earlier than the protocol split without early rollouts, to 10% with them
    expect(at({ elastic: true, trainMs: 8000 }).rolloutsEndMs).toBe(base.rolloutsEndMs)
    expect(at({ elastic: true, earlyRollouts: true, trainMs: 8000 }).rolloutsEndMs).toBe(1500)
    // and an elastic worker whose one step is too long starts training in time for it as well
    expect(at({ elastic: true, trainMs: 8000, stepMs: 5000 }).rolloutsEndMs).toBe(3500)
    // before it measured a whole training (its first was abandoned), the step rule alone
    expect(at({ elastic: true, trainMs: null, stepMs: 5000 }).rolloutsEndMs).toBe(3500)
    expect(at({ elastic: true, trainMs: null }).rolloutsEndMs).toBe(base.rolloutsEndMs)
  })
})
