// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The run's outer optimiser (DiLoCo, Douillard et al. 2023, §2): it applies the aggregate
 * pseudo-gradient Δ̄_r to θ_r.
 *
 *   sgd:       θ_{r+1} = θ_r − lr · Δ̄_r
 *   nesterov:  m_{r+1} = μ · m_r + Δ̄_r                     (m_0 = 0)
 *              θ_{r+1} = θ_r − lr · (Δ̄_r + μ · m_{r+1})    (PyTorch's SGD(nesterov=True) form)
 *
 * Each output element is one float64 expression over float32 inputs, rounded once to float32
 * (−0 folded to +0); m_{r+1} is rounded to float32 before θ uses it, so the momentum a peer
 * stores is exactly the one it used. The momentum is a pure function of the committed
 * aggregates Δ̄_0..Δ̄_r ({@link momentumFromHistory}), so a peer can always re-derive it.
 */
import { InvalidArgumentError } from '../errors.js'
import type { RunManifest } from '../messages/run-manifest.js'
import { deriveSeed } from '../random/rng.js'

export type OuterOptimizer = { kind: 'sgd'; learningRate: number } | { kind: 'nesterov'; learningRate: number; momentum: number }

/** The manifest's outer optimiser: Nesterov when `outerMomentum` > 0, SGD otherwise. */
export function outerOptimizerOf(m: Pick<RunManifest, 'outerLearningRate' | 'outerMomentum'>): OuterOptimizer {
  return m.outerMomentum > 0
    ? { kind: 'nesterov', learningRate: m.outerLearningRate, momentum: m.outerMomentum }
    : { kind: 'sgd', learningRate: m.outerLearningRate }
}

export interface OuterStepParameters {
  /** θ_r, flattened in canonical parameter order. */
  theta: Float32Array
  /** Δ̄_r from aggregateDeltas. */
  update: Float32Array
  optimizer: OuterOptimizer
  /** m_r for Nesterov (zeros, or null, in round 0); ignored by SGD. */
  momentum?: Float32Array | null
}

export interface OuterStepResult {
  theta: Float32Array
  /** m_{r+1} for Nesterov, null for SGD. */
  momentum: Float32Array | null
}

function assertOptimizer(o: OuterOptimizer): void {
  if (!Number.isFinite(o.learningRate)) throw new InvalidArgumentError(`Outer learning rate must be finite, got ${o.learningRate}.`)
  if (o.kind === 'nesterov' && !(o.momentum >= 0 && o.momentum < 1))
    throw new InvalidArgumentError(`Outer momentum must be in [0, 1), got ${o.momentum}.`)
}

const f32 = (v: number) => (v === 0 ? 0 : Math.fround(v))

/** θ_{r+1} (and m_{r+1}) from θ_r, Δ̄_r and m_r. */
export function outerStep({ theta, update, optimizer, momentum = null }: OuterStepParameters): OuterStepResult {
  assertOptimizer(optimizer)
  const n = theta.length
  if (update.length !== n) throw new InvalidArgumentError(`The update has ${update.length} values; θ has ${n}.`)
  const lr = optimizer.learningRate
  const next = new Float32Array(n)
  if (optimizer.kind === 'sgd') {
    for (let i = 0; i < n; i++) next[i] = f32(theta[i]! - lr * update[i]!)
    return { theta: next, momentum: null }
  }
  if (momentum !== null && momentum.length !== n) throw new InvalidArgumentError(`The momentum has ${momentum.length} values; θ has ${n}.`)
  const mu = optimizer.momentum
  const m = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const mi = f32(mu * (momentum === null ? 0 : momentum[i]!) + update[i]!)
    m[i] = mi
    next[i] = f32(theta[i]! - lr * (update[i]! + mu * mi))
  }
  return { theta: next, momentum: m }
}

/** m_r re-derived from the committed aggregates Δ̄_0..Δ̄_{r−1}, oldest first (m_0 = 0). */
export function momentumFromHistory({
  updates,
  momentum,
  numel,
}: {
  updates: readonly Float32Array[]
  momentum: number
  numel: number
}): Float32Array {
  const m = new Float32Array(numel)
  for (const u of updates) {
    if (u.length !== numel) throw new InvalidArgumentError(`An update has ${u.length} values; expected ${numel}.`)
    for (let i = 0; i < numel; i++) m[i] = f32(momentum * m[i]! + u[i]!)
  }
  return m
}

/**
 * The outer optimiser's state that goes with θ (Nesterov's m; SGD has none) travels between
 * peers as `numel` little-endian float32 values. It is not in any signed message: a peer that
 * fetches θ_r by its quorum-signed hash fetches m_r from the validators that signed it, and the
 * next round proves it (θ_{r+1} computed with a wrong m does not reproduce the quorum's hash, and
 * the peer fetches again). Peers serve it under {@link outerStateKey}(hash of θ).
 */
export const OUTER_STATE_DOMAIN = 'murmur/outer-state/v1'

/** The 32-byte key under which peers serve the outer optimiser state of the θ hashing to `policyHash`. */
export function outerStateKey(policyHash: Uint8Array): Uint8Array {
  if (policyHash.length !== 32) throw new InvalidArgumentError(`A policy hash is 32 bytes, got ${policyHash.length}.`)
  return deriveSeed(OUTER_STATE_DOMAIN, policyHash)
}

/** m as numel little-endian float32 values. */
export function encodeOuterState(momentum: Float32Array): Uint8Array {
  const out = new Uint8Array(momentum.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < momentum.length; i++) view.setFloat32(4 * i, momentum[i]!, true)
  return out
}

/** @throws InvalidArgumentError unless `bytes` are numel finite little-endian float32 values. */
export function decodeOuterState(bytes: Uint8Array, numel: number): Float32Array {
  if (bytes.length !== numel * 4)
    throw new InvalidArgumentError(`An outer optimiser state of ${numel} values is ${numel * 4} bytes, got ${bytes.length}.`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const m = new Float32Array(numel)
  for (let i = 0; i < numel; i++) {
    const v = view.getFloat32(4 * i, true)
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`Outer optimiser state value ${i} is ${v}; every value must be finite.`)
    m[i] = v
  }
  return m
}
