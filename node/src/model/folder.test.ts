import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  encodeSafetensors,
  initWeights,
  type ModelConfig,
  NAMED_CONFIGS,
  seedFromInteger,
  type Tensor32,
  toHex,
  toHfConfig,
  type Weights,
  weightsHash,
} from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { readModelFolder, writeModelFolder } from './folder.js'

const tempDir = () => mkdtempSync(join(tmpdir(), 'murmur-model-'))
const tiny = NAMED_CONFIGS.tiny
/** A small Qwen2-style config: q/k/v bias, tied embeddings. */
const qwen: ModelConfig = { ...tiny, modelType: 'qwen2', attentionBias: true, tieWordEmbeddings: true, numLayers: 1, vocabSize: 16 }
const qwenJson = () => ({ ...toHfConfig(qwen), torch_dtype: 'bfloat16' })

/** The error `f` rejects with, message with the temp dir replaced by <dir>. */
async function failure(dir: string, f: () => Promise<unknown>): Promise<string> {
  try {
    await f()
  } catch (err) {
    const message = (err as Error).message
    return `${(err as Error).name}: ${dir ? message.replaceAll(dir, '<dir>') : message}`
  }
  throw new Error('expected a failure')
}

/** A safetensors file with BF16 tensors (float32 values truncated to their top 16 bits), built per the format spec. */
function bf16File(tensors: Weights): Uint8Array {
  const entries: string[] = []
  const chunks: Uint8Array[] = []
  let offset = 0
  for (const [name, t] of tensors) {
    const bytes = new Uint8Array(2 * t.data.length)
    const dv = new DataView(bytes.buffer)
    const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)
    bits.forEach((b, i) => {
      dv.setUint16(2 * i, b >>> 16, true)
    })
    entries.push(
      `${JSON.stringify(name)}:{"dtype":"BF16","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${offset + bytes.length}]}`,
    )
    chunks.push(bytes)
    offset += bytes.length
  }
  const header = new TextEncoder().encode(`{"__metadata__":{"format":"pt"},${entries.join(',')}}`)
  const out = new Uint8Array(8 + header.length + offset)
  new DataView(out.buffer).setUint32(0, header.length, true)
  out.set(header, 8)
  let pos = 8 + header.length
  for (const c of chunks) {
    out.set(c, pos)
    pos += c.length
  }
  return out
}

const bf16Round = (t: Tensor32): Float32Array => {
  const out = new Float32Array(t.data)
  const bits = new Uint32Array(out.buffer)
  for (let i = 0; i < bits.length; i++) bits[i] = bits[i]! & 0xffff0000
  return out
}

describe('writeModelFolder + readModelFolder', () => {
  it('round-trips a model, and the policy hash is the sha256 of model.safetensors', async () => {
    const dir = join(tempDir(), 'nested', 'model')
    const weights = initWeights(tiny, seedFromInteger(3))
    const written = await writeModelFolder(dir, tiny, weights, { config: { bos_token_id: 1, eos_token_id: 2 } })
    const sha = createHash('sha256')
      .update(readFileSync(join(dir, 'model.safetensors')))
      .digest('hex')
    expect(toHex(written.policyHash)).toBe(sha)
    expect(toHex(weightsHash(tiny, weights))).toBe(sha)
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors'])
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
    expect(config).toEqual({ ...toHfConfig(tiny), bos_token_id: 1, eos_token_id: 2 })
    expect(Object.keys(config)).toEqual(Object.keys(config).sort())

    const folder = await readModelFolder(dir)
    expect(folder.config).toEqual(tiny)
    expect(folder.dtypes).toEqual(['F32'])
    expect(folder.files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors'])
    expect(folder.files[1]!.sizeBytes).toBe(written.files[1]!.sizeBytes)
    expect(toHex(weightsHash(folder.config, folder.weights))).toBe(sha)
  })

  it('overwrites model files but leaves other files (tokenizer) alone', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'tokenizer.json'), '{"keep":true}')
    await writeModelFolder(dir, qwen, initWeights(qwen, seedFromInteger(1)))
    const second = await writeModelFolder(dir, qwen, initWeights(qwen, seedFromInteger(2)))
    expect(readFileSync(join(dir, 'tokenizer.json'), 'utf8')).toBe('{"keep":true}')
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json'])
    expect(toHex(weightsHash(qwen, (await readModelFolder(dir)).weights))).toBe(toHex(second.policyHash))
  })

  it('refuses extra config fields that would change the model', async () => {
    expect(
      await failure('', () => writeModelFolder(tempDir(), tiny, initWeights(tiny, seedFromInteger(0)), { config: { hidden_size: 64 } })),
    ).toMatchInlineSnapshot(`"InvalidArgumentError: Extra config field "hidden_size" would override the model's value 128."`)
  })

  it('reads a BF16 Hugging Face checkpoint, dropping inv_freq buffers and a tied lm_head', async () => {
    const dir = tempDir()
    const weights = new Map(initWeights(qwen, seedFromInteger(5)))
    const withExtras = new Map(weights)
    withExtras.set('model.layers.0.self_attn.rotary_emb.inv_freq', { shape: [16], data: new Float32Array(16).fill(0.5) })
    withExtras.set('lm_head.weight', weights.get('model.embed_tokens.weight')!)
    writeFileSync(join(dir, 'config.json'), JSON.stringify(qwenJson()))
    writeFileSync(join(dir, 'model.safetensors'), bf16File(withExtras))
    const folder = await readModelFolder(dir)
    expect(folder.dtypes).toEqual(['BF16'])
    expect([...folder.weights.keys()].sort()).toEqual([...weights.keys()].sort())
    const q = folder.weights.get('model.layers.0.self_attn.q_proj.weight')!
    expect(Array.from(q.data)).toEqual(Array.from(bf16Round(weights.get('model.layers.0.self_attn.q_proj.weight')!)))
  })

  it('reads a sharded checkpoint through model.safetensors.index.json', async () => {
    const dir = tempDir()
    const weights = initWeights(qwen, seedFromInteger(6))
    const names = [...weights.keys()]
    const half = Math.ceil(names.length / 2)
    const shards = [names.slice(0, half), names.slice(half)]
    const weightMap: Record<string, string> = {}
    shards.forEach((group, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`
      writeFileSync(join(dir, file), encodeSafetensors(new Map(group.map((n) => [n, weights.get(n)!])), { format: 'pt' }))
      for (const n of group) weightMap[n] = file
    })
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }))
    writeFileSync(join(dir, 'config.json'), JSON.stringify(toHfConfig(qwen)))
    const folder = await readModelFolder(dir)
    expect(folder.files.map((f) => f.name)).toEqual([
      'config.json',
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ])
    expect(toHex(weightsHash(qwen, folder.weights))).toBe(toHex(weightsHash(qwen, weights)))
  })
})

describe('readModelFolder errors name the file and field', () => {
  const setup = async (config: unknown, weights?: Uint8Array) => {
    const dir = tempDir()
    if (config !== undefined) writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config))
    if (weights) writeFileSync(join(dir, 'model.safetensors'), weights)
    return dir
  }
  const good = () => encodeSafetensors(initWeights(qwen, seedFromInteger(0)))

  it('a missing folder', async () => {
    const dir = join(tempDir(), 'nope')
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>: cannot be read: the model folder does not exist."`,
    )
  })

  it('a missing config.json', async () => {
    const dir = await setup(undefined, good())
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>/config.json: cannot be read: the file does not exist."`,
    )
  })

  it('a config.json that is not JSON', async () => {
    const dir = await setup('{"model_type": ', good())
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>/config.json: is not valid UTF-8 JSON (Unexpected end of JSON input)."`,
    )
  })

  it('an unsupported model_type', async () => {
    const dir = await setup({ ...qwenJson(), model_type: 'mistral' }, good())
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>/config.json: field "model_type" is "mistral"; it must be one of: llama, qwen2 (murmur runs Llama-style decoders only)."`,
    )
  })

  it('missing weights', async () => {
    const dir = await setup(qwenJson())
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>/model.safetensors: cannot be read: neither it nor model.safetensors.index.json exists."`,
    )
  })

  it('a tensor with the wrong shape', async () => {
    const dir = await setup({ ...qwenJson(), intermediate_size: 256 }, good())
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>/model.safetensors: Tensor "model.layers.0.mlp.gate_proj.weight" has shape [512, 128]; the config needs [256, 128] (config: <dir>/config.json)."`,
    )
  })

  it('an unsupported dtype', async () => {
    const header = '{"model.norm.weight":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}'
    const bytes = new Uint8Array([header.length, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode(header), 0, 0, 0, 0, 0, 0, 0, 0])
    const dir = await setup(qwenJson(), bytes)
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>/model.safetensors: safetensors tensor "model.norm.weight": field "dtype" is "F64"; murmur reads F32, F16, BF16 only."`,
    )
  })

  it('a shard index that points outside the folder or at a missing tensor', async () => {
    const dir = await setup(qwenJson())
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'model.norm.weight': '../x.safetensors' } }))
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>/model.safetensors.index.json: field "weight_map.model.norm.weight" is "../x.safetensors"; it must be a .safetensors file name in the same folder."`,
    )
    writeFileSync(join(dir, 'shard.safetensors'), encodeSafetensors(new Map()))
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'model.norm.weight': 'shard.safetensors' } }))
    expect(await failure(dir, () => readModelFolder(dir))).toMatchInlineSnapshot(
      `"ModelFormatError: <dir>/model.safetensors.index.json: field "weight_map.model.norm.weight" names shard.safetensors, which has no tensor "model.norm.weight"."`,
    )
  })
})
