/**
 * The DiLoCo pseudo-gradient (Douillard et al. 2023, Alg. 1): after H local steps from θ_r to
 * θ_local, the update a trainer sends is θ_r − θ_local, flat in canonical parameter order, so
 * that the outer step θ_r − lr · Δ̄ moves towards the local models. With one local step of SGD
 * at lr 1 it is the gradient itself.
 */
import type { ParameterSpec } from '../model/parameters.js'
import type { Weights } from '../model/weights.js'
import { flattenParameters } from './flatten.js'

export function pseudoGradient(specs: readonly ParameterSpec[], start: Weights, local: Weights): Float32Array {
  const a = flattenParameters(specs, start)
  const b = flattenParameters(specs, local)
  const out = new Float32Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!
  return out
}
