import { describe, expect, it } from 'vitest'
import { type AttackResult, combineRuns } from './adversarial.js'

const run = (over: Partial<AttackResult>): AttackResult => ({
  attack: 'clean',
  adversaries: 0,
  peers: 9,
  finalAccuracy: 0.9,
  accuracyByRound: [0.5, 0.7, 0.9],
  agreed: true,
  adversaryCreditShare: 0,
  rejected: {},
  adversaryDeltasIncluded: 0,
  screened: 0,
  adversaryGroupsIncluded: 0,
  offensesProven: 0,
  offensesAgainstHonest: 0,
  ignored: 0,
  adversaryScore: null,
  disconnected: 0,
  roundsClosed: 3,
  stalled: false,
  ...over,
})

describe('combineRuns (--repeats)', () => {
  it('combines clean runs, which have no adversary to score (it threw "median of an empty sample")', () => {
    const combined = combineRuns([run({ finalAccuracy: 0.8 }), run({ finalAccuracy: 1 })])
    expect(combined.adversaryScore).toBeNull()
    expect(combined.finalAccuracy).toBe(0.9)
    expect(combined.runs).toEqual([
      { finalAccuracy: 0.8, adversaryCreditShare: 0, roundsClosed: 3 },
      { finalAccuracy: 1, adversaryCreditShare: 0, roundsClosed: 3 },
    ])
  })

  it('takes the median accuracy and score, the worst credit share and rounds closed, and sums the counts', () => {
    const combined = combineRuns([
      run({ adversaries: 3, finalAccuracy: 0.5, adversaryScore: -40, adversaryCreditShare: 0.02, rejected: { malformed: 2 }, ignored: 1 }),
      run({
        adversaries: 3,
        finalAccuracy: 0.9,
        adversaryScore: -20,
        roundsClosed: 2,
        stalled: true,
        rejected: { malformed: 3 },
        ignored: 4,
      }),
      run({ adversaries: 3, finalAccuracy: 0.7, adversaryScore: -30, accuracyByRound: [0.4, 0.6] }),
    ])
    expect(combined).toMatchObject({
      finalAccuracy: 0.7,
      adversaryScore: -30,
      adversaryCreditShare: 0.02,
      roundsClosed: 2,
      stalled: true,
      rejected: { malformed: 5 },
      ignored: 5,
    })
    expect(combined.accuracyByRound).toEqual([0.5, 0.7, 0.9])
  })
})
