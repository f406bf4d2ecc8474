import { describe, expect, it } from 'vitest'
import { contentHash, toHex } from '../crypto/hash.js'
import { type ModelConfig, NAMED_CONFIGS } from './config.js'
import { parameterSpecs } from './parameters.js'
import { decodeSafetensors } from './safetensors.js'
import {
  encodeWeights,
  encodeWeightsChunks,
  initWeights,
  seedFromInteger,
  type Tensor32,
  validateWeights,
  type Weights,
  weightsHash,
} from './weights.js'

const ZERO_SEED = new Uint8Array(32)
const tiny = NAMED_CONFIGS.tiny
const qwenTiny: ModelConfig = { ...tiny, modelType: 'qwen2', attentionBias: true, tieWordEmbeddings: true, numLayers: 2 }

function stats(data: Float32Array) {
  let sum = 0
  let sq = 0
  let maxAbs = 0
  for (const x of data) {
    sum += x
    sq += x * x
    maxAbs = Math.max(maxAbs, Math.abs(x))
  }
  const mean = sum / data.length
  return { mean, std: Math.sqrt(sq / data.length - mean * mean), maxAbs }
}

describe('initWeights', () => {
  const w = initWeights(tiny, ZERO_SEED)

  it('pins the policy hash of tiny from the zero seed (golden vector)', () => {
    expect(toHex(weightsHash(tiny, w))).toBe('8d9d5f32ce6b55c9f212795b3f766da39cee7ad3eb05f753fa50560943a6d77c')
    expect(Array.from(w.get('model.embed_tokens.weight')!.data.subarray(0, 4))).toMatchInlineSnapshot(`
      [
        0.03228028118610382,
        -0.012205954641103745,
        -0.028217559680342674,
        -0.010271104983985424,
      ]
    `)
  })

  it('pins the policy hash of a qwen2-style config with biases and tied embeddings', () => {
    expect(toHex(weightsHash(qwenTiny, initWeights(qwenTiny, seedFromInteger(7))))).toMatchInlineSnapshot(
      `"c5b03642724d91b21ecb3c043b239f28451294955b4d4c68508af836e569d28c"`,
    )
  })

  it('is deterministic and depends on the seed', () => {
    expect(toHex(weightsHash(tiny, initWeights(tiny, ZERO_SEED)))).toBe(toHex(weightsHash(tiny, w)))
    expect(toHex(weightsHash(tiny, initWeights(tiny, seedFromInteger(1))))).not.toBe(toHex(weightsHash(tiny, w)))
  })

  it('gives each tensor its own stream, so tensors do not repeat each other', () => {
    const q = w.get('model.layers.0.self_attn.q_proj.weight')!.data
    const q1 = w.get('model.layers.1.self_attn.q_proj.weight')!.data
    expect(q[0]).not.toBe(q1[0])
  })

  it('holds exactly the parameters of the config, in canonical order', () => {
    expect([...w.keys()]).toEqual(parameterSpecs(tiny).map((s) => s.name))
    expect(() => validateWeights(tiny, w)).not.toThrow()
  })

  it('draws matrices from U(-√3·0.02, √3·0.02) and scales residual projections by 1/√(2L)', () => {
    const a = Math.sqrt(3) * 0.02
    const embed = stats(w.get('model.embed_tokens.weight')!.data)
    expect(embed.maxAbs).toBeLessThanOrEqual(Math.fround(a))
    expect(embed.std).toBeCloseTo(0.02, 3)
    expect(Math.abs(embed.mean)).toBeLessThan(0.001)
    const down = stats(w.get('model.layers.0.mlp.down_proj.weight')!.data)
    expect(down.std).toBeCloseTo(0.02 / Math.sqrt(8), 3)
    expect(down.maxAbs).toBeLessThanOrEqual(Math.fround(a / Math.sqrt(8)))
    const o = stats(w.get('model.layers.2.self_attn.o_proj.weight')!.data)
    expect(o.std).toBeCloseTo(0.02 / Math.sqrt(8), 3)
  })

  it('sets norms to one and biases to zero', () => {
    const q = initWeights(qwenTiny, ZERO_SEED)
    expect(q.get('model.norm.weight')!.data.every((x) => x === 1)).toBe(true)
    expect(q.get('model.layers.1.input_layernorm.weight')!.data.every((x) => x === 1)).toBe(true)
    expect(q.get('model.layers.0.self_attn.k_proj.bias')!.data.every((x) => x === 0)).toBe(true)
    expect(q.has('lm_head.weight')).toBe(false)
  })

  it('reports progress once per tensor', () => {
    const seen: number[] = []
    let last = { doneParameters: 0, totalParameters: -1 }
    initWeights(qwenTiny, ZERO_SEED, {
      onProgress: (p) => {
        seen.push(p.done)
        last = p
      },
    })
    expect(seen).toEqual(parameterSpecs(qwenTiny).map((_, i) => i + 1))
    expect(last.doneParameters).toBe(last.totalParameters)
  })

  it('rejects a seed that is not 32 bytes', () => {
    expect(() => initWeights(tiny, new Uint8Array(16))).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: initWeights needs a 32-byte seed, got 16 bytes.]`,
    )
  })
})

describe('seedFromInteger', () => {
  it('maps an integer to a fixed 32-byte seed', () => {
    expect(toHex(seedFromInteger(0))).toMatchInlineSnapshot(`"41bf85103b45dfc0d10a54352c6e354aa3d9ca1425ed947d48b06ccf7816c85f"`)
    expect(seedFromInteger(42n)).toEqual(seedFromInteger(42))
    expect(() => seedFromInteger(-1)).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: Seed must be in [0, 2^64), got -1.]`)
  })
})

describe('validateWeights', () => {
  const base = () => new Map(initWeights(qwenTiny, ZERO_SEED))
  const with_ = (name: string, t: Tensor32 | undefined): Weights => {
    const m = base()
    if (t === undefined) m.delete(name)
    else m.set(name, t)
    return m
  }

  it('names a missing tensor and its expected shape', () => {
    expect(() => validateWeights(qwenTiny, with_('model.layers.1.mlp.up_proj.weight', undefined))).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: Tensor "model.layers.1.mlp.up_proj.weight" is missing; the qwen2 config needs it with shape [512, 128].]`,
    )
  })

  it('names a tensor with the wrong shape', () => {
    const t = { shape: [512, 64], data: new Float32Array(512 * 64) }
    expect(() => validateWeights(qwenTiny, with_('model.layers.0.mlp.gate_proj.weight', t))).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: Tensor "model.layers.0.mlp.gate_proj.weight" has shape [512, 64]; the config needs [512, 128].]`,
    )
  })

  it('names a tensor whose data length disagrees with its shape', () => {
    const t = { shape: [128], data: new Float32Array(3) }
    expect(() => validateWeights(qwenTiny, with_('model.norm.weight', t))).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: Tensor "model.norm.weight" must hold 128 float32 values, got 3.]`,
    )
  })

  it('names a non-finite value', () => {
    const data = new Float32Array(128).fill(1)
    data[5] = Number.NaN
    expect(() => validateWeights(qwenTiny, with_('model.norm.weight', { shape: [128], data }))).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: Tensor "model.norm.weight" has NaN at element 5; weights must be finite.]`,
    )
  })

  it('names an extra tensor', () => {
    const t = { shape: [128, 128], data: new Float32Array(128 * 128) }
    expect(() => validateWeights(qwenTiny, with_('lm_head.weight', t))).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: Tensor "lm_head.weight" is not a parameter of this qwen2 config.]`,
    )
  })
})

describe('encodeWeights', () => {
  it('is F32 safetensors with format metadata that decodes to the same weights', () => {
    const w = initWeights(qwenTiny, ZERO_SEED)
    const decoded = decodeSafetensors(encodeWeights(qwenTiny, w))
    expect(decoded.metadata).toEqual({ format: 'pt' })
    expect([...decoded.tensors.keys()].sort()).toEqual([...w.keys()].sort())
    for (const [name, t] of w) {
      const d = decoded.tensors.get(name)!
      expect(d.shape, name).toEqual(t.shape)
      expect(Buffer.from(d.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true)
    }
  })

  it('streams the same bytes in chunks, and weightsHash is their sha256', () => {
    const w = initWeights(qwenTiny, ZERO_SEED)
    const bytes = encodeWeights(qwenTiny, w)
    const chunks = [...encodeWeightsChunks(qwenTiny, w)]
    expect(chunks).toHaveLength(w.size + 1)
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true)
    expect(toHex(weightsHash(qwenTiny, w))).toBe(toHex(contentHash(bytes)))
  })

  it('does not depend on the map insertion order', () => {
    const w = initWeights(qwenTiny, ZERO_SEED)
    const reversed = new Map([...w].reverse())
    expect(toHex(weightsHash(qwenTiny, reversed))).toBe(toHex(weightsHash(qwenTiny, w)))
  })
})
