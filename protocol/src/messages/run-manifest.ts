// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * RunManifest: everything that defines a run. Its hash is the run id, which salts every
 * signature's EIP-712 domain and seeds every derived prompt, so two manifests that differ in
 * any byte are two different runs. The model config and task parameters are opaque canonical
 * blobs owned by the engine's and the task's codecs.
 */
import { compareBytes } from '../bytes/bytes.js'
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import {
  MAX_BOOTSTRAP_ADDRS,
  MAX_COMPLETION_TOKENS,
  MAX_DELTA_CHUNK_SIZE,
  MAX_GROUP_SIZE,
  MAX_MANIFEST_BLOB_BYTES,
  MAX_MULTIADDR_BYTES,
  MAX_NAME_BYTES,
  MAX_SCORED_GROUP_BYTES,
  MAX_VALIDATORS,
  PPM,
  PROTOCOL_VERSION,
} from '../constants.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import type { Address } from '../crypto/identity.js'
import { InvalidArgumentError } from '../errors.js'
import { maxScoredGroupBytes } from './scored-group.js'
import { MESSAGE_TAGS, taggedKeccak } from './tagged-hash.js'

export const AGGREGATION_RULES = ['trimmed-mean', 'median'] as const
export type AggregationRule = (typeof AGGREGATION_RULES)[number]
export const COMPRESSION_FORMATS = ['dense-f32', 'topk-int8'] as const
export type CompressionFormat = (typeof COMPRESSION_FORMATS)[number]

export interface RunManifest {
  /** Human-readable run name (not unique; the hash is the id). */
  name: string
  chainId: bigint
  /** ContributionLedger address: the EIP-712 verifyingContract. */
  ledger: Address
  /** Canonical bytes of the model config (engine codec). */
  modelConfig: Uint8Array
  /** sha256 of the genesis checkpoint: h_0. */
  genesisPolicyHash: Uint8Array
  /** Task verifier kind, e.g. "arithmetic". */
  taskKind: string
  /** Canonical bytes of the task parameters (task codec). */
  taskParams: Uint8Array
  groupSize: number
  promptsPerPeer: number
  maxCompletionTokens: number
  temperature: number
  learningRate: number
  klCoef: number
  clipEps: number
  localSteps: number
  roundDurationMs: number
  aggregation: AggregationRule
  /** Fraction trimmed from each end by the trimmed mean, in [0, 0.5). */
  trimFraction: number
  /** Deltas are clipped to this L2 norm before aggregation. */
  clipNorm: number
  /** Deltas declaring a larger L2 norm are rejected outright. */
  maxDeltaNorm: number
  outerLearningRate: number
  outerMomentum: number
  compression: CompressionFormat
  /** Kept fraction of coordinates for top-k, parts per million. */
  topKPpm: number
  /** Values per float32 scale in the top-k int8 format. */
  chunkSize: number
  /** Fraction of completions receivers replay, parts per million. */
  replayRatePpm: number
  /** Validator addresses, strictly ascending. */
  validators: Address[]
  /** Signatures needed to commit a round, 1 ≤ quorum ≤ validators.length. */
  quorum: number
  /** Bootstrap multiaddrs (text). */
  bootstrap: string[]
}

const TYPE = 'RunManifest'

function assertFloat(name: string, v: number, min: number, max: number, minExclusive = false): void {
  if (!(minExclusive ? v > min : v >= min) || !(v <= max)) {
    throw new InvalidArgumentError(`RunManifest.${name} must be in ${minExclusive ? '(' : '['}${min}, ${max}], got ${v}.`)
  }
}

export function encodeRunManifest(m: RunManifest): Uint8Array {
  assertFloat('temperature', m.temperature, 0, 1e3, true)
  assertFloat('trimFraction', m.trimFraction, 0, 0.4999999)
  assertFloat('clipNorm', m.clipNorm, 0, 3.4e38, true)
  assertFloat('maxDeltaNorm', m.maxDeltaNorm, 0, 3.4e38, true)
  for (let i = 1; i < m.validators.length; i++) {
    if (compareBytes(m.validators[i - 1]!, m.validators[i]!) >= 0)
      throw new InvalidArgumentError('RunManifest.validators must be strictly ascending.')
  }
  if (m.validators.length < 1 || m.validators.length > MAX_VALIDATORS)
    throw new InvalidArgumentError(`RunManifest needs 1..${MAX_VALIDATORS} validators.`)
  if (m.bootstrap.length > MAX_BOOTSTRAP_ADDRS)
    throw new InvalidArgumentError(`RunManifest has more than ${MAX_BOOTSTRAP_ADDRS} bootstrap addresses.`)
  const w = new ByteWriter()
    .u8('version', PROTOCOL_VERSION)
    .string('name', m.name, MAX_NAME_BYTES)
    .u64('chainId', m.chainId)
    .fixed('ledger', m.ledger, 20)
    .bytes('modelConfig', m.modelConfig, MAX_MANIFEST_BLOB_BYTES)
    .fixed('genesisPolicyHash', m.genesisPolicyHash, 32)
    .string('taskKind', m.taskKind, MAX_NAME_BYTES)
    .bytes('taskParams', m.taskParams, MAX_MANIFEST_BLOB_BYTES)
  checkRange('groupSize', m.groupSize, 1, MAX_GROUP_SIZE)
  checkRange('promptsPerPeer', m.promptsPerPeer, 1, 0xffff)
  checkRange('maxCompletionTokens', m.maxCompletionTokens, 1, MAX_COMPLETION_TOKENS)
  if (maxScoredGroupBytes(m.groupSize, m.maxCompletionTokens) > MAX_SCORED_GROUP_BYTES) {
    throw new InvalidArgumentError(
      `RunManifest: ${m.groupSize} completions of ${m.maxCompletionTokens} tokens can exceed ${MAX_SCORED_GROUP_BYTES} bytes (MAX_SCORED_GROUP_BYTES); lower groupSize or maxCompletionTokens.`,
    )
  }
  checkRange('localSteps', m.localSteps, 1, 0xffff)
  checkRange('roundDurationMs', m.roundDurationMs, 1, 0xffffffff)
  checkRange('topKPpm', m.topKPpm, 1, PPM)
  checkRange('chunkSize', m.chunkSize, 1, MAX_DELTA_CHUNK_SIZE)
  checkRange('replayRatePpm', m.replayRatePpm, 0, PPM)
  checkRange('quorum', m.quorum, 1, m.validators.length)
  w.u16('groupSize', m.groupSize)
    .u16('promptsPerPeer', m.promptsPerPeer)
    .u32('maxCompletionTokens', m.maxCompletionTokens)
    .f32('temperature', m.temperature)
    .f32('learningRate', m.learningRate)
    .f32('klCoef', m.klCoef)
    .f32('clipEps', m.clipEps)
    .u16('localSteps', m.localSteps)
    .u32('roundDurationMs', m.roundDurationMs)
    .u8('aggregation', enumIndex('aggregation', AGGREGATION_RULES, m.aggregation))
    .f32('trimFraction', m.trimFraction)
    .f32('clipNorm', m.clipNorm)
    .f32('maxDeltaNorm', m.maxDeltaNorm)
    .f32('outerLearningRate', m.outerLearningRate)
    .f32('outerMomentum', m.outerMomentum)
    .u8('compression', enumIndex('compression', COMPRESSION_FORMATS, m.compression))
    .u32('topKPpm', m.topKPpm)
    .u32('chunkSize', m.chunkSize)
    .u32('replayRatePpm', m.replayRatePpm)
    .u16('validators', m.validators.length)
  for (const [i, v] of m.validators.entries()) w.fixed(`validators[${i}]`, v, 20)
  w.u16('quorum', m.quorum).u16('bootstrap', m.bootstrap.length)
  for (const [i, a] of m.bootstrap.entries()) w.string(`bootstrap[${i}]`, a, MAX_MULTIADDR_BYTES)
  return w.finish()
}

function checkRange(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new InvalidArgumentError(`RunManifest.${name} must be an integer in [${min}, ${max}], got ${v}.`)
}

function enumIndex<T extends string>(name: string, values: readonly T[], v: T): number {
  const i = values.indexOf(v)
  if (i < 0) throw new InvalidArgumentError(`RunManifest.${name} must be one of: ${values.join(', ')}; got "${v}".`)
  return i
}

function readEnum<T extends string>(r: ByteReader, name: string, values: readonly T[]): T {
  return values[r.range(name, 8, 0, values.length - 1)]!
}

function readFloat(r: ByteReader, name: string, min: number, max: number, minExclusive = false): number {
  const at = r.offset
  const v = r.f32(name)
  if (!(minExclusive ? v > min : v >= min) || !(v <= max)) r.fail(name, `is ${v}, outside ${minExclusive ? '(' : '['}${min}, ${max}]`, at)
  return v
}

export function decodeRunManifest(bytes: Uint8Array): RunManifest {
  const r = new ByteReader(bytes, TYPE)
  r.range('version', 8, PROTOCOL_VERSION, PROTOCOL_VERSION)
  const name = r.string('name', MAX_NAME_BYTES)
  const chainId = r.u64('chainId')
  const ledger = r.fixed('ledger', 20)
  const modelConfig = r.bytesField('modelConfig', MAX_MANIFEST_BLOB_BYTES)
  const genesisPolicyHash = r.fixed('genesisPolicyHash', 32)
  const taskKind = r.string('taskKind', MAX_NAME_BYTES)
  const taskParams = r.bytesField('taskParams', MAX_MANIFEST_BLOB_BYTES)
  const groupSize = r.range('groupSize', 16, 1, MAX_GROUP_SIZE)
  const promptsPerPeer = r.range('promptsPerPeer', 16, 1, 0xffff)
  const tokensAt = r.offset
  const maxCompletionTokens = r.range('maxCompletionTokens', 32, 1, MAX_COMPLETION_TOKENS)
  if (maxScoredGroupBytes(groupSize, maxCompletionTokens) > MAX_SCORED_GROUP_BYTES) {
    r.fail('maxCompletionTokens', `is ${maxCompletionTokens}; ${groupSize} such completions can exceed MAX_SCORED_GROUP_BYTES`, tokensAt)
  }
  const temperature = readFloat(r, 'temperature', 0, 1e3, true)
  const learningRate = r.f32('learningRate')
  const klCoef = r.f32('klCoef')
  const clipEps = r.f32('clipEps')
  const localSteps = r.range('localSteps', 16, 1, 0xffff)
  const roundDurationMs = r.range('roundDurationMs', 32, 1, 0xffffffff)
  const aggregation = readEnum(r, 'aggregation', AGGREGATION_RULES)
  const trimFraction = readFloat(r, 'trimFraction', 0, 0.4999999)
  const clipNorm = readFloat(r, 'clipNorm', 0, 3.4e38, true)
  const maxDeltaNorm = readFloat(r, 'maxDeltaNorm', 0, 3.4e38, true)
  const outerLearningRate = r.f32('outerLearningRate')
  const outerMomentum = r.f32('outerMomentum')
  const compression = readEnum(r, 'compression', COMPRESSION_FORMATS)
  const topKPpm = r.range('topKPpm', 32, 1, PPM)
  const chunkSize = r.range('chunkSize', 32, 1, MAX_DELTA_CHUNK_SIZE)
  const replayRatePpm = r.range('replayRatePpm', 32, 0, PPM)
  const nValidators = r.range('validators', 16, 1, MAX_VALIDATORS)
  const validators: Address[] = []
  for (let i = 0; i < nValidators; i++) {
    const at = r.offset
    const v = r.fixed(`validators[${i}]`, 20)
    if (i > 0 && compareBytes(validators[i - 1]!, v) >= 0) r.fail(`validators[${i}]`, 'is not strictly above the previous validator', at)
    validators.push(v)
  }
  const quorum = r.range('quorum', 16, 1, nValidators)
  const nBootstrap = r.range('bootstrap', 16, 0, MAX_BOOTSTRAP_ADDRS)
  const bootstrap: string[] = []
  for (let i = 0; i < nBootstrap; i++) bootstrap.push(r.string(`bootstrap[${i}]`, MAX_MULTIADDR_BYTES))
  r.end()
  return {
    name,
    chainId,
    ledger,
    modelConfig,
    genesisPolicyHash,
    taskKind,
    taskParams,
    groupSize,
    promptsPerPeer,
    maxCompletionTokens,
    temperature,
    learningRate,
    klCoef,
    clipEps,
    localSteps,
    roundDurationMs,
    aggregation,
    trimFraction,
    clipNorm,
    maxDeltaNorm,
    outerLearningRate,
    outerMomentum,
    compression,
    topKPpm,
    chunkSize,
    replayRatePpm,
    validators,
    quorum,
    bootstrap,
  }
}

/** The run id: keccak256 over the tagged canonical bytes. */
export function hashRunManifest(bytes: Uint8Array): Uint8Array {
  return taggedKeccak(MESSAGE_TAGS.RunManifest, bytes)
}

/** The EIP-712 domain of the run whose canonical manifest bytes are `bytes`. */
export function runDomain(bytes: Uint8Array): Eip712Domain {
  const m = decodeRunManifest(bytes)
  return { chainId: m.chainId, verifyingContract: m.ledger, salt: hashRunManifest(bytes) }
}
