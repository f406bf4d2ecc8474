/**
 * The reference evaluator: a small float64 interpreter of murmur's IR. It is the test oracle
 * for every runtime (forward values, finite-difference gradient checks) and lets protocol/
 * be tested without onnxruntime (tinygrad's `ops_null` idea). Correct and slow by design:
 * plain loops, no tiling.
 */
import { GraphError, InvalidArgumentError } from '../errors.js'
import type { Graph, Shape, Value } from '../model/graph.js'
import type { OpAttrs, OpName } from '../model/ops.js'

export interface RefTensor {
  readonly shape: readonly number[]
  readonly data: Float64Array
}

export const refTensor = (shape: readonly number[], data: ArrayLike<number>): RefTensor => ({
  shape: [...shape],
  data: Float64Array.from(data),
})

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)

function strides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length)
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc
    acc *= shape[i]!
  }
  return st
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length)
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1
    const y = b[b.length - n + i] ?? 1
    if (x !== y && x !== 1 && y !== 1) throw new GraphError(`reference: shapes [${a}] and [${b}] do not broadcast.`)
    return x === 1 ? y : x
  })
}

/** Maps a flat index of `out` to the flat index of a tensor of `shape` broadcast into it. */
function broadcastIndex(shape: readonly number[], out: readonly number[]): (i: number) => number {
  const lead = out.length - shape.length
  const st = strides(shape)
  const ost = strides(out)
  return (flat) => {
    let j = 0
    for (let d = 0; d < out.length; d++) {
      const coord = Math.floor(flat / ost[d]!) % out[d]!
      const k = d - lead
      if (k >= 0 && shape[k] !== 1) j += coord * st[k]!
    }
    return j
  }
}

function elementwise(a: RefTensor, b: RefTensor, f: (x: number, y: number) => number): RefTensor {
  const shape = broadcastShape(a.shape, b.shape)
  const ia = broadcastIndex(a.shape, shape)
  const ib = broadcastIndex(b.shape, shape)
  const n = size(shape)
  const data = new Float64Array(n)
  for (let i = 0; i < n; i++) data[i] = f(a.data[ia(i)]!, b.data[ib(i)]!)
  return { shape, data }
}

const map = (a: RefTensor, f: (x: number) => number): RefTensor => ({ shape: a.shape, data: a.data.map(f) })

function reduce(x: RefTensor, axes: readonly number[], keepDims: boolean, init: number, f: (acc: number, v: number) => number): RefTensor {
  const ax = new Set(axes.map((a) => (a < 0 ? a + x.shape.length : a)))
  const kshape = x.shape.map((d, i) => (ax.has(i) ? 1 : d))
  const out = new Float64Array(size(kshape)).fill(init)
  const idx = broadcastIndex(kshape, x.shape)
  for (let i = 0; i < x.data.length; i++) {
    const j = idx(i)
    out[j] = f(out[j]!, x.data[i]!)
  }
  return { shape: keepDims ? kshape : x.shape.filter((_, i) => !ax.has(i)), data: out }
}

function transpose(x: RefTensor, perm: readonly number[]): RefTensor {
  const shape = perm.map((p) => x.shape[p]!)
  const ist = strides(x.shape)
  const ost = strides(shape)
  const data = new Float64Array(x.data.length)
  for (let i = 0; i < data.length; i++) {
    let j = 0
    for (let d = 0; d < shape.length; d++) j += (Math.floor(i / ost[d]!) % shape[d]!) * ist[perm[d]!]!
    data[i] = x.data[j]!
  }
  return { shape, data }
}

function matmul(a: RefTensor, b: RefTensor): RefTensor {
  const [m, k] = a.shape.slice(-2) as [number, number]
  const n = b.shape.at(-1)!
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2))
  const ia = broadcastIndex(a.shape.slice(0, -2), batch)
  const ib = broadcastIndex(b.shape.slice(0, -2), batch)
  const nb = size(batch)
  const data = new Float64Array(nb * m * n)
  for (let t = 0; t < nb; t++) {
    const ao = ia(t) * m * k
    const bo = ib(t) * k * n
    const oo = t * m * n
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let p = 0; p < k; p++) s += a.data[ao + i * k + p]! * b.data[bo + p * n + j]!
        data[oo + i * n + j] = s
      }
  }
  return { shape: [...batch, m, n], data }
}

function sliceAxis(x: RefTensor, axis: number, start: number, end: number): RefTensor {
  const shape = x.shape.map((d, i) => (i === axis ? end - start : d))
  const outer = size(x.shape.slice(0, axis))
  const inner = size(x.shape.slice(axis + 1))
  const d = x.shape[axis]!
  const data = new Float64Array(size(shape))
  let o = 0
  for (let a = 0; a < outer; a++)
    for (let j = start; j < end; j++) {
      const base = (a * d + j) * inner
      for (let c = 0; c < inner; c++) data[o++] = x.data[base + c]!
    }
  return { shape, data }
}

function concatAxis(xs: readonly RefTensor[], axis: number): RefTensor {
  const total = xs.reduce((n, x) => n + x.shape[axis]!, 0)
  const shape = xs[0]!.shape.map((d, i) => (i === axis ? total : d))
  const outer = size(shape.slice(0, axis))
  const inner = size(shape.slice(axis + 1))
  const data = new Float64Array(size(shape))
  let o = 0
  for (let a = 0; a < outer; a++)
    for (const x of xs) {
      const chunk = x.shape[axis]! * inner
      data.set(x.data.subarray(a * chunk, (a + 1) * chunk), o)
      o += chunk
    }
  return { shape, data }
}

type Kernel<K extends OpName> = (inputs: readonly RefTensor[], attrs: OpAttrs[K], resolve: (s: Shape) => number[]) => RefTensor

const kernels: { [K in OpName]: Kernel<K> } = {
  matmul: ([a, b]) => matmul(a!, b!),
  gemm: ([a, b], { transA, transB }) => matmul(transA ? transpose(a!, [1, 0]) : a!, transB ? transpose(b!, [1, 0]) : b!),
  add: ([a, b]) => elementwise(a!, b!, (x, y) => x + y),
  sub: ([a, b]) => elementwise(a!, b!, (x, y) => x - y),
  mul: ([a, b]) => elementwise(a!, b!, (x, y) => x * y),
  div: ([a, b]) => elementwise(a!, b!, (x, y) => x / y),
  neg: ([a]) => map(a!, (x) => -x),
  exp: ([a]) => map(a!, Math.exp),
  log: ([a]) => map(a!, Math.log),
  sqrt: ([a]) => map(a!, Math.sqrt),
  sigmoid: ([a]) => map(a!, (x) => 1 / (1 + Math.exp(-x))),
  abs: ([a]) => map(a!, Math.abs),
  sign: ([a]) => map(a!, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  relu: ([a]) => map(a!, (x) => Math.max(x, 0)),
  reduceSum: ([a], { axes, keepDims }) => reduce(a!, axes, keepDims, 0, (s, v) => s + v),
  reduceMax: ([a], { axes, keepDims }) => reduce(a!, axes, keepDims, Number.NEGATIVE_INFINITY, Math.max),
  reshape: ([a], { shape }, resolve) => {
    const s = resolve(shape)
    if (size(s) !== a!.data.length) throw new GraphError(`reference: reshape of ${a!.data.length} elements to [${s}].`)
    return { shape: s, data: a!.data }
  },
  transpose: ([a], { perm }) => transpose(a!, perm),
  gather: ([table, idx]) => {
    const row = size(table!.shape.slice(1))
    const data = new Float64Array(idx!.data.length * row)
    idx!.data.forEach((r, i) => {
      if (!Number.isInteger(r) || r < 0 || r >= table!.shape[0]!)
        throw new GraphError(`reference: gather index ${r} out of range [0, ${table!.shape[0]}).`)
      data.set(table!.data.subarray(r * row, (r + 1) * row), i * row)
    })
    return { shape: [...idx!.shape, ...table!.shape.slice(1)], data }
  },
  scatterAdd: ([idx, upd], { rows }) => {
    const rowShape = upd!.shape.slice(idx!.shape.length)
    const row = size(rowShape)
    const data = new Float64Array(rows * row)
    idx!.data.forEach((r, i) => {
      for (let c = 0; c < row; c++) data[r * row + c]! += upd!.data[i * row + c]!
    })
    return { shape: [rows, ...rowShape], data }
  },
  concat: (xs, { axis }) => concatAxis(xs, axis < 0 ? axis + xs[0]!.shape.length : axis),
  slice: ([a], { axis, start, end }) => sliceAxis(a!, axis < 0 ? axis + a!.shape.length : axis, start, end),
  pad: ([a], { axis, before, after }) => {
    const ax = axis < 0 ? axis + a!.shape.length : axis
    const parts: RefTensor[] = []
    const zeros = (n: number): RefTensor => {
      const shape = a!.shape.map((d, i) => (i === ax ? n : d))
      return { shape, data: new Float64Array(size(shape)) }
    }
    if (before) parts.push(zeros(before))
    parts.push(a!)
    if (after) parts.push(zeros(after))
    return parts.length === 1 ? a! : concatAxis(parts, ax)
  },
  expandAs: ([a, like]) => elementwise(a!, { shape: like!.shape, data: new Float64Array(size(like!.shape)) }, (x) => x),
  stopGradient: ([a]) => a!,
  square: ([a]) => map(a!, (x) => x * x),
  reduceMean: ([a], { axes, keepDims }) => {
    const s = reduce(a!, axes, keepDims, 0, (acc, v) => acc + v)
    const count = a!.data.length / Math.max(1, s.data.length)
    return { shape: s.shape, data: s.data.map((v) => v / count) }
  },
  softmax: ([a]) => {
    const n = a!.shape.at(-1)!
    const data = new Float64Array(a!.data.length)
    for (let r = 0; r < data.length; r += n) {
      let m = Number.NEGATIVE_INFINITY
      for (let i = 0; i < n; i++) m = Math.max(m, a!.data[r + i]!)
      let z = 0
      for (let i = 0; i < n; i++) z += data[r + i] = Math.exp(a!.data[r + i]! - m)
      for (let i = 0; i < n; i++) data[r + i]! /= z
    }
    return { shape: a!.shape, data }
  },
}

/**
 * Evaluates `graph` in float64 on `feeds` (by input name) and returns every graph output by
 * name. Symbolic dimensions are bound from the feeds' shapes.
 */
export function evaluateReference(graph: Graph, feeds: Readonly<Record<string, RefTensor>>): Record<string, RefTensor> {
  const env = new Map<number, RefTensor>()
  const dims = new Map<string, number>()
  const bind = (name: string, declared: Shape, actual: readonly number[]) => {
    if (declared.length !== actual.length)
      throw new InvalidArgumentError(`Input "${name}" has rank ${actual.length}; the graph expects ${declared.length}.`)
    declared.forEach((d, i) => {
      const a = actual[i]!
      if (typeof d === 'number') {
        if (d !== a) throw new InvalidArgumentError(`Input "${name}" dim ${i} is ${a}; the graph expects ${d}.`)
      } else if (!d.includes('+')) {
        const prev = dims.get(d)
        if (prev !== undefined && prev !== a) throw new InvalidArgumentError(`Dimension "${d}" is ${a} in "${name}" but ${prev} elsewhere.`)
        dims.set(d, a)
      }
    })
  }
  const resolve = (s: Shape): number[] =>
    s.map((d) => {
      if (typeof d === 'number') return d
      return d.split('+').reduce((n, part) => {
        const v = /^\d+$/.test(part) ? Number(part) : dims.get(part)
        if (v === undefined) throw new GraphError(`reference: unbound dimension "${part}".`)
        return n + v
      }, 0)
    })
  for (const { name, value } of graph.inputs) {
    const t = feeds[name]
    if (!t) throw new InvalidArgumentError(`Missing input "${name}".`)
    bind(name, value.shape, t.shape)
    env.set(value.id, t)
  }
  for (const { value, data } of graph.initializers) {
    env.set(value.id, { shape: value.shape as number[], data: Float64Array.from(data as ArrayLike<number | bigint>, Number) })
  }
  const get = (v: Value) => {
    const t = env.get(v.id)
    if (!t) throw new GraphError(`reference: value ${v.id} used before it is computed.`)
    return t
  }
  for (const node of graph.nodes) {
    const kernel = kernels[node.op] as Kernel<OpName>
    env.set(node.output.id, kernel(node.inputs.map(get), node.attrs, resolve))
  }
  return Object.fromEntries(graph.outputs.map(({ name, value }) => [name, get(value)]))
}
