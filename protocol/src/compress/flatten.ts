// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Named tensors ↔ one flat float32 vector in the canonical parameter order (model/parameters.ts):
 * the coordinate system of delta payloads, aggregation and the outer optimiser. The order comes
 * from the spec list, never from a Map's insertion order.
 */
import { InvalidArgumentError } from '../errors.js'
import { type ParameterSpec, shapeSize } from '../model/parameters.js'
import type { Tensor32, Weights } from '../model/weights.js'

type Named = ReadonlyMap<string, Float32Array | Tensor32>

const dataOf = (t: Float32Array | Tensor32): Float32Array => (t instanceof Float32Array ? t : t.data)

/** Total elements of `specs`. */
export function flatNumel(specs: readonly ParameterSpec[]): number {
  let n = 0
  for (const s of specs) n += shapeSize(s.shape)
  return n
}

/** Concatenates `named` (gradients or weights) in the order of `specs`. */
export function flattenParameters(specs: readonly ParameterSpec[], named: Named): Float32Array {
  const out = new Float32Array(flatNumel(specs))
  let at = 0
  for (const { name, shape } of specs) {
    const t = named.get(name)
    const size = shapeSize(shape)
    if (t === undefined) throw new InvalidArgumentError(`Tensor "${name}" is missing; cannot flatten.`, { tensor: name })
    const data = dataOf(t)
    if (data.length !== size)
      throw new InvalidArgumentError(`Tensor "${name}" has ${data.length} values; its shape needs ${size}.`, { tensor: name })
    out.set(data, at)
    at += size
  }
  return out
}

/** Splits a flat vector back into named tensors (copies), in the order of `specs`. */
export function unflattenParameters(specs: readonly ParameterSpec[], flat: Float32Array): Weights {
  const total = flatNumel(specs)
  if (flat.length !== total) throw new InvalidArgumentError(`The flat vector has ${flat.length} values; the parameters need ${total}.`)
  const out = new Map<string, Tensor32>()
  let at = 0
  for (const { name, shape } of specs) {
    const size = shapeSize(shape)
    out.set(name, { shape: [...shape], data: flat.slice(at, at + size) })
    at += size
  }
  return out
}
