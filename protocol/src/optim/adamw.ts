// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019, Alg. 2) with
 * PyTorch's `torch.optim.AdamW` formula, and gradient clipping by global L2 norm
 * (`torch.nn.utils.clip_grad_norm_`). Deterministic on every JS engine: per element, the update
 * is computed in float64 with + − × ÷ and Math.sqrt only (β^t is kept as a running product, not
 * Math.pow) and rounded to float32 once per stored value; the norm sums in a fixed order (names
 * sorted). Parameters and gradients are updated in place.
 *
 * Per parameter θ with gradient g, at step t (1-based), lr η, decay λ:
 *   θ ← θ · (1 − η·λ)                       (skipped for norms and biases by default)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − (η / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 */
import { InvalidArgumentError } from '../errors.js'

/** A float32 parameter or gradient: a bare array or a tensor such as a Weights entry. */
export type NamedArrays = ReadonlyMap<string, Float32Array | { readonly data: Float32Array }>

export interface AdamWState {
  /** Number of steps taken. */
  step: number
  /** β1^step and β2^step, as running float64 products. */
  beta1Power: number
  beta2Power: number
  /** First and second moments per parameter name, float32. */
  m: Map<string, Float32Array>
  v: Map<string, Float32Array>
}

export interface AdamWParameters {
  params: NamedArrays
  grads: NamedArrays
  state: AdamWState
  lr: number
  /** Default [0.9, 0.999]. */
  betas?: readonly [number, number]
  /** Default 1e-8. */
  eps?: number
  /** Decoupled weight decay λ. Default 0.01 (PyTorch's default). */
  weightDecay?: number
  /** Which parameters get weight decay. Default: all but norms and biases ({@link decaysByDefault}). */
  decays?: (name: string) => boolean
}

const arrayOf = (x: Float32Array | { readonly data: Float32Array }): Float32Array => (x instanceof Float32Array ? x : x.data)

/** Default weight-decay rule: every matrix decays; RMSNorm weights and biases do not. */
export function decaysByDefault(name: string): boolean {
  return !(name.endsWith('.bias') || name.endsWith('norm.weight'))
}

/** Fresh optimiser state: step 0, moments allocated on first use. */
export function createAdamWState(): AdamWState {
  return { step: 0, beta1Power: 1, beta2Power: 1, m: new Map(), v: new Map() }
}

function assertInRange(name: string, v: number, lo: number, hi: number, loOpen = false, hiOpen = false): void {
  const ok = Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi)
  if (!ok) {
    const range = hi === Number.MAX_VALUE ? `a finite number ≥ ${lo}` : `in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`
    throw new InvalidArgumentError(`AdamW ${name} must be ${range}, got ${v}.`, {
      [name]: v,
    })
  }
}

/**
 * One AdamW step over every parameter that has a gradient (parameters without one are left
 * alone, as PyTorch does with `grad is None`). Updates `params` and `state` in place.
 */
export function adamWStep({
  params,
  grads,
  state,
  lr,
  betas = [0.9, 0.999],
  eps = 1e-8,
  weightDecay = 0.01,
  decays = decaysByDefault,
}: AdamWParameters): void {
  const [beta1, beta2] = betas
  assertInRange('lr', lr, 0, Number.MAX_VALUE)
  assertInRange('beta1', beta1, 0, 1, false, true)
  assertInRange('beta2', beta2, 0, 1, false, true)
  assertInRange('eps', eps, 0, Number.MAX_VALUE)
  assertInRange('weightDecay', weightDecay, 0, Number.MAX_VALUE)
  const names = [...grads.keys()].sort()
  for (const name of names) {
    const p = params.get(name)
    if (p === undefined) throw new InvalidArgumentError(`AdamW got a gradient for "${name}", which is not a parameter.`, { name })
    const n = arrayOf(p).length
    if (arrayOf(grads.get(name)!).length !== n) {
      throw new InvalidArgumentError(`AdamW gradient "${name}" has ${arrayOf(grads.get(name)!).length} elements; the parameter has ${n}.`, {
        name,
      })
    }
    const m = state.m.get(name)
    if (m !== undefined && m.length !== n) {
      throw new InvalidArgumentError(`AdamW state for "${name}" has ${m.length} elements; the parameter has ${n}.`, { name })
    }
  }

  state.step += 1
  state.beta1Power *= beta1
  state.beta2Power *= beta2
  const stepSize = lr / (1 - state.beta1Power)
  const bias2Sqrt = Math.sqrt(1 - state.beta2Power)

  for (const name of names) {
    const theta = arrayOf(params.get(name)!)
    const g = arrayOf(grads.get(name)!)
    let m = state.m.get(name)
    let v = state.v.get(name)
    if (m === undefined || v === undefined) {
      m = new Float32Array(theta.length)
      v = new Float32Array(theta.length)
      state.m.set(name, m)
      state.v.set(name, v)
    }
    const shrink = decays(name) ? 1 - lr * weightDecay : 1
    for (let i = 0; i < theta.length; i++) {
      const gi = g[i]!
      m[i] = beta1 * m[i]! + (1 - beta1) * gi
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi
      const denom = Math.sqrt(v[i]!) / bias2Sqrt + eps
      theta[i] = theta[i]! * shrink - (stepSize * m[i]!) / denom
    }
  }
}

/**
 * `into[name] += scale · grads[name]` for every gradient, allocating `into`'s arrays on first
 * use: gradient accumulation over the pieces of a batch too big for one pass of the graph.
 * @returns `into`.
 */
export function accumulateGradients(into: Map<string, Float32Array>, grads: NamedArrays, scale: number): Map<string, Float32Array> {
  if (!Number.isFinite(scale)) throw new InvalidArgumentError(`accumulateGradients needs a finite scale, got ${scale}.`)
  for (const [name, value] of grads) {
    const g = arrayOf(value)
    let acc = into.get(name)
    if (acc === undefined) {
      acc = new Float32Array(g.length)
      into.set(name, acc)
    } else if (acc.length !== g.length) {
      throw new InvalidArgumentError(`Gradient "${name}" has ${g.length} elements; the accumulator has ${acc.length}.`, { name })
    }
    for (let i = 0; i < g.length; i++) acc[i]! += scale * g[i]!
  }
  return into
}

/**
 * Scales all gradients in place so their global L2 norm is at most `maxNorm`, as
 * `torch.nn.utils.clip_grad_norm_` does: coefficient min(1, maxNorm / (norm + 1e-6)). The norm
 * is accumulated in float64 over tensors sorted by name, elements in order.
 * @returns the global norm before clipping.
 * @throws InvalidArgumentError if a gradient holds NaN or ±Inf (naming it).
 */
export function clipGradNorm(grads: NamedArrays, maxNorm: number): number {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new InvalidArgumentError(`maxNorm must be a finite number > 0, got ${maxNorm}.`)
  const names = [...grads.keys()].sort()
  let sumSq = 0
  for (const name of names) {
    const g = arrayOf(grads.get(name)!)
    for (let i = 0; i < g.length; i++) {
      const x = g[i]!
      if (!Number.isFinite(x)) {
        throw new InvalidArgumentError(`Gradient "${name}" has ${x} at element ${i}; cannot clip a non-finite gradient.`, {
          name,
          index: i,
        })
      }
      sumSq += x * x
    }
  }
  const norm = Math.sqrt(sumSq)
  const coef = maxNorm / (norm + 1e-6)
  if (coef < 1) {
    for (const name of names) {
      const g = arrayOf(grads.get(name)!)
      for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef
    }
  }
  return norm
}
