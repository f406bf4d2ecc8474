import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { l2NormF64 } from './clip.js'
import { NORM_SCREEN_RATIO, SCREEN_MIN_DELTAS, screenDeltas } from './screen.js'

const f32 = (...v: number[]) => Float32Array.from(v)
const scaled = (v: Float32Array, k: number) => v.map((x) => x * k)
const screen = (vs: Float32Array[]) => screenDeltas(vs.map((values) => ({ values })))

describe('screenDeltas', () => {
  const honest = [f32(1, 2, 0.5, 0), f32(1.2, 1.8, 0.4, 0.1), f32(0.9, 2.1, 0.6, -0.1), f32(1.1, 2, 0.5, 0)]

  it('keeps honest deltas that point one way, and reports their norms and votes', () => {
    const s = screen(honest)
    expect(s.verdicts).toEqual([null, null, null, null])
    expect(s.medianNorm).toBeCloseTo(Math.hypot(1, 2, 0.5), 1)
    expect(s.votes).toEqual(honest.map(() => ({ with: 3, against: 0 })))
    expect([...s.norms]).toEqual(honest.map(l2NormF64))
  })

  it('screens a ×100 delta by its norm and a sign-flipped one by its direction', () => {
    const s = screen([...honest, scaled(honest[0]!, 100), scaled(honest[1]!, -1)])
    expect(s.verdicts).toEqual([null, null, null, null, 'norm', 'direction'])
    // the norm-screened delta takes no part in the direction test
    expect(s.votes[4]).toEqual({ with: 0, against: 0 })
    expect(s.votes[5]).toEqual({ with: 0, against: 4 })
    expect(s.votes[0]).toEqual({ with: 3, against: 1 })
  })

  it('screens a norm above NORM_SCREEN_RATIO × the lower median, not one at it', () => {
    const unit = [f32(1, 0), f32(1, 0), f32(1, 0)]
    expect(screen([...unit, f32(NORM_SCREEN_RATIO, 0)]).verdicts).toEqual([null, null, null, null])
    expect(screen([...unit, f32(NORM_SCREEN_RATIO * 1.0001, 0)]).verdicts).toEqual([null, null, null, 'norm'])
  })

  it(`screens nothing below ${SCREEN_MIN_DELTAS} deltas: two cannot outvote each other`, () => {
    expect(screen([f32(1, 1), f32(-100, -100)]).verdicts).toEqual([null, null])
  })

  it('keeps zero and orthogonal deltas (no votes), and screens no norm when most deltas are zero', () => {
    const s = screen([f32(0, 0), f32(0, 0), f32(0, 0), f32(0, 5)])
    expect(s.medianNorm).toBe(0)
    expect(s.verdicts).toEqual([null, null, null, null])
    const o = screen([f32(1, 0, 0), f32(1, 0.1, 0), f32(0, 0, 1)])
    expect(o.verdicts).toEqual([null, null, null])
    expect(o.votes[2]).toEqual({ with: 0, against: 0 })
  })

  it('gives a long flipped delta one vote: it cannot turn the round against the honest deltas', () => {
    // weighted by norm, 7.9 × −h would outweigh the four honest deltas for each of them
    const s = screen([...honest, scaled(honest[0]!, -(NORM_SCREEN_RATIO - 0.1))])
    expect(s.verdicts).toEqual([null, null, null, null, 'direction'])
  })

  it('screens every sign-flipped or oversized delta and no honest one while honest deltas are the majority', () => {
    const vec = (n: number) => fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n })
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 24 }).chain((dim) =>
          fc.record({
            common: vec(dim).filter((v) => Math.hypot(...v) > 0.5),
            honest: fc.array(vec(dim), { minLength: 2, maxLength: 8 }),
            attacks: fc.array(fc.constantFrom('flip', 'long flip', 'scale'), { maxLength: 7 }),
          }),
        ),
        ({ common, honest, attacks }) => {
          // the lower-median norm is an honest one only while honest deltas are the majority
          fc.pre(honest.length > attacks.length && honest.length + attacks.length >= SCREEN_MIN_DELTAS)
          // honest: the shared direction plus noise at most a fifth of its norm
          const c = Math.hypot(...common)
          const h = honest.map((noise) => {
            const nn = Math.hypot(...noise) || 1
            return Float32Array.from(common, (x, i) => x + (0.2 * c * noise[i]!) / nn)
          })
          const factor = { flip: -1, 'long flip': -5, scale: 100 } // honest norms are within 0.8–1.2× the shared one: −5 stays under the norm bound
          const bad = attacks.map((a, k) => scaled(h[k % h.length]!, factor[a as keyof typeof factor]))
          const s = screen([...h, ...bad])
          expect(s.verdicts.slice(0, h.length)).toEqual(h.map(() => null))
          expect(s.verdicts.slice(h.length)).toEqual(attacks.map((a) => (a === 'scale' ? 'norm' : 'direction')))
        },
      ),
    )
  })

  it('votes as the dense dot products do, for sparse, dense and mixed deltas (property)', () => {
    const value = fc.oneof(fc.constant(0), fc.constant(-0), fc.float({ min: -1e3, max: 1e3, noNaN: true }))
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 64 }).chain((dim) =>
          fc.array(
            fc.record({ dense: fc.boolean(), values: fc.array(value, { minLength: dim, maxLength: dim }) }).map(({ dense, values }) =>
              // a sparse delta: most values zeroed, as top-k payloads are
              Float32Array.from(values, (v, i) => (dense || i % 7 === 0 ? v : 0)),
            ),
            { minLength: 3, maxLength: 7 },
          ),
        ),
        (vs) => {
          const s = screen(vs)
          if (s.verdicts.some((v) => v === 'norm')) return
          const votes = vs.map(() => ({ with: 0, against: 0 }))
          for (let a = 0; a < vs.length; a++)
            for (let b = a + 1; b < vs.length; b++) {
              let dot = 0
              for (let i = 0; i < vs[a]!.length; i++) dot += vs[a]![i]! * vs[b]![i]!
              const side = dot > 0 ? 'with' : dot < 0 ? 'against' : null
              if (side) {
                votes[a]![side]++
                votes[b]![side]++
              }
            }
          expect(s.votes).toEqual(votes)
        },
      ),
    )
  })
})
