// consensus-critical: backward graphs are part of the training graph bytes.
/**
 * Reverse-mode autodiff over the IR. One backward rule per op, in one table; the mapped type
 * makes a new op without a rule a compile error (STYLE.md §8). Each rule returns one
 * gradient per input, in input order; `null` = not differentiable / no gradient.
 */
import { GraphError } from '../errors.js'
import type { GraphBuilder, Node, Shape, Value } from './graph.js'
import {
  abs,
  add,
  div,
  expandAs,
  gather,
  gemm,
  matmul,
  mul,
  neg,
  type OpAttrs,
  type OpName,
  pad,
  reduceSum,
  reshape,
  scatterAdd,
  sign,
  slice,
  sub,
  transpose,
  transposeLast2,
} from './ops.js'

type GradRule<K extends OpName> = (b: GraphBuilder, g: Value, node: Node<K> & { attrs: OpAttrs[K] }) => (Value | null)[]

/** Sums `g` (shaped like a broadcast result) back down to `target`'s shape. */
export function unbroadcast(b: GraphBuilder, g: Value, target: Shape): Value {
  const gs = g.shape
  if (gs.length === target.length && gs.every((d, i) => d === target[i])) return g
  const lead = gs.length - target.length
  const axes: number[] = []
  gs.forEach((d, i) => {
    const t = i < lead ? undefined : target[i - lead]
    if (t === undefined || (t === 1 && d !== 1)) axes.push(i)
  })
  const summed = axes.length ? reduceSum(b, g, axes, true) : g
  return lead > 0 || summed.shape.some((d, i) => d !== target[i]) ? reshape(b, summed, target) : summed
}

/** Puts back the reduced axes of a keepDims=false reduction as size-1 dims. */
function keepDimsShape(x: Shape, axes: readonly number[]): Shape {
  const set = new Set(axes.map((a) => (a < 0 ? a + x.length : a)))
  return x.map((d, i) => (set.has(i) ? 1 : d))
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length)
  perm.forEach((p, i) => {
    inv[p] = i
  })
  return inv
}

export const gradRules: { [K in OpName]: GradRule<K> } = {
  matmul: (b, g, { inputs: [x, y] }) => [
    unbroadcast(b, matmul(b, g, transposeLast2(b, y!)), x!.shape),
    unbroadcast(b, matmul(b, transposeLast2(b, x!), g), y!.shape),
  ],
  gemm: (b, g, { inputs: [x, y], attrs: { transA, transB } }) => {
    if (!transA && !transB) return [gemm(b, g, y!, false, true), gemm(b, x!, g, true, false)]
    if (!transA && transB) return [gemm(b, g, y!, false, false), gemm(b, g, x!, true, false)]
    if (transA && !transB) return [gemm(b, y!, g, false, true), gemm(b, x!, g, false, false)]
    return [gemm(b, y!, g, true, true), gemm(b, g, x!, true, true)]
  },
  add: (b, g, { inputs: [x, y] }) => [unbroadcast(b, g, x!.shape), unbroadcast(b, g, y!.shape)],
  sub: (b, g, { inputs: [x, y] }) => [unbroadcast(b, g, x!.shape), unbroadcast(b, neg(b, g), y!.shape)],
  mul: (b, g, { inputs: [x, y] }) => [unbroadcast(b, mul(b, g, y!), x!.shape), unbroadcast(b, mul(b, g, x!), y!.shape)],
  div: (b, g, { inputs: [x, y], output }) => [
    unbroadcast(b, div(b, g, y!), x!.shape),
    unbroadcast(b, neg(b, div(b, mul(b, g, output), y!)), y!.shape),
  ],
  neg: (b, g) => [neg(b, g)],
  exp: (b, g, { output }) => [mul(b, g, output)],
  log: (b, g, { inputs: [x] }) => [div(b, g, x!)],
  sqrt: (b, g, { output }) => [div(b, mul(b, g, 0.5), output)],
  sigmoid: (b, g, { output }) => [mul(b, mul(b, g, output), sub(b, 1, output))],
  abs: (b, g, { inputs: [x] }) => [mul(b, g, sign(b, x!))],
  sign: () => [null],
  relu: (b, g, { output }) => [mul(b, g, sign(b, output))],
  reduceSum: (b, g, { inputs: [x], attrs: { axes, keepDims } }) => {
    const gk = keepDims ? g : reshape(b, g, keepDimsShape(x!.shape, axes))
    return [expandAs(b, gk, x!)]
  },
  reduceMax: (b, g, { inputs: [x], output, attrs: { axes, keepDims } }) => {
    // subgradient: the gradient flows to every position equal to the max. mask = 1 - sign|x - max|
    // is exact in floating point (no compare op, WebGPU-friendly).
    const yk = keepDims ? output : reshape(b, output, keepDimsShape(x!.shape, axes))
    const gk = keepDims ? g : reshape(b, g, keepDimsShape(x!.shape, axes))
    const mask = sub(b, 1, sign(b, abs(b, sub(b, x!, yk))))
    return [mul(b, expandAs(b, gk, x!), mask)]
  },
  reshape: (b, g, { inputs: [x] }) => [reshape(b, g, x!.shape)],
  transpose: (b, g, { attrs: { perm } }) => [transpose(b, g, inversePerm(perm))],
  gather: (b, g, { inputs: [table, idx] }) => {
    const rows = table!.shape[0]
    if (typeof rows !== 'number') throw new GraphError('gather: the gradient needs a static table size.')
    return [scatterAdd(b, idx!, g, rows), null]
  },
  scatterAdd: (b, g, { inputs: [idx] }) => [null, gather(b, g, idx!)],
  concat: (b, g, { inputs, attrs: { axis } }) => {
    const ax = axis < 0 ? axis + g.shape.length : axis
    let start = 0
    return inputs.map((x) => {
      const d = x.shape[ax]
      if (typeof d !== 'number') throw new GraphError('concat: the gradient needs static sizes along the concat axis.')
      const s = slice(b, g, ax, start, start + d)
      start += d
      return s
    })
  },
  slice: (b, g, { inputs: [x], attrs: { axis, start, end } }) => {
    const ax = axis < 0 ? axis + x!.shape.length : axis
    return [pad(b, g, ax, start, (x!.shape[ax] as number) - end)]
  },
  pad: (b, g, { inputs: [x], attrs: { axis, before } }) => {
    const ax = axis < 0 ? axis + x!.shape.length : axis
    return [slice(b, g, ax, before, before + (x!.shape[ax] as number))]
  },
  expandAs: (b, g, { inputs: [x] }) => [unbroadcast(b, g, x!.shape), null],
  stopGradient: () => [null],
  square: (b, g, { inputs: [x] }) => [mul(b, g, mul(b, x!, 2))],
  reduceMean: (b, g, { inputs: [x], attrs: { axes, keepDims } }) => {
    let count = 1
    for (const a of axes) {
      const d = x!.shape[a < 0 ? a + x!.shape.length : a]
      if (typeof d !== 'number') throw new GraphError('reduceMean: the gradient needs static sizes on the reduced axes.')
      count *= d
    }
    const gk = keepDims ? g : reshape(b, g, keepDimsShape(x!.shape, axes))
    return [expandAs(b, mul(b, gk, 1 / count), x!)]
  },
  // y = softmax(x): dx = y · (g − Σ g·y) over the last axis
  softmax: (b, g, { output }) => [mul(b, output, sub(b, g, reduceSum(b, mul(b, g, output), [-1], true)))],
}

/**
 * Appends the backward graph of `loss` (a float32 scalar) to `b` and returns d loss / d w for
 * every `wrt` value, in order. Values that `loss` does not depend on get an explicit zero
 * gradient so callers always receive one tensor per parameter.
 */
export function gradients(b: GraphBuilder, loss: Value, wrt: readonly Value[]): Value[] {
  if (loss.shape.length !== 0 || loss.dtype !== 'float32')
    throw new GraphError(`gradients: loss must be a float32 scalar, got ${loss.dtype}[${loss.shape.join(', ')}].`)
  const nodes = [...b.nodes]
  // forward pass: which values depend on some wrt value
  const needs = new Set<number>(wrt.map((w) => w.id))
  for (const n of nodes) if (n.inputs.some((i) => needs.has(i.id))) needs.add(n.output.id)
  if (!needs.has(loss.id)) throw new GraphError('gradients: loss does not depend on any parameter.')

  const grads = new Map<number, Value>()
  grads.set(loss.id, b.scalar(1))
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!
    const g = grads.get(node.output.id)
    if (!g || !needs.has(node.output.id)) continue
    const rule = gradRules[node.op] as GradRule<OpName>
    const inputGrads = rule(b, g, node)
    node.inputs.forEach((input, k) => {
      const gi = inputGrads[k]
      if (!gi || !needs.has(input.id)) return
      const prev = grads.get(input.id)
      grads.set(input.id, prev ? add(b, prev, gi) : gi)
    })
  }
  return wrt.map((w) => grads.get(w.id) ?? expandAs(b, b.scalar(0), w))
}
