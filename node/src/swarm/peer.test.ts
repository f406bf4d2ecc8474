import { describe, expect, it } from 'vitest'
import { ownGroupsInTheta } from './peer.js'

describe('ownGroupsInTheta', () => {
  it("counts from the included deltas' headers when the peer holds them all", () => {
    expect(ownGroupsInTheta(3, false, { acceptedGroups: 5 })).toBe(3)
    expect(ownGroupsInTheta(0, false, undefined)).toBe(0)
  })

  it("takes the agreed leaf's count when the peer missed an included delta's header (it joined mid-round)", () => {
    // the browser e2e caught this: a tab that synced into round 0 reported 0 of its 2 groups in θ
    expect(ownGroupsInTheta(0, true, { acceptedGroups: 2 })).toBe(2)
    expect(ownGroupsInTheta(3, true, { acceptedGroups: 2 })).toBe(3)
    // no leaf (it forfeited the round, or the body is unknown): what the headers it holds say
    expect(ownGroupsInTheta(1, true, undefined)).toBe(1)
  })
})
