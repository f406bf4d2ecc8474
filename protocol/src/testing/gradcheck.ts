/**
 * Finite-difference gradient check on the reference evaluator: builds `f(params)`, reduces it
 * to a scalar with a fixed random projection, differentiates with murmur's autodiff and
 * compares with central differences in float64.
 */

import { gradients } from '../model/grad.js'
import { GraphBuilder, type Value } from '../model/graph.js'
import { mul, reduceSum } from '../model/ops.js'
import { createRng, deriveSeed } from '../random/rng.js'
import { evaluateReference, type RefTensor } from '../runtime/reference.js'

export interface GradcheckParameters {
  name: string
  params: readonly (readonly number[])[]
  build: (b: GraphBuilder, params: readonly Value[]) => Value
  /** Extra non-differentiable inputs (e.g. int64 indices), fed as given. */
  extra?: readonly { name: string; dtype: 'float32' | 'int64'; tensor: RefTensor }[]
  init?: (param: number, index: number, u: number) => number
  seed?: number
  eps?: number
}

export interface GradcheckResult {
  maxAbsError: number
  maxRelError: number
  checked: number
}

export function gradcheck({ name, params, build, extra = [], init, seed = 0, eps = 1e-6 }: GradcheckParameters): GradcheckResult {
  const rng = createRng(deriveSeed('murmur/test/gradcheck', name, seed))
  const b = new GraphBuilder(`gradcheck_${name}`)
  const pv = params.map((s, i) => b.input(`p${i}`, 'float32', s))
  const xv = extra.map((e) => b.input(e.name, e.dtype, e.tensor.shape))
  const y = build(b, [...pv, ...xv])
  const proj = b.input('proj', 'float32', y.shape)
  const projected = mul(b, y, proj)
  const lossScalar =
    y.shape.length === 0
      ? projected
      : reduceSum(
          b,
          projected,
          y.shape.map((_, i) => i),
        )
  const grads = gradients(b, lossScalar, pv)
  b.output('loss', lossScalar)
  grads.forEach((g, i) => {
    b.output(`grad${i}`, g)
  })
  const graph = b.finish()

  const size = (s: readonly number[]) => s.reduce((a, c) => a * c, 1)
  const feeds: Record<string, RefTensor> = {}
  params.forEach((s, i) => {
    feeds[`p${i}`] = {
      shape: s,
      data: Float64Array.from({ length: size(s) }, () => (init ? init(i, 0, rng.nextFloat()) : rng.nextFloat() * 2 - 1)),
    }
  })
  for (const e of extra) feeds[e.name] = e.tensor
  const ys = y.shape as number[]
  feeds.proj = { shape: ys, data: Float64Array.from({ length: size(ys) }, () => rng.nextFloat() * 2 - 1) }

  const out = evaluateReference(graph, feeds)
  let maxAbsError = 0
  let maxRelError = 0
  let checked = 0
  params.forEach((_, i) => {
    const p = feeds[`p${i}`]!
    const g = out[`grad${i}`]!
    for (let k = 0; k < p.data.length; k++) {
      const orig = p.data[k]!
      p.data[k] = orig + eps
      const up = evaluateReference(graph, feeds).loss!.data[0]!
      p.data[k] = orig - eps
      const down = evaluateReference(graph, feeds).loss!.data[0]!
      p.data[k] = orig
      const fd = (up - down) / (2 * eps)
      const ad = g.data[k]!
      const abs = Math.abs(fd - ad)
      maxAbsError = Math.max(maxAbsError, abs)
      maxRelError = Math.max(maxRelError, abs / Math.max(1, Math.abs(fd), Math.abs(ad)))
      checked++
    }
  })
  return { maxAbsError, maxRelError, checked }
}
