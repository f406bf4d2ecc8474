/**
 * Reads and writes the model part of a Hugging Face model folder: `config.json` plus
 * `model.safetensors`, or a sharded `model.safetensors.index.json` with its shards. Parsing and
 * validation live in @murmur/protocol; this file does the I/O and makes every error name the
 * file's full path and the field. Tokenizer files are tokenizer-folder.ts's business.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import {
  decodeSafetensors,
  encodeWeightsChunks,
  InvalidArgumentError,
  type ModelConfig,
  ModelFormatError,
  parseHfConfig,
  type SafetensorsDtype,
  type Tensor32,
  toHfConfig,
  validateWeights,
  type Weights,
} from '@murmur/protocol'

export const CONFIG_FILE = 'config.json'
export const WEIGHTS_FILE = 'model.safetensors'
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json'

export interface ModelFile {
  name: string
  sizeBytes: number
}

export interface ModelFolder {
  dir: string
  config: ModelConfig
  weights: Weights
  /** The dtypes the weights were stored in (converted to float32 on load), sorted. */
  dtypes: SafetensorsDtype[]
  /** config.json and the weight files that were read, in reading order. */
  files: ModelFile[]
}

export interface WriteModelFolderExtra {
  /** Extra config.json fields, e.g. the tokenizer's bos_token_id / eos_token_id. They may not override model fields. */
  config?: Record<string, unknown>
}

function fileError(path: string, field: string, reason: string, cause?: unknown): ModelFormatError {
  return new ModelFormatError(
    `${path}: ${field === '(file)' ? '' : `field "${field}" `}${reason}.`,
    { file: path, field },
    cause === undefined ? undefined : { cause },
  )
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw fileError(
      path,
      '(file)',
      code === 'ENOENT' ? 'cannot be read: the file does not exist' : `cannot be read (${code ?? String(err)})`,
      err,
    )
  }
}

async function readJson(path: string): Promise<unknown> {
  const bytes = await readBytes(path)
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw fileError(path, '(file)', `is not valid UTF-8 JSON (${(err as Error).message})`, err)
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/** Re-throws a protocol ModelFormatError with the file's path in front. */
function inFile<T>(path: string, f: () => T): T {
  try {
    return f()
  } catch (err) {
    const e = err as Error & { details?: Record<string, unknown> }
    if (e.name !== 'ModelFormatError') throw err
    throw new ModelFormatError(`${path}: ${e.message}`, { file: path, ...e.details }, { cause: err })
  }
}

/**
 * Drops tensors a Hugging Face checkpoint may carry that are not parameters, as transformers
 * does on load: RoPE `inv_freq` buffers (old Llama checkpoints) and a stored `lm_head.weight`
 * when embeddings are tied (transformers re-ties it to the embedding).
 */
function dropNonParameters(cfg: ModelConfig, tensors: Map<string, Tensor32>): void {
  for (const name of [...tensors.keys()]) {
    if (name.endsWith('.rotary_emb.inv_freq') || (cfg.tieWordEmbeddings && name === 'lm_head.weight')) tensors.delete(name)
  }
}

interface LoadedTensors {
  tensors: Map<string, Tensor32>
  dtypes: Set<SafetensorsDtype>
  /** The file each tensor came from, for error messages. */
  source: Map<string, string>
  files: ModelFile[]
}

async function readSingle(dir: string): Promise<LoadedTensors> {
  const path = join(dir, WEIGHTS_FILE)
  const bytes = await readBytes(path)
  const decoded = inFile(path, () => decodeSafetensors(bytes))
  return {
    tensors: decoded.tensors,
    dtypes: new Set(decoded.dtypes.values()),
    source: new Map([...decoded.tensors.keys()].map((k) => [k, path])),
    files: [{ name: WEIGHTS_FILE, sizeBytes: bytes.length }],
  }
}

async function readSharded(dir: string): Promise<LoadedTensors> {
  const indexPath = join(dir, WEIGHTS_INDEX_FILE)
  const index = await readJson(indexPath)
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw fileError(indexPath, 'weight_map', `is ${JSON.stringify(weightMap) ?? 'missing'}; it must map tensor names to shard files`)
  }
  const byShard = new Map<string, string[]>()
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || !/^[^/\\]+\.safetensors$/.test(shard) || shard.startsWith('.')) {
      throw fileError(
        indexPath,
        `weight_map.${name}`,
        `is ${JSON.stringify(shard)}; it must be a .safetensors file name in the same folder`,
      )
    }
    byShard.set(shard, [...(byShard.get(shard) ?? []), name])
  }
  const out: LoadedTensors = {
    tensors: new Map(),
    dtypes: new Set(),
    source: new Map(),
    files: [{ name: WEIGHTS_INDEX_FILE, sizeBytes: 0 }],
  }
  out.files[0]!.sizeBytes = (await stat(indexPath)).size
  for (const shard of [...byShard.keys()].sort()) {
    const path = join(dir, shard)
    const bytes = await readBytes(path)
    const decoded = inFile(path, () => decodeSafetensors(bytes))
    const listed = new Set(byShard.get(shard))
    for (const name of listed) {
      if (!decoded.tensors.has(name)) throw fileError(indexPath, `weight_map.${name}`, `names ${shard}, which has no tensor "${name}"`)
    }
    for (const [name, t] of decoded.tensors) {
      if (!listed.has(name)) throw fileError(path, name, `is a tensor that ${WEIGHTS_INDEX_FILE} does not list for this shard`)
      out.tensors.set(name, t)
      out.source.set(name, path)
      out.dtypes.add(decoded.dtypes.get(name)!)
    }
    out.files.push({ name: shard, sizeBytes: bytes.length })
  }
  return out
}

/**
 * Loads a model folder: config.json and model.safetensors (preferred, as transformers prefers
 * it) or model.safetensors.index.json with its shards. Weights are converted to float32.
 * @throws ModelFormatError naming the file and field (missing file, bad JSON, unsupported
 *   model_type or dtype, a missing, extra or misshapen tensor).
 */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  if (!(await exists(dir))) throw fileError(dir, '(file)', 'cannot be read: the model folder does not exist')
  const configPath = join(dir, CONFIG_FILE)
  const configBytes = (await stat(configPath).catch(() => undefined))?.size ?? 0
  const config = parseHfConfig(await readJson(configPath), configPath)
  let loaded: LoadedTensors
  if (await exists(join(dir, WEIGHTS_FILE))) loaded = await readSingle(dir)
  else if (await exists(join(dir, WEIGHTS_INDEX_FILE))) loaded = await readSharded(dir)
  else throw fileError(join(dir, WEIGHTS_FILE), '(file)', `cannot be read: neither it nor ${WEIGHTS_INDEX_FILE} exists`)

  dropNonParameters(config, loaded.tensors)
  try {
    validateWeights(config, loaded.tensors)
  } catch (err) {
    const e = err as Error & { details?: Record<string, unknown> }
    if (e.name !== 'ModelFormatError') throw err
    const tensor = typeof e.details?.tensor === 'string' ? e.details.tensor : undefined
    const path = (tensor && loaded.source.get(tensor)) ?? join(dir, loaded.files[0]!.name)
    throw new ModelFormatError(
      `${path}: ${e.message.replace(/\.$/, '')} (config: ${configPath}).`,
      { file: path, ...e.details },
      { cause: err },
    )
  }
  return {
    dir,
    config,
    weights: loaded.tensors,
    dtypes: [...loaded.dtypes].sort(),
    files: [{ name: CONFIG_FILE, sizeBytes: configBytes }, ...loaded.files],
  }
}

/**
 * Writes `chunks` to `path` via a temporary file in the same folder, fsync and a rename, so
 * readers never see a partial file. Returns the byte count and sha256 of what was written.
 */
async function writeAtomic(path: string, chunks: Iterable<Uint8Array>): Promise<{ sizeBytes: number; sha256: Uint8Array }> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const hash = createHash('sha256')
  let sizeBytes = 0
  try {
    const file = await open(tmp, 'wx')
    try {
      for (const chunk of chunks) {
        hash.update(chunk)
        sizeBytes += chunk.length
        await file.write(chunk)
      }
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  return { sizeBytes, sha256: new Uint8Array(hash.digest()) }
}

/**
 * Writes config.json (what transformers writes, plus `extra.config`) and model.safetensors
 * (canonical F32, so its sha256 is the policy hash) into `dir`, creating it if needed. Each
 * file is written atomically; weights first, so a folder with a config.json is complete.
 * Other files in `dir` (tokenizer, shards) are left alone.
 * @returns the policy hash and the files written.
 */
export async function writeModelFolder(
  dir: string,
  cfg: ModelConfig,
  weights: Weights,
  extra: WriteModelFolderExtra = {},
): Promise<{ policyHash: Uint8Array; files: ModelFile[] }> {
  const hf = toHfConfig(cfg)
  for (const [k, v] of Object.entries(extra.config ?? {})) {
    if (Object.hasOwn(hf, k) && JSON.stringify(hf[k]) !== JSON.stringify(v)) {
      throw new InvalidArgumentError(`Extra config field "${k}" would override the model's value ${JSON.stringify(hf[k])}.`, { field: k })
    }
  }
  const merged = Object.fromEntries(Object.entries({ ...hf, ...extra.config }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  const configBytes = new TextEncoder().encode(`${JSON.stringify(merged, null, 2)}\n`)
  const chunks = encodeWeightsChunks(cfg, weights) // validates before anything is written
  await mkdir(dir, { recursive: true })
  const written = await writeAtomic(join(dir, WEIGHTS_FILE), chunks)
  await writeAtomic(join(dir, CONFIG_FILE), [configBytes])
  return {
    policyHash: written.sha256,
    files: [
      { name: CONFIG_FILE, sizeBytes: configBytes.length },
      { name: WEIGHTS_FILE, sizeBytes: written.sizeBytes },
    ],
  }
}
