/**
 * The on-disk layout of a solo run directory, and its atomic writes:
 *
 *   RUN_DIR/run.json                 the run (protocol/src/grpo/solo-run.ts)
 *   RUN_DIR/genesis/                 genesis model folder: config.json, model.safetensors, tokenizer files
 *   RUN_DIR/warmup/                  in-progress warm-up state (deleted once genesis exists)
 *   RUN_DIR/checkpoints/round-NNNNNN/ model folder + optimizer.safetensors + state.json after round N
 *   RUN_DIR/metrics.jsonl            one JSON object per round (and per warm-up evaluation)
 *
 * Every file is written to a temporary name and renamed, and a checkpoint folder is assembled
 * under a temporary name and renamed into place, so a crash or Ctrl-C never leaves a partial
 * file or checkpoint where a reader looks; the newest complete checkpoint is the resume point.
 */
import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type AdamWState,
  type CharTokenizer,
  decodeSafetensors,
  encodeSafetensors,
  type ModelConfig,
  parseSoloRun,
  type SoloRun,
  type Tensor32,
  type Tokenizer,
  toHex,
  type Weights,
} from '@murmur/protocol'
import { CliError, EXIT } from '../errors.js'
import { readModelFolder, writeModelFolder } from '../model/folder.js'
import { loadTokenizerFolder, saveCharTokenizerFolder } from '../model/tokenizer-folder.js'

export const RUN_FILE = 'run.json'
export const GENESIS_DIR = 'genesis'
export const WARMUP_DIR = 'warmup'
export const CHECKPOINTS_DIR = 'checkpoints'
export const METRICS_FILE = 'metrics.jsonl'
export const OPTIMIZER_FILE = 'optimizer.safetensors'
export const STATE_FILE = 'state.json'

const CHECKPOINT_PATTERN = /^round-(\d{6,})$/

export const checkpointName = (round: number) => `round-${String(round).padStart(6, '0')}`

/** Writes `bytes` to `path` through a temporary file, fsync and rename. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    const file = await open(tmp, 'wx')
    try {
      await file.write(typeof bytes === 'string' ? Buffer.from(bytes) : bytes)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

export async function pathExists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

/** Reads and validates RUN_DIR/run.json; a missing or corrupt file is a one-line CliError. */
export async function readRun(dir: string): Promise<SoloRun> {
  const s = await stat(dir).catch(() => undefined)
  if (!s?.isDirectory()) throw new CliError(`Run directory ${dir} does not exist. Create one with \`murmur init\`.`, EXIT.usage)
  const path = join(dir, RUN_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CliError(`${path} cannot be read (${code ?? String(err)}); is ${dir} a run directory made by \`murmur init\`?`, EXIT.input, {
      cause: err,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new CliError(`${path} is not valid JSON (${(err as Error).message}).`, EXIT.input, { cause: err })
  }
  return parseSoloRun(json, path)
}

/** Writes RUN_DIR/run.json atomically, creating RUN_DIR if needed. */
export async function writeRun(dir: string, run: SoloRun): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFileAtomic(join(dir, RUN_FILE), `${JSON.stringify(run, null, 2)}\n`)
}

export async function appendMetrics(dir: string, record: Record<string, unknown>): Promise<void> {
  await appendFile(join(dir, METRICS_FILE), `${JSON.stringify(record)}\n`)
}

/** AdamW state and counters saved beside the weights of a checkpoint or the warm-up. */
export interface TrainingState {
  /** Rounds completed (checkpoints) or warm-up steps taken (warm-up). */
  completed: number
  /** Seconds of training so far, summed over sessions. */
  seconds: number
  /** Samples (completions) trained on so far. */
  samples: number
  policyHash: string
  optimizer: { step: number; beta1Power: number; beta2Power: number }
}

function optimizerTensors(state: AdamWState, weights: Weights): Map<string, Tensor32> {
  const out = new Map<string, Tensor32>()
  for (const [name, m] of state.m) out.set(`m.${name}`, { shape: weights.get(name)!.shape, data: m })
  for (const [name, v] of state.v) out.set(`v.${name}`, { shape: weights.get(name)!.shape, data: v })
  return out
}

export interface SavedTraining {
  cfg: ModelConfig
  weights: Weights
  optimizer: AdamWState
  state: TrainingState
}

/** What a caller passes to {@link writeSnapshot}: the hash and optimizer counters are filled in. */
export type SnapshotInput = Omit<SavedTraining, 'state'> & {
  state: Omit<TrainingState, 'policyHash' | 'optimizer'>
  tokenizer?: CharTokenizer
}

/**
 * Writes a complete training snapshot (model folder + optimizer + state) as `dir/name`,
 * assembled in a temporary sibling folder and renamed into place. An existing `dir/name`
 * is replaced only after the new one is complete.
 */
export async function writeSnapshot(parent: string, name: string, snap: SnapshotInput): Promise<string> {
  await mkdir(parent, { recursive: true })
  const tmp = join(parent, `.${name}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  const final = join(parent, name)
  try {
    const { policyHash } = await writeModelFolder(tmp, snap.cfg, snap.weights)
    if (snap.tokenizer) await saveCharTokenizerFolder(tmp, snap.tokenizer)
    await writeFileAtomic(join(tmp, OPTIMIZER_FILE), encodeSafetensors(optimizerTensors(snap.optimizer, snap.weights)))
    const state: TrainingState = {
      ...snap.state,
      policyHash: toHex(policyHash),
      optimizer: { step: snap.optimizer.step, beta1Power: snap.optimizer.beta1Power, beta2Power: snap.optimizer.beta2Power },
    }
    await writeFileAtomic(join(tmp, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`)
    if (await pathExists(final)) {
      const old = `${final}.old-${process.pid}-${randomBytes(4).toString('hex')}`
      await rename(final, old)
      await rename(tmp, final)
      await rm(old, { recursive: true, force: true })
    } else await rename(tmp, final)
    return final
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
}

/** Reads a snapshot written by {@link writeSnapshot}; corrupt parts are a CliError naming the file. */
export async function readSnapshot(dir: string): Promise<SavedTraining> {
  const folder = await readModelFolder(dir)
  const statePath = join(dir, STATE_FILE)
  let state: TrainingState
  try {
    state = JSON.parse(await readFile(statePath, 'utf8')) as TrainingState
    if (!Number.isSafeInteger(state.completed) || typeof state.optimizer?.step !== 'number') throw new Error('missing fields')
  } catch (err) {
    throw new CliError(`${statePath} is missing or corrupt (${(err as Error).message}).`, EXIT.input, { cause: err })
  }
  const optPath = join(dir, OPTIMIZER_FILE)
  const optimizer: AdamWState = { ...state.optimizer, m: new Map(), v: new Map() }
  try {
    const decoded = decodeSafetensors(await readFile(optPath))
    for (const [key, t] of decoded.tensors) {
      const [kind, name] = [key.slice(0, 2), key.slice(2)]
      if ((kind !== 'm.' && kind !== 'v.') || !folder.weights.has(name)) throw new Error(`unexpected tensor "${key}"`)
      if (t.data.length !== folder.weights.get(name)!.data.length) throw new Error(`tensor "${key}" has the wrong size`)
      ;(kind === 'm.' ? optimizer.m : optimizer.v).set(name, t.data)
    }
  } catch (err) {
    throw new CliError(`${optPath} is missing or corrupt (${(err as Error).message}).`, EXIT.input, { cause: err })
  }
  return { cfg: folder.config, weights: folder.weights, optimizer, state }
}

/** Completed rounds of the checkpoints in RUN_DIR/checkpoints, ascending (temporary folders ignored). */
export async function listCheckpoints(runDir: string): Promise<number[]> {
  const entries = await readdir(join(runDir, CHECKPOINTS_DIR)).catch(() => [] as string[])
  return entries
    .map((e) => CHECKPOINT_PATTERN.exec(e)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
}

/** Deletes all but the newest `keep` checkpoints. */
export async function pruneCheckpoints(runDir: string, keep: number): Promise<void> {
  const rounds = await listCheckpoints(runDir)
  for (const r of rounds.slice(0, Math.max(0, rounds.length - keep)))
    await rm(join(runDir, CHECKPOINTS_DIR, checkpointName(r)), { recursive: true, force: true })
}

/** The genesis model folder of a run, with its tokenizer; a clear error if init has not finished. */
export async function readGenesis(runDir: string): Promise<{ cfg: ModelConfig; weights: Weights; tokenizer: Tokenizer }> {
  const dir = join(runDir, GENESIS_DIR)
  if (!(await pathExists(join(dir, 'model.safetensors'))))
    throw new CliError(
      `${dir} has no genesis checkpoint: \`murmur init\` did not finish. Re-run the same \`murmur init\` command to resume it.`,
      EXIT.input,
    )
  const folder = await readModelFolder(dir)
  const tokenizer = await loadTokenizerFolder(dir)
  return { cfg: folder.config, weights: folder.weights, tokenizer }
}
