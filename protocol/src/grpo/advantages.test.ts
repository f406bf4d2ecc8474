import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ADVANTAGE_EPS, groupAdvantages, isZeroVarianceGroup } from './advantages.js'

// rewards on a 0.001 grid: real rewards are coarse (multiples of 0.1); subnormal spreads would
// make std underflow to 0, which is the documented zero-variance case, not a property failure
const reward = fc.integer({ min: -1_000_000, max: 1_000_000 }).map((x) => x / 1000)
const group = fc.array(reward, { minLength: 1, maxLength: 64 })

describe('groupAdvantages', () => {
  it('normalises by the population std of the group', () => {
    // mean 0.5, population std 0.5
    const a = groupAdvantages({ rewards: [1, 0, 1, 0], eps: 0 })
    expect(Array.from(a)).toEqual([1, -1, 1, -1])
    const b = groupAdvantages({ rewards: [1, 0, 0, 0] })
    // mean 0.25, std sqrt(3)/4
    expect(b[0]).toBeCloseTo(0.75 / (Math.sqrt(3) / 4 + ADVANTAGE_EPS), 12)
    expect(b[1]).toBeCloseTo(-0.25 / (Math.sqrt(3) / 4 + ADVANTAGE_EPS), 12)
  })

  it('gives a single sample a zero advantage', () => {
    expect(Array.from(groupAdvantages({ rewards: [0.7] }))).toEqual([0])
  })

  it('gives a group whose rewards are all equal exactly zero advantages', () => {
    for (const r of [0, 1, 0.1, -3.3, 1e300]) {
      const a = groupAdvantages({ rewards: new Array(8).fill(r) })
      expect(Array.from(a)).toEqual(new Array(8).fill(0))
      expect(isZeroVarianceGroup(new Array(8).fill(r))).toBe(true)
    }
    expect(isZeroVarianceGroup([0, 0.1])).toBe(false)
  })

  it('rejects NaN and infinite rewards with a typed error naming the index', () => {
    expect(() => groupAdvantages({ rewards: [1, Number.NaN] })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Reward 1 of the group is NaN; rewards must be finite numbers.]`,
    )
    expect(() => groupAdvantages({ rewards: [Number.POSITIVE_INFINITY] })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Reward 0 of the group is Infinity; rewards must be finite numbers.]`,
    )
    try {
      groupAdvantages({ rewards: [Number.NaN] })
    } catch (err) {
      expect((err as Error).name).toBe('InvalidArgumentError')
    }
  })

  it('rejects an empty group and a bad eps', () => {
    expect(() => groupAdvantages({ rewards: [] })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: groupAdvantages needs at least one reward, got an empty group.]`,
    )
    expect(() => groupAdvantages({ rewards: [1, 0], eps: -1 })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: groupAdvantages eps must be a finite number ≥ 0, got -1.]`,
    )
  })

  it('sums to zero and has unit population variance (up to eps) for non-constant groups', () => {
    fc.assert(
      fc.property(group, (rewards) => {
        const a = groupAdvantages({ rewards, eps: 0 })
        if (isZeroVarianceGroup(rewards)) return a.every((x) => x === 0)
        const n = a.length
        const mean = a.reduce((s, x) => s + x, 0) / n
        const variance = a.reduce((s, x) => s + x * x, 0) / n
        expect(Math.abs(mean)).toBeLessThan(1e-9)
        expect(variance).toBeCloseTo(1, 6)
        return true
      }),
    )
  })

  it('keeps the sign of r − mean and the order of rewards', () => {
    fc.assert(
      fc.property(group, (rewards) => {
        const a = groupAdvantages({ rewards })
        const mean = rewards.reduce((s, r) => s + r, 0) / rewards.length
        for (let i = 0; i < rewards.length; i++) {
          if (rewards[i]! > mean + 1e-9 * Math.abs(mean) + 1e-9) expect(a[i]).toBeGreaterThan(0)
          if (rewards[i]! < mean - 1e-9 * Math.abs(mean) - 1e-9) expect(a[i]).toBeLessThan(0)
          for (let j = 0; j < rewards.length; j++) if (rewards[i]! < rewards[j]!) expect(a[i]).toBeLessThanOrEqual(a[j]!)
        }
      }),
    )
  })

  it('is invariant to shifting rewards and to scaling them by a positive factor', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 2, maxLength: 32 }),
        fc.integer({ min: -100, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        (ints, shift, scale) => {
          const base = groupAdvantages({ rewards: ints, eps: 0 })
          const moved = groupAdvantages({ rewards: ints.map((r) => r * scale + shift), eps: 0 })
          for (let i = 0; i < ints.length; i++) expect(moved[i]).toBeCloseTo(base[i]!, 9)
        },
      ),
    )
  })

  it('flips sign when rewards are negated', () => {
    fc.assert(
      fc.property(group, (rewards) => {
        const a = groupAdvantages({ rewards })
        const b = groupAdvantages({ rewards: rewards.map((r) => -r) })
        for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(-a[i]!, 9)
      }),
    )
  })
})
