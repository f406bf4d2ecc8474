import { describe, expect, it } from 'vitest'
import { accumulateGradients, adamWStep, clipGradNorm, createAdamWState, decaysByDefault } from './adamw.js'

/** Textbook AdamW in float64 (Loshchilov & Hutter Alg. 2 with PyTorch's bias correction), written independently as the oracle. */
function referenceAdamW(
  theta: number[],
  gradAt: (x: number[]) => number[],
  steps: number,
  o: { lr: number; b1: number; b2: number; eps: number; wd: number },
) {
  const x = [...theta]
  const m = x.map(() => 0)
  const v = x.map(() => 0)
  const path: number[][] = []
  for (let t = 1; t <= steps; t++) {
    const g = gradAt(x)
    for (let i = 0; i < x.length; i++) {
      x[i]! -= o.lr * o.wd * x[i]!
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g[i]!
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g[i]! ** 2
      const mHat = m[i]! / (1 - o.b1 ** t)
      const vHat = v[i]! / (1 - o.b2 ** t)
      x[i]! -= (o.lr * mHat) / (Math.sqrt(vHat) + o.eps)
    }
    path.push([...x])
  }
  return path
}

const f32Hex = (a: Float32Array) =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b) => b.toString(16).padStart(8, '0')).join(' ')

describe('adamWStep', () => {
  it('takes a first step of lr·sign(g) (bias correction makes m̂ = g, v̂ = g²)', () => {
    const theta = new Float32Array([1, -1, 0.25])
    const state = createAdamWState()
    adamWStep({
      params: new Map([['w', theta]]),
      grads: new Map([['w', new Float32Array([0.5, -3, 1e-3])]]),
      state,
      lr: 0.1,
      weightDecay: 0,
    })
    expect(theta[0]).toBeCloseTo(0.9, 6)
    expect(theta[1]).toBeCloseTo(-0.9, 6)
    expect(theta[2]).toBeCloseTo(0.15, 5) // |g| ≫ eps, so still ≈ lr
    expect(state.step).toBe(1)
    const close = (got: Float32Array, want: number[]) => {
      for (const [i, w] of want.entries()) expect(Math.abs(got[i]! - w) / Math.abs(w)).toBeLessThan(1e-6)
    }
    close(state.m.get('w')!, [0.05, -0.3, 1e-4])
    close(state.v.get('w')!, [0.00025, 0.009, 1e-9])
  })

  it('matches a hand-computed second step', () => {
    // m2 = 0.9·0.05 − 0.1 = −0.055; v2 = 0.999·0.00025 + 0.001 = 0.00124975
    // m̂ = −0.055 / 0.19 = −0.289473…; v̂ = 0.00124975 / 0.001999 = 0.625187…; √v̂ = 0.790688…
    // θ2 = 0.9 + 0.1 · 0.289473 / 0.790688 = 0.936610…
    const theta = new Float32Array([1])
    const state = createAdamWState()
    const params = new Map([['w', theta]])
    adamWStep({ params, grads: new Map([['w', new Float32Array([0.5])]]), state, lr: 0.1, weightDecay: 0 })
    adamWStep({ params, grads: new Map([['w', new Float32Array([-1])]]), state, lr: 0.1, weightDecay: 0 })
    expect(theta[0]).toBeCloseTo(0.93661, 5)
  })

  it('decays weights decoupled from the gradient, but not norms and biases', () => {
    const w = new Float32Array([2])
    const norm = new Float32Array([2])
    const bias = new Float32Array([2])
    const params = new Map([
      ['model.layers.0.mlp.up_proj.weight', w],
      ['model.layers.0.input_layernorm.weight', norm],
      ['model.layers.0.self_attn.q_proj.bias', bias],
    ])
    const zero = new Map([...params.keys()].map((k) => [k, new Float32Array(1)]))
    adamWStep({ params, grads: zero, state: createAdamWState(), lr: 0.1, weightDecay: 0.5 })
    expect(w[0]).toBe(Math.fround(1.9))
    expect(norm[0]).toBe(2)
    expect(bias[0]).toBe(2)
    expect(decaysByDefault('model.norm.weight')).toBe(false)
    expect(decaysByDefault('lm_head.weight')).toBe(true)
  })

  it('follows the float64 reference trajectory while minimising a quadratic', () => {
    // f(x) = ½ Σ a_i (x_i − c_i)²
    const a = [1, 10, 0.1, 3]
    const c = [0.5, -2, 3, 0]
    const grad = (x: ArrayLike<number>) => Array.from(a, (ai, i) => ai * (x[i]! - c[i]!))
    const o = { lr: 0.05, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0 }
    const start = [0, 0, 0, 1]
    const ref = referenceAdamW(start, grad, 400, o)
    const x = new Float32Array(start)
    const params = new Map([['x', x]])
    const state = createAdamWState()
    for (let t = 0; t < 400; t++) {
      adamWStep({ params, grads: new Map([['x', new Float32Array(grad(x))]]), state, lr: o.lr, weightDecay: 0 })
      for (let i = 0; i < 4; i++) expect(Math.abs(x[i]! - ref[t]![i]!)).toBeLessThan(1e-4)
    }
    for (let i = 0; i < 4; i++) expect(x[i]).toBeCloseTo(c[i]!, 2)
    expect(f32Hex(x)).toMatchInlineSnapshot(`"3f000000 c0000000 403ffffd afaf8e7f"`)
  })

  it('follows the reference with weight decay', () => {
    const grad = (x: ArrayLike<number>) => Array.from(x, (xi) => 2 * (xi - 1))
    const o = { lr: 0.01, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.1 }
    const ref = referenceAdamW([3, -3], grad, 200, o)
    const x = new Float32Array([3, -3])
    const state = createAdamWState()
    for (let t = 0; t < 200; t++) {
      adamWStep({
        params: new Map([['x', x]]),
        grads: new Map([['x', new Float32Array(grad(x))]]),
        state,
        lr: o.lr,
        betas: [o.b1, o.b2],
        eps: o.eps,
        weightDecay: o.wd,
      })
    }
    expect(Math.abs(x[0]! - ref[199]![0]!)).toBeLessThan(1e-4)
    expect(Math.abs(x[1]! - ref[199]![1]!)).toBeLessThan(1e-4)
  })

  it('is bit-for-bit deterministic and independent of map insertion order', () => {
    const run = (reverse: boolean) => {
      const p = new Map([
        ['a', new Float32Array([0.1, 0.2, 0.3])],
        ['b', new Float32Array([-1, 1])],
      ])
      const params = reverse ? new Map([...p].reverse()) : p
      const state = createAdamWState()
      for (let t = 1; t <= 5; t++) {
        const grads = new Map([...params].map(([k, v]) => [k, Float32Array.from(v, (x) => Math.sin(t * x))]))
        adamWStep({ params, grads, state, lr: 1e-2 })
      }
      return `${f32Hex(p.get('a')!)} | ${f32Hex(p.get('b')!)}`
    }
    expect(run(true)).toBe(run(false))
  })

  it('accepts tensors with a data field, and leaves parameters without a gradient alone', () => {
    const t = { shape: [2], data: new Float32Array([1, 1]) }
    const untouched = new Float32Array([5])
    adamWStep({
      params: new Map<string, Float32Array | { data: Float32Array }>([
        ['t', t],
        ['u', untouched],
      ]),
      grads: new Map([['t', { shape: [2], data: new Float32Array([1, -1]) }]]),
      state: createAdamWState(),
      lr: 0.5,
      weightDecay: 0,
    })
    expect(Array.from(t.data)).toEqual([0.5, 1.5])
    expect(untouched[0]).toBe(5)
  })

  it('rejects mismatched inputs and bad hyperparameters', () => {
    const params = new Map([['w', new Float32Array(2)]])
    expect(() =>
      adamWStep({ params, grads: new Map([['v', new Float32Array(2)]]), state: createAdamWState(), lr: 0.1 }),
    ).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: AdamW got a gradient for "v", which is not a parameter.]`)
    expect(() =>
      adamWStep({ params, grads: new Map([['w', new Float32Array(3)]]), state: createAdamWState(), lr: 0.1 }),
    ).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: AdamW gradient "w" has 3 elements; the parameter has 2.]`)
    expect(() =>
      adamWStep({ params, grads: new Map([['w', new Float32Array(2)]]), state: createAdamWState(), lr: -1 }),
    ).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: AdamW lr must be a finite number ≥ 0, got -1.]`)
    expect(() =>
      adamWStep({ params, grads: new Map([['w', new Float32Array(2)]]), state: createAdamWState(), lr: 0.1, betas: [1, 0.999] }),
    ).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: AdamW beta1 must be in [0, 1), got 1.]`)
  })
})

describe('clipGradNorm', () => {
  it('returns the pre-clip global norm and scales to maxNorm', () => {
    const a = new Float32Array([3])
    const b = new Float32Array([0, 4])
    const grads = new Map([
      ['a', a],
      ['b', b],
    ])
    expect(clipGradNorm(grads, 1)).toBe(5)
    expect(a[0]).toBeCloseTo(0.6, 6)
    expect(b[1]).toBeCloseTo(0.8, 6)
    expect(Math.hypot(a[0]!, b[1]!)).toBeLessThanOrEqual(1)
  })

  it('leaves gradients under the limit unchanged', () => {
    const g = new Float32Array([0.3, 0.4])
    expect(clipGradNorm(new Map([['g', g]]), 10)).toBeCloseTo(0.5, 7)
    expect(Array.from(g)).toEqual(Array.from(new Float32Array([0.3, 0.4])))
  })

  it('sums in name order, so the norm does not depend on insertion order', () => {
    const entries = Array.from(
      { length: 20 },
      (_, i) => [`p${i}`, Float32Array.from({ length: 50 }, (_, j) => Math.sin(i * 50 + j) * 10 ** (i % 7))] as const,
    )
    const n1 = clipGradNorm(new Map(entries.map(([k, v]) => [k, v.slice()])), 1e30)
    const n2 = clipGradNorm(new Map([...entries].reverse().map(([k, v]) => [k, v.slice()])), 1e30)
    expect(n1).toBe(n2)
  })

  it('rejects a non-finite gradient naming it, and a bad maxNorm', () => {
    expect(() => clipGradNorm(new Map([['w', new Float32Array([1, Number.NaN])]]), 1)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Gradient "w" has NaN at element 1; cannot clip a non-finite gradient.]`,
    )
    expect(() => clipGradNorm(new Map(), 0)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: maxNorm must be a finite number > 0, got 0.]`,
    )
  })
})

describe('accumulateGradients', () => {
  it('adds scaled gradients into fresh or existing arrays, and rejects mismatches', () => {
    const into = new Map<string, Float32Array>()
    accumulateGradients(into, new Map([['w', Float32Array.of(1, -2)]]), 0.25)
    accumulateGradients(into, new Map([['w', { data: Float32Array.of(4, 4) }]]), 0.75)
    expect([...into.get('w')!]).toEqual([3.25, 2.5])
    expect(() => accumulateGradients(into, new Map([['w', Float32Array.of(1)]]), 1)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Gradient "w" has 1 elements; the accumulator has 2.]`,
    )
    expect(() => accumulateGradients(into, new Map([['w', Float32Array.of(1, 2)]]), Number.NaN)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: accumulateGradients needs a finite scale, got NaN.]`,
    )
  })
})
