/**
 * A peer's round checkpoints in its data dir: `checkpoints/round-NNNNNN/` holds
 * `model.safetensors` (the canonical policy bytes, whose sha256 is the policy hash) and
 * `checkpoint.json` (round, policy hash, and the sha256 of `outer-state.bin`, the outer optimiser's
 * momentum, when the run has one: a restart resumes with it). Written atomically
 * (temp dir + rename), the newest `keep` are kept, and reading re-hashes the bytes, so a torn
 * or edited checkpoint is reported and skipped, never trained on.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  contentHash,
  decodeOuterState,
  decodeSafetensors,
  encodeOuterState,
  encodeWeights,
  equalBytes,
  type ModelConfig,
  toHex,
  validateWeights,
  type Weights,
} from '@murmur/protocol'

export const SWARM_CHECKPOINTS_DIR = 'checkpoints'
const NAME = /^round-(\d{6,})$/

export interface SwarmCheckpoint {
  round: bigint
  policyHash: Uint8Array
  weights: Weights
  /** The outer optimiser's momentum that goes with θ (null: SGD, or not known). */
  momentum: Float32Array | null
}

const OUTER_STATE_FILE = 'outer-state.bin'

const dirName = (round: bigint) => `round-${String(round).padStart(6, '0')}`

/** θ as its canonical bytes and their sha256 (the policy hash), computed once by whoever holds θ. */
export interface EncodedPolicy {
  bytes: Uint8Array
  hash: Uint8Array
}

/** θ's canonical bytes and policy hash. */
export function encodePolicy(cfg: ModelConfig, weights: Weights): EncodedPolicy {
  const bytes = encodeWeights(cfg, weights)
  return { bytes, hash: contentHash(bytes) }
}

/** Writes θ_round (and its outer momentum, when given); returns its directory. */
export async function writeSwarmCheckpoint(
  dataDir: string,
  round: bigint,
  policy: EncodedPolicy,
  keep: number,
  momentum: Float32Array | null = null,
): Promise<string> {
  const parent = join(dataDir, SWARM_CHECKPOINTS_DIR)
  await mkdir(parent, { recursive: true })
  const final = join(parent, dirName(round))
  const tmp = `${final}.tmp-${process.pid}`
  await rm(tmp, { recursive: true, force: true })
  await mkdir(tmp)
  await writeFile(join(tmp, 'model.safetensors'), policy.bytes)
  const meta: CheckpointJson = { round: Number(round), policyHash: toHex(policy.hash) }
  if (momentum) {
    const state = encodeOuterState(momentum)
    await writeFile(join(tmp, OUTER_STATE_FILE), state)
    meta.outerStateSha256 = toHex(contentHash(state))
  }
  await writeFile(join(tmp, 'checkpoint.json'), `${JSON.stringify(meta, null, 2)}\n`)
  await rm(final, { recursive: true, force: true })
  await rename(tmp, final)
  const rounds = await listSwarmCheckpoints(dataDir)
  for (const r of rounds.slice(0, Math.max(0, rounds.length - keep))) await rm(join(parent, dirName(r)), { recursive: true, force: true })
  return final
}

interface CheckpointJson {
  round: number
  policyHash: string
  outerStateSha256?: string
}

export async function listSwarmCheckpoints(dataDir: string): Promise<bigint[]> {
  let names: string[]
  try {
    names = await readdir(join(dataDir, SWARM_CHECKPOINTS_DIR))
  } catch {
    return []
  }
  return names
    .map((n) => NAME.exec(n)?.[1])
    .filter((m): m is string => m !== undefined)
    .map((m) => BigInt(m))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Decodes canonical checkpoint bytes into weights of `cfg`. @throws on anything else. */
export function weightsFromCheckpointBytes(cfg: ModelConfig, bytes: Uint8Array): Weights {
  const decoded = decodeSafetensors(bytes)
  const weights: Weights = new Map([...decoded.tensors].map(([name, t]) => [name, { shape: [...t.shape], data: t.data }]))
  validateWeights(cfg, weights)
  if (!equalBytes(encodeWeights(cfg, weights), bytes)) throw new Error('the bytes are not in canonical form')
  return weights
}

/**
 * The newest readable checkpoint; unreadable ones are reported through `warn` and skipped
 * (older ones are tried), so one torn write never blocks a restart.
 */
export async function readLatestSwarmCheckpoint(
  dataDir: string,
  cfg: ModelConfig,
  warn: (line: string) => void = () => {},
): Promise<SwarmCheckpoint | null> {
  const rounds = await listSwarmCheckpoints(dataDir)
  for (const round of rounds.reverse()) {
    try {
      return await readSwarmCheckpoint(dataDir, cfg, round)
    } catch (err) {
      warn(`${(err as Error).message}; trying an older one`)
    }
  }
  return null
}

/** θ_round as persisted in `dataDir`, rehashed. @throws naming the folder when it is missing or damaged. */
export async function readSwarmCheckpoint(dataDir: string, cfg: ModelConfig, round: bigint): Promise<SwarmCheckpoint> {
  const dir = join(dataDir, SWARM_CHECKPOINTS_DIR, dirName(round))
  try {
    const bytes = new Uint8Array(await readFile(join(dir, 'model.safetensors')))
    const meta = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as Partial<Record<keyof CheckpointJson, unknown>>
    const hash = contentHash(bytes)
    if (meta.round !== Number(round)) throw new Error(`checkpoint.json says round ${String(meta.round)}`)
    if (meta.policyHash !== toHex(hash))
      throw new Error(`model.safetensors hashes to ${toHex(hash)}, checkpoint.json says ${String(meta.policyHash)}`)
    const weights = weightsFromCheckpointBytes(cfg, bytes)
    let momentum: Float32Array | null = null
    if (meta.outerStateSha256 !== undefined) {
      const state = new Uint8Array(await readFile(join(dir, OUTER_STATE_FILE)))
      if (meta.outerStateSha256 !== toHex(contentHash(state)))
        throw new Error(`${OUTER_STATE_FILE} hashes to ${toHex(contentHash(state))}, checkpoint.json says ${String(meta.outerStateSha256)}`)
      momentum = decodeOuterState(
        state,
        [...weights.values()].reduce((n, t) => n + t.data.length, 0),
      )
    }
    return { round, policyHash: hash, weights, momentum }
  } catch (err) {
    throw new Error(`checkpoint ${dir} is unreadable (${(err as Error).message})`, { cause: err })
  }
}

/** Removes the checkpoints of rounds after `round` (a resume at `round` redoes them). */
export async function dropSwarmCheckpointsAfter(dataDir: string, round: bigint): Promise<void> {
  for (const r of await listSwarmCheckpoints(dataDir))
    if (r > round) await rm(join(dataDir, SWARM_CHECKPOINTS_DIR, dirName(r)), { recursive: true, force: true })
}
