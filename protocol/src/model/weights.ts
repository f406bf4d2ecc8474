// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Policy weights: deterministic initialisation, validation against a config, and the policy
 * hash. Every peer that inits the same (config, seed) gets the same bits on every JS engine:
 * each tensor draws from its own ChaCha20 stream, createRng(deriveSeed("murmur/init/v1", seed,
 * name)), and values use only + − × ÷ and Math.sqrt (exactly specified by ECMA-262), rounded to
 * float32 once.
 *
 * Init (GPT-2 / Llama style, uniform instead of normal so no log/cos is needed):
 *   matrices    U(−a, a), a = √3·std, std = 0.02 (same variance as N(0, 0.02²))
 *   o_proj, down_proj   std = 0.02 / √(2·numLayers) (GPT-2's residual-projection scaling)
 *   norms = 1, biases = 0
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidArgumentError, ModelFormatError } from '../errors.js'
import { createRng, deriveSeed } from '../random/rng.js'
import type { ModelConfig } from './config.js'
import { parameterSpecs, shapeSize } from './parameters.js'
import { encodeSafetensors, encodeSafetensorsChunks } from './safetensors.js'

/** A float32 tensor, row-major. */
export interface Tensor32 {
  shape: number[]
  data: Float32Array
}

/** Parameter name (Hugging Face naming) → tensor. */
export type Weights = ReadonlyMap<string, Tensor32>

const INIT_DOMAIN = 'murmur/init/v1'
const INIT_SEED_DOMAIN = 'murmur/init-seed/v1'
const INIT_STD = 0.02
/** safetensors metadata transformers expects ("pt" = PyTorch layout); part of the hashed bytes. */
const SAFETENSORS_METADATA = { format: 'pt' } as const

export interface InitWeightsOptions {
  /** Called after each tensor, for progress reporting on big models. */
  onProgress?: (progress: { done: number; total: number; name: string; doneParameters: number; totalParameters: number }) => void
}

/** The 32-byte init seed for a small integer seed, as `murmur model init --seed N` uses it. */
export function seedFromInteger(n: number | bigint): Uint8Array {
  const v = BigInt(n)
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new InvalidArgumentError(`Seed must be an integer, got ${n}.`)
  if (v < 0n || v >= 1n << 64n) throw new InvalidArgumentError(`Seed must be in [0, 2^64), got ${v}.`)
  return deriveSeed(INIT_SEED_DOMAIN, v)
}

type InitKind = { kind: 'ones' } | { kind: 'zeros' } | { kind: 'uniform'; std: number }

function initKind(cfg: ModelConfig, name: string): InitKind {
  if (name.endsWith('norm.weight')) return { kind: 'ones' }
  if (name.endsWith('.bias')) return { kind: 'zeros' }
  if (name.endsWith('.o_proj.weight') || name.endsWith('.down_proj.weight')) {
    return { kind: 'uniform', std: INIT_STD / Math.sqrt(2 * cfg.numLayers) }
  }
  return { kind: 'uniform', std: INIT_STD }
}

/** Deterministic initial weights for `cfg` from a 32-byte seed (see the file comment). */
export function initWeights(cfg: ModelConfig, seed: Uint8Array, options: InitWeightsOptions = {}): Weights {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new InvalidArgumentError(
      `initWeights needs a 32-byte seed, got ${seed instanceof Uint8Array ? `${seed.length} bytes` : typeof seed}.`,
    )
  }
  const specs = parameterSpecs(cfg)
  const totalParameters = specs.reduce((n, s) => n + shapeSize(s.shape), 0)
  const weights = new Map<string, Tensor32>()
  let doneParameters = 0
  specs.forEach(({ name, shape }, i) => {
    const data = new Float32Array(shapeSize(shape))
    const init = initKind(cfg, name)
    if (init.kind === 'ones') data.fill(1)
    else if (init.kind === 'uniform') {
      const a = Math.sqrt(3) * init.std
      const rng = createRng(deriveSeed(INIT_DOMAIN, seed, name))
      for (let j = 0; j < data.length; j++) data[j] = (2 * rng.nextFloat() - 1) * a // one rounding, at the store
    }
    weights.set(name, { shape: [...shape], data })
    doneParameters += data.length
    options.onProgress?.({ done: i + 1, total: specs.length, name, doneParameters, totalParameters })
  })
  return weights
}

/**
 * Checks that `weights` holds exactly the parameters of `cfg` with the right shapes and only
 * finite values.
 * @throws ModelFormatError naming the first offending tensor.
 */
export function validateWeights(cfg: ModelConfig, weights: Weights): void {
  const specs = parameterSpecs(cfg)
  const expected = new Set(specs.map((s) => s.name))
  for (const { name, shape } of specs) {
    const t = weights.get(name)
    if (t === undefined) {
      throw new ModelFormatError(`Tensor "${name}" is missing; the ${cfg.modelType} config needs it with shape [${shape.join(', ')}].`, {
        tensor: name,
        field: 'name',
        expected: shape,
      })
    }
    const same = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])
    if (!same) {
      throw new ModelFormatError(`Tensor "${name}" has shape [${t.shape.join(', ')}]; the config needs [${shape.join(', ')}].`, {
        tensor: name,
        field: 'shape',
        value: t.shape,
        expected: shape,
      })
    }
    if (!(t.data instanceof Float32Array) || t.data.length !== shapeSize(shape)) {
      throw new ModelFormatError(`Tensor "${name}" must hold ${shapeSize(shape)} float32 values, got ${t.data?.length ?? 'none'}.`, {
        tensor: name,
        field: 'data',
      })
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) {
        throw new ModelFormatError(`Tensor "${name}" has ${t.data[i]} at element ${i}; weights must be finite.`, {
          tensor: name,
          field: 'data',
          index: i,
        })
      }
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name)) {
      throw new ModelFormatError(`Tensor "${name}" is not a parameter of this ${cfg.modelType} config.`, { tensor: name, field: 'name' })
    }
  }
}

/**
 * The canonical bytes of a policy: F32 safetensors (sorted names, metadata {"format":"pt"}),
 * exactly what model.safetensors holds when murmur writes a model folder.
 */
export function encodeWeights(cfg: ModelConfig, weights: Weights): Uint8Array {
  validateWeights(cfg, weights)
  return encodeSafetensors(weights, SAFETENSORS_METADATA)
}

/**
 * The canonical bytes of a policy in chunks (see {@link encodeSafetensorsChunks}), for hashing
 * or writing a big model without holding a second copy of it.
 */
export function encodeWeightsChunks(cfg: ModelConfig, weights: Weights): Generator<Uint8Array, void, undefined> {
  validateWeights(cfg, weights)
  return encodeSafetensorsChunks(weights, SAFETENSORS_METADATA)
}

/**
 * The policy hash: sha256 of {@link encodeWeights} (contentHash of those bytes); equals
 * `sha256sum model.safetensors` of a folder murmur wrote. Streams, so it needs no extra copy.
 */
export function weightsHash(cfg: ModelConfig, weights: Weights): Uint8Array {
  const h = sha256.create()
  for (const chunk of encodeWeightsChunks(cfg, weights)) h.update(chunk)
  return h.digest()
}
