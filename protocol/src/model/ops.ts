// consensus-critical: op semantics define the model; changes need new vectors.
/**
 * The primitive op set. Each op has one output, a shape rule here, a backward rule in
 * `grad.ts`, an ONNX lowering in `onnx-lowering.ts` and a float64 kernel in
 * `../runtime/reference.ts`; all four tables are mapped types over {@link OpName}, so a new
 * op without any of them does not compile. Composite functions (softmax, RMSNorm,
 * attention, the GRPO loss) are built from these in `layers.ts` and `llama.ts`.
 *
 * WebGPU-friendly by construction (DESIGN.md §2): no OneHot, TopK, Trilu, int64 compare or
 * cast; masks and positions arrive as float inputs from JavaScript.
 */
import { GraphError } from '../errors.js'
import { type Dim, type DType, formatShape, type GraphBuilder, type Shape, type Value } from './graph.js'

export interface OpAttrs {
  matmul: Record<string, never>
  gemm: { transA: boolean; transB: boolean }
  add: Record<string, never>
  sub: Record<string, never>
  mul: Record<string, never>
  div: Record<string, never>
  neg: Record<string, never>
  exp: Record<string, never>
  log: Record<string, never>
  sqrt: Record<string, never>
  sigmoid: Record<string, never>
  abs: Record<string, never>
  sign: Record<string, never>
  relu: Record<string, never>
  reduceSum: { axes: readonly number[]; keepDims: boolean }
  reduceMax: { axes: readonly number[]; keepDims: boolean }
  reshape: { shape: Shape }
  transpose: { perm: readonly number[] }
  gather: Record<string, never>
  scatterAdd: { rows: number }
  concat: { axis: number }
  slice: { axis: number; start: number; end: number }
  pad: { axis: number; before: number; after: number }
  expandAs: Record<string, never>
  stopGradient: Record<string, never>
  square: Record<string, never>
  reduceMean: { axes: readonly number[]; keepDims: boolean }
  softmax: Record<string, never>
}

export type OpName = keyof OpAttrs
export type AttrsOf<K extends OpName> = OpAttrs[K]

const NONE = {} as Record<string, never>

function fail(op: string, inputs: readonly Value[], why: string): never {
  throw new GraphError(`${op}: ${why} (inputs ${inputs.map((v) => `${v.dtype}${formatShape(v.shape)}`).join(', ')}).`)
}

function broadcastShapes(op: string, inputs: readonly Value[], a: Shape, b: Shape): Dim[] {
  const n = Math.max(a.length, b.length)
  const out: Dim[] = []
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1
    const y = b[b.length - n + i] ?? 1
    if (x === y) out.push(x)
    else if (x === 1) out.push(y)
    else if (y === 1) out.push(x)
    else fail(op, inputs, `shapes do not broadcast at axis ${i}: ${x} vs ${y}`)
  }
  return out
}

function normAxis(op: string, inputs: readonly Value[], axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis
  if (!Number.isInteger(a) || a < 0 || a >= rank) fail(op, inputs, `axis ${axis} out of range for rank ${rank}`)
  return a
}

function requireFloat(op: string, inputs: readonly Value[], ...idx: number[]): void {
  for (const i of idx) if (inputs[i]?.dtype !== 'float32') fail(op, inputs, `input ${i} must be float32`)
}

function sumDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b
  if (a === 0) return b
  if (b === 0) return a
  return `${a}+${b}`
}

type Inferred = { dtype: DType; shape: Shape }
const unary =
  (op: string) =>
  (inputs: readonly Value[]): Inferred => {
    requireFloat(op, inputs, 0)
    return { dtype: 'float32', shape: inputs[0]!.shape }
  }
const binary =
  (op: string) =>
  (inputs: readonly Value[]): Inferred => {
    requireFloat(op, inputs, 0, 1)
    return { dtype: 'float32', shape: broadcastShapes(op, inputs, inputs[0]!.shape, inputs[1]!.shape) }
  }
const reduce =
  (op: string) =>
  (inputs: readonly Value[], { axes, keepDims }: { axes: readonly number[]; keepDims: boolean }): Inferred => {
    requireFloat(op, inputs, 0)
    const s = inputs[0]!.shape
    const set = new Set(axes.map((a) => normAxis(op, inputs, a, s.length)))
    if (set.size !== axes.length || axes.length === 0) fail(op, inputs, `axes [${axes.join(', ')}] must be distinct and non-empty`)
    const shape = keepDims ? s.map((d, i) => (set.has(i) ? 1 : d)) : s.filter((_, i) => !set.has(i))
    return { dtype: 'float32', shape }
  }

/** Shape and dtype rules, one per op. */
const inference: { [K in OpName]: (inputs: readonly Value[], attrs: OpAttrs[K]) => Inferred } = {
  matmul(inputs) {
    requireFloat('matmul', inputs, 0, 1)
    const [a, b] = [inputs[0]!.shape, inputs[1]!.shape]
    if (a.length < 2 || b.length < 2) fail('matmul', inputs, 'both operands need rank >= 2')
    if (a.at(-1) !== b.at(-2)) fail('matmul', inputs, `inner dimensions differ: ${a.at(-1)} vs ${b.at(-2)}`)
    const batch = broadcastShapes('matmul', inputs, a.slice(0, -2), b.slice(0, -2))
    return { dtype: 'float32', shape: [...batch, a.at(-2)!, b.at(-1)!] }
  },
  gemm(inputs, { transA, transB }) {
    requireFloat('gemm', inputs, 0, 1)
    const [a, b] = [inputs[0]!.shape, inputs[1]!.shape]
    if (a.length !== 2 || b.length !== 2) fail('gemm', inputs, 'operands must be 2-D')
    const [m, ka] = transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!]
    const [kb, n] = transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!]
    if (ka !== kb) fail('gemm', inputs, `inner dimensions differ: ${ka} vs ${kb}`)
    return { dtype: 'float32', shape: [m, n] }
  },
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  neg: unary('neg'),
  exp: unary('exp'),
  log: unary('log'),
  sqrt: unary('sqrt'),
  sigmoid: unary('sigmoid'),
  abs: unary('abs'),
  sign: unary('sign'),
  relu: unary('relu'),
  reduceSum: reduce('reduceSum'),
  reduceMax: reduce('reduceMax'),
  reshape(inputs, { shape }) {
    const from = inputs[0]!.shape
    const staticSize = (s: Shape) => s.reduce<number>((n, d) => n * (typeof d === 'number' ? d : 1), 1)
    const symbolic = (s: Shape) =>
      s
        .filter((d) => typeof d === 'string')
        .sort()
        .join('*')
    if (staticSize(from) !== staticSize(shape) || symbolic(from) !== symbolic(shape)) {
      fail('reshape', inputs, `cannot reshape to ${formatShape(shape)}`)
    }
    return { dtype: inputs[0]!.dtype, shape }
  },
  transpose(inputs, { perm }) {
    const s = inputs[0]!.shape
    if (perm.length !== s.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
      fail('transpose', inputs, `bad perm [${perm.join(', ')}]`)
    return { dtype: inputs[0]!.dtype, shape: perm.map((p) => s[p]!) }
  },
  gather(inputs) {
    requireFloat('gather', inputs, 0)
    if (inputs[1]?.dtype !== 'int64') fail('gather', inputs, 'indices must be int64')
    return { dtype: 'float32', shape: [...inputs[1]!.shape, ...inputs[0]!.shape.slice(1)] }
  },
  scatterAdd(inputs, { rows }) {
    if (inputs[0]?.dtype !== 'int64') fail('scatterAdd', inputs, 'indices must be int64')
    requireFloat('scatterAdd', inputs, 1)
    const [idx, upd] = [inputs[0]!.shape, inputs[1]!.shape]
    if (upd.length < idx.length || idx.some((d, i) => upd[i] !== d)) fail('scatterAdd', inputs, 'updates must start with the indices shape')
    return { dtype: 'float32', shape: [rows, ...upd.slice(idx.length)] }
  },
  concat(inputs, { axis }) {
    if (inputs.length < 2) fail('concat', inputs, 'needs at least two inputs')
    const rank = inputs[0]!.shape.length
    const ax = normAxis('concat', inputs, axis, rank)
    let along: Dim = 0
    for (const v of inputs) {
      if (v.shape.length !== rank || v.dtype !== inputs[0]!.dtype) fail('concat', inputs, 'inputs differ in rank or dtype')
      v.shape.forEach((d, i) => {
        if (i !== ax && d !== inputs[0]!.shape[i]) fail('concat', inputs, `inputs differ at axis ${i}`)
      })
      along = sumDims(along, v.shape[ax]!)
    }
    return { dtype: inputs[0]!.dtype, shape: inputs[0]!.shape.map((d, i) => (i === ax ? along : d)) }
  },
  slice(inputs, { axis, start, end }) {
    const s = inputs[0]!.shape
    const ax = normAxis('slice', inputs, axis, s.length)
    const d = s[ax]
    if (typeof d !== 'number' || !(0 <= start && start < end && end <= d))
      fail('slice', inputs, `range [${start}, ${end}) invalid on axis ${ax}`)
    return { dtype: inputs[0]!.dtype, shape: s.map((x, i) => (i === ax ? end - start : x)) }
  },
  pad(inputs, { axis, before, after }) {
    requireFloat('pad', inputs, 0)
    const s = inputs[0]!.shape
    const ax = normAxis('pad', inputs, axis, s.length)
    const d = s[ax]
    if (typeof d !== 'number' || before < 0 || after < 0) fail('pad', inputs, `cannot pad axis ${ax}`)
    return { dtype: 'float32', shape: s.map((x, i) => (i === ax ? d + before + after : x)) }
  },
  expandAs(inputs) {
    requireFloat('expandAs', inputs, 0)
    const out = broadcastShapes('expandAs', inputs, inputs[0]!.shape, inputs[1]!.shape)
    if (out.length !== inputs[1]!.shape.length || out.some((d, i) => d !== inputs[1]!.shape[i]))
      fail('expandAs', inputs, 'input does not broadcast to the target')
    return { dtype: 'float32', shape: inputs[1]!.shape }
  },
  stopGradient: unary('stopGradient'),
  square: unary('square'),
  reduceMean: reduce('reduceMean'),
  softmax: unary('softmax'),
}

export function inferOp<K extends OpName>(op: K, inputs: readonly Value[], attrs: OpAttrs[K]): Inferred {
  return (inference[op] as (i: readonly Value[], a: OpAttrs[K]) => Inferred)(inputs, attrs)
}

// ---------------------------------------------------------------------------------------------
// Builder helpers: the vocabulary model code is written in.

type B = GraphBuilder
const asValue = (b: B, x: Value | number): Value => (typeof x === 'number' ? b.scalar(x) : x)

export const matmul = (b: B, x: Value, y: Value) => b.node('matmul', [x, y], NONE)
export const gemm = (b: B, x: Value, y: Value, transA = false, transB = false) => b.node('gemm', [x, y], { transA, transB })
export const add = (b: B, x: Value | number, y: Value | number) => b.node('add', [asValue(b, x), asValue(b, y)], NONE)
export const sub = (b: B, x: Value | number, y: Value | number) => b.node('sub', [asValue(b, x), asValue(b, y)], NONE)
export const mul = (b: B, x: Value | number, y: Value | number) => b.node('mul', [asValue(b, x), asValue(b, y)], NONE)
export const div = (b: B, x: Value | number, y: Value | number) => b.node('div', [asValue(b, x), asValue(b, y)], NONE)
export const neg = (b: B, x: Value) => b.node('neg', [x], NONE)
export const exp = (b: B, x: Value) => b.node('exp', [x], NONE)
export const log = (b: B, x: Value) => b.node('log', [x], NONE)
export const sqrt = (b: B, x: Value) => b.node('sqrt', [x], NONE)
export const sigmoid = (b: B, x: Value) => b.node('sigmoid', [x], NONE)
export const abs = (b: B, x: Value) => b.node('abs', [x], NONE)
export const sign = (b: B, x: Value) => b.node('sign', [x], NONE)
export const relu = (b: B, x: Value) => b.node('relu', [x], NONE)
export const reduceSum = (b: B, x: Value, axes: readonly number[], keepDims = false) =>
  b.node('reduceSum', [x], { axes: [...axes], keepDims })
export const reduceMax = (b: B, x: Value, axes: readonly number[], keepDims = false) =>
  b.node('reduceMax', [x], { axes: [...axes], keepDims })
export const reshape = (b: B, x: Value, shape: Shape) =>
  x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i]) ? x : b.node('reshape', [x], { shape: [...shape] })
export const transpose = (b: B, x: Value, perm: readonly number[]) => b.node('transpose', [x], { perm: [...perm] })
export const gather = (b: B, table: Value, indices: Value) => b.node('gather', [table, indices], NONE)
export const scatterAdd = (b: B, indices: Value, updates: Value, rows: number) => b.node('scatterAdd', [indices, updates], { rows })
export const concat = (b: B, xs: readonly Value[], axis: number) => b.node('concat', xs, { axis })
export const slice = (b: B, x: Value, axis: number, start: number, end: number) => b.node('slice', [x], { axis, start, end })
export const pad = (b: B, x: Value, axis: number, before: number, after: number) => b.node('pad', [x], { axis, before, after })
export const expandAs = (b: B, x: Value, like: Value) => b.node('expandAs', [x, like], NONE)
export const stopGradient = (b: B, x: Value) => b.node('stopGradient', [x], NONE)
export const square = (b: B, x: Value) => b.node('square', [x], NONE)
export const reduceMean = (b: B, x: Value, axes: readonly number[], keepDims = false) =>
  b.node('reduceMean', [x], { axes: [...axes], keepDims })
/** Softmax over the last axis (one ONNX Softmax node; numerically stable in every runtime). */
export const softmax = (b: B, x: Value) => b.node('softmax', [x], NONE)

/** Swaps the last two axes. */
export function transposeLast2(b: B, x: Value): Value {
  const r = x.shape.length
  const perm = [...Array(r).keys()]
  perm[r - 2] = r - 1
  perm[r - 1] = r - 2
  return transpose(b, x, perm)
}
