/**
 * Composite layers built from primitives. Each is a plain function of the builder, so its
 * backward graph comes from the primitives' rules; no layer needs its own gradient.
 */
import type { GraphBuilder, Value } from './graph.js'
import {
  abs,
  add,
  div,
  exp,
  log,
  mul,
  reduceMax,
  reduceMean,
  reduceSum,
  sigmoid,
  softmax as softmaxOp,
  sqrt,
  square,
  stopGradient,
  sub,
} from './ops.js'

type B = GraphBuilder

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · w. Zhang & Sennrich 2019, eq. 4. */
export function rmsNorm(b: B, x: Value, weight: Value, eps: number): Value {
  // Pow(x, 2) → ReduceMean → Add → Sqrt → Div → Mul: the pattern onnxruntime fuses into one
  // SimplifiedLayerNormalization kernel
  const meanSq = reduceMean(b, square(b, x), [-1], true)
  return mul(b, div(b, x, sqrt(b, add(b, meanSq, eps))), weight)
}

/** Softmax over the last axis: one primitive (ONNX Softmax), its backward y·(g − Σ g·y). */
export function softmax(b: B, x: Value): Value {
  return softmaxOp(b, x)
}

/** log-softmax over the last axis: (x − m) − log Σ exp(x − m), WebGPU-friendly (DESIGN.md §2). */
export function logSoftmax(b: B, x: Value): Value {
  const z = sub(b, x, stopGradient(b, reduceMax(b, x, [-1], true)))
  return sub(b, z, log(b, reduceSum(b, exp(b, z), [-1], true)))
}

/** SiLU(x) = x·σ(x) (Elfwing et al. 2018), the gate of SwiGLU. */
export function silu(b: B, x: Value): Value {
  return mul(b, x, sigmoid(b, x))
}

/** Elementwise min(x, y) = (x + y − |x − y|) / 2: no compare op, exact subgradients. */
export function minimum(b: B, x: Value | number, y: Value | number): Value {
  const xv = typeof x === 'number' ? b.scalar(x) : x
  const yv = typeof y === 'number' ? b.scalar(y) : y
  return mul(b, sub(b, add(b, xv, yv), abs(b, sub(b, xv, yv))), 0.5)
}

/** Elementwise max(x, y) = (x + y + |x − y|) / 2. */
export function maximum(b: B, x: Value | number, y: Value | number): Value {
  const xv = typeof x === 'number' ? b.scalar(x) : x
  const yv = typeof y === 'number' ? b.scalar(y) : y
  return mul(b, add(b, add(b, xv, yv), abs(b, sub(b, xv, yv))), 0.5)
}

/** clip(x, lo, hi) = min(max(x, lo), hi). */
export function clip(b: B, x: Value, lo: number, hi: number): Value {
  return minimum(b, maximum(b, x, lo), hi)
}

/**
 * The [D, D] matrix R with x·R = rotate_half(x) = concat(−x[D/2:], x[:D/2]) (Hugging Face's
 * RoPE convention). Multiplying by ±1 and adding zeros is exact, so this equals the slice form.
 */
export function rotateHalfMatrix(headDim: number): Float32Array {
  const half = headDim / 2
  const r = new Float32Array(headDim * headDim)
  for (let j = 0; j < half; j++) r[(j + half) * headDim + j] = -1
  for (let j = half; j < headDim; j++) r[(j - half) * headDim + j] = 1
  return r
}
