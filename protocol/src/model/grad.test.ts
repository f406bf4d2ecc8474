import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { refTensor } from '../runtime/reference.js'
import { gradcheck } from '../testing/gradcheck.js'
import { gradients } from './grad.js'
import type { Value } from './graph.js'
import { GraphBuilder } from './graph.js'
import * as op from './ops.js'

const TOL = 1e-6
const dim = fc.integer({ min: 1, max: 4 })
const shape = (rank: number) => fc.array(dim, { minLength: rank, maxLength: rank })
const runs = { numRuns: 12 }

/** Checks that `build` passes a gradcheck for random shapes drawn by `shapes`. */
function property(
  name: string,
  shapes: fc.Arbitrary<number[][]>,
  build: (b: GraphBuilder, p: readonly Value[]) => Value,
  init?: (i: number, k: number, u: number) => number,
) {
  fc.assert(
    fc.property(shapes, fc.nat(1000), (params, seed) => {
      const r = gradcheck({ name, params, build, seed, ...(init ? { init } : {}) })
      expect(r.maxRelError, `${name} ${JSON.stringify(params)}`).toBeLessThan(TOL)
    }),
    runs,
  )
}

/** A shape and a second shape that broadcasts against it (some dims set to 1, maybe fewer leading dims). */
const broadcastPair = fc
  .tuple(shape(3), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 }))
  .map(([s, ones, drop]) => [s, s.map((d, i) => (ones[i] ? 1 : d)).slice(drop)])

describe('backward rules match central finite differences', () => {
  it('add, sub, mul with broadcasting', () => {
    for (const f of [op.add, op.sub, op.mul] as const) property(`bin_${f.name}`, broadcastPair, (b, [x, y]) => f(b, x!, y!))
  })

  it('div with broadcasting (denominator kept away from 0)', () => {
    property(
      'div',
      broadcastPair,
      (b, [x, y]) => op.div(b, x!, y!),
      (i, _k, u) => (i === 1 ? 0.5 + u : u * 2 - 1),
    )
  })

  it('unary ops', () => {
    const s = shape(2).map((x) => [x])
    property('neg', s, (b, [x]) => op.neg(b, x!))
    property('exp', s, (b, [x]) => op.exp(b, x!))
    property('sigmoid', s, (b, [x]) => op.sigmoid(b, x!))
    property(
      'log',
      s,
      (b, [x]) => op.log(b, x!),
      (_i, _k, u) => 0.2 + u,
    )
    property(
      'sqrt',
      s,
      (b, [x]) => op.sqrt(b, x!),
      (_i, _k, u) => 0.2 + u,
    )
    // abs and relu: inputs kept away from the kink at 0
    property(
      'abs',
      s,
      (b, [x]) => op.abs(b, x!),
      (_i, _k, u) => (u < 0.5 ? -0.1 - u : u + 0.1),
    )
    property(
      'relu',
      s,
      (b, [x]) => op.relu(b, x!),
      (_i, _k, u) => (u < 0.5 ? -0.1 - u : u + 0.1),
    )
  })

  it('matmul with batch broadcasting', () => {
    const shapes = fc.tuple(dim, dim, dim, dim, fc.boolean()).map(([bt, m, k, n, bcast]) => [[bt, m, k], bcast ? [k, n] : [bt, k, n]])
    property('matmul', shapes, (b, [x, y]) => op.matmul(b, x!, y!))
  })

  it('gemm with every transpose combination', () => {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      const shapes = fc.tuple(dim, dim, dim).map(([m, k, n]) => [ta ? [k, m] : [m, k], tb ? [n, k] : [k, n]])
      property(`gemm_${ta}_${tb}`, shapes, (b, [x, y]) => op.gemm(b, x!, y!, ta, tb))
    }
  })

  it('reductions over random axes, keeping dims or not', () => {
    const shapes = fc.tuple(shape(3), fc.subarray([0, 1, 2], { minLength: 1 }), fc.boolean())
    fc.assert(
      fc.property(shapes, fc.nat(100), ([s, axes, keep], seed) => {
        for (const f of [op.reduceSum, op.reduceMax]) {
          const r = gradcheck({ name: `reduce_${f.name}`, params: [s], build: (b, [x]) => f(b, x!, axes, keep), seed })
          expect(r.maxRelError).toBeLessThan(TOL)
        }
      }),
      runs,
    )
  })

  it('square, reduceMean and softmax', () => {
    const s2 = shape(2).map((x) => [x])
    property('square', s2, (b, [x]) => op.square(b, x!))
    property(
      'softmax',
      shape(3).map((x) => [x]),
      (b, [x]) => op.softmax(b, x!),
    )
    fc.assert(
      fc.property(shape(3), fc.subarray([0, 1, 2], { minLength: 1 }), fc.boolean(), fc.nat(100), (s, axes, keep, seed) => {
        const r = gradcheck({ name: 'reduceMean', params: [s], build: (b, [x]) => op.reduceMean(b, x!, axes, keep), seed })
        expect(r.maxRelError).toBeLessThan(TOL)
      }),
      runs,
    )
  })

  it('reshape and transpose', () => {
    property(
      'reshape',
      shape(3).map((s) => [s]),
      (b, [x]) => op.reshape(b, x!, [(x!.shape[0] as number) * (x!.shape[1] as number), x!.shape[2]!]),
    )
    property(
      'transpose',
      shape(3).map((s) => [s]),
      (b, [x]) => op.transpose(b, x!, [2, 0, 1]),
    )
  })

  it('concat, slice and pad', () => {
    property(
      'concat',
      fc.tuple(dim, dim, dim).map(([a, c, d]) => [
        [a, c],
        [a, d],
      ]),
      (b, [x, y]) => op.concat(b, [x!, y!], 1),
    )
    property(
      'slice',
      fc.tuple(dim, fc.integer({ min: 2, max: 5 })).map(([a, c]) => [[a, c]]),
      (b, [x]) => op.slice(b, x!, 1, 1, x!.shape[1] as number),
    )
    property(
      'pad',
      shape(2).map((s) => [s]),
      (b, [x]) => op.pad(b, x!, 0, 1, 2),
    )
  })

  it('expandAs', () => {
    property(
      'expandAs',
      fc.tuple(dim, dim).map(([a, c]) => [
        [1, c],
        [a, c],
      ]),
      (b, [x, like]) => op.mul(b, op.expandAs(b, x!, like!), like!),
    )
  })

  it('gather (embedding lookup) with repeated indices', () => {
    const idx = refTensor([2, 3], [0, 2, 2, 1, 0, 2])
    const r = gradcheck({
      name: 'gather',
      params: [[3, 4]],
      extra: [{ name: 'idx', dtype: 'int64', tensor: idx }],
      build: (b, [table, i]) => op.gather(b, table!, i!),
    })
    expect(r.maxRelError).toBeLessThan(TOL)
    expect(r.checked).toBe(12)
  })

  it('scatterAdd', () => {
    const idx = refTensor([3], [1, 1, 0])
    const r = gradcheck({
      name: 'scatter',
      params: [[3, 2]],
      extra: [{ name: 'idx', dtype: 'int64', tensor: idx }],
      build: (b, [upd, i]) => op.scatterAdd(b, i!, upd!, 4),
    })
    expect(r.maxRelError).toBeLessThan(TOL)
  })

  it('stopGradient blocks the gradient', () => {
    const r = gradcheck({ name: 'stop', params: [[3]], build: (b, [x]) => op.add(b, x!, op.mul(b, op.stopGradient(b, x!), 0)) })
    expect(r.maxRelError).toBeLessThan(TOL)
  })
})

describe('gradients()', () => {
  it('rejects a non-scalar loss with a clear error', () => {
    const b = new GraphBuilder('t')
    const x = b.input('x', 'float32', [2])
    expect(() => gradients(b, x, [x])).toThrowErrorMatchingInlineSnapshot(
      `[GraphError: gradients: loss must be a float32 scalar, got float32[2].]`,
    )
  })

  it('gives an explicit zero gradient for parameters the loss does not use', () => {
    const b = new GraphBuilder('t')
    const x = b.input('x', 'float32', [2])
    const unused = b.input('u', 'float32', [3])
    const [, gu] = gradients(b, op.reduceSum(b, x, [0]), [x, unused])
    expect(gu!.shape).toEqual([3])
  })
})
