// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * From a trained-genesis run (run.json, grpo/solo-run.ts) to the RunManifest a swarm agrees on,
 * and back. The manifest carries everything peers must agree on; the run.json fields it lacks
 * (trainBatchSize, weightDecay, maxGradNorm, lossNormalization, evaluation and checkpoint
 * cadence) only shape a trainer's own delta, which validators never recompute, so a peer that
 * joins from the manifest alone uses the defaults for them.
 *
 * The model config travels as canonical JSON: the Hugging Face config.json fields murmur writes
 * (toHfConfig), keys sorted, no whitespace, UTF-8. It is the same config every folder holds, so
 * the manifest's bytes are reproducible from run.json.
 */
import { fromHex } from '../bytes/bytes.js'
import { DEFAULT_REPLAY_RATE_PPM } from '../constants.js'
import { toHex } from '../crypto/hash.js'
import { InvalidArgumentError } from '../errors.js'
import type { RunManifest } from '../messages/run-manifest.js'
import { type ModelConfig, parseHfConfig, toHfConfig } from '../model/config.js'
import { decodeTaskSpec, encodeTaskSpec } from '../tasks/task-spec.js'
import { DEFAULT_GRPO, DEFAULT_WARMUP, SOLO_RUN_FORMAT, type SoloRun } from './solo-run.js'

/** What a swarm adds to a run: chain, validators, aggregation and compression (manifest fields). */
export type SwarmSettings = Pick<
  RunManifest,
  | 'chainId'
  | 'ledger'
  | 'validators'
  | 'quorum'
  | 'bootstrap'
  | 'roundDurationMs'
  | 'aggregation'
  | 'trimFraction'
  | 'clipNorm'
  | 'maxDeltaNorm'
  | 'outerLearningRate'
  | 'outerMomentum'
  | 'compression'
  | 'topKPpm'
  | 'chunkSize'
  | 'replayRatePpm'
>

/**
 * Defaults for small swarms: plain mean of pseudo-gradients applied at lr 1 (trim 0.1 trims
 * nothing below 10 deltas; sparse top-k deltas would otherwise be trimmed to zero coordinate by
 * coordinate), top 1% int8 with error feedback, 5% of completions replayed.
 */
export const DEFAULT_SWARM: Omit<SwarmSettings, 'chainId' | 'ledger' | 'validators' | 'quorum' | 'bootstrap' | 'roundDurationMs'> = {
  aggregation: 'trimmed-mean',
  trimFraction: 0.1,
  clipNorm: 1,
  maxDeltaNorm: 1000,
  outerLearningRate: 1,
  outerMomentum: 0,
  compression: 'topk-int8',
  topKPpm: 10_000,
  chunkSize: 256,
  replayRatePpm: DEFAULT_REPLAY_RATE_PPM,
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new InvalidArgumentError(`Cannot encode ${value} in canonical JSON.`)
  return JSON.stringify(value)
}

/** The manifest's `modelConfig` bytes: canonical JSON of the config.json fields. */
export function encodeModelConfig(cfg: ModelConfig): Uint8Array {
  return new TextEncoder().encode(canonicalJson(toHfConfig(cfg)))
}

/** The model config of manifest bytes. @throws InvalidArgumentError naming what is wrong. */
export function decodeModelConfig(bytes: Uint8Array): ModelConfig {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new InvalidArgumentError(`The manifest's modelConfig is not UTF-8 JSON: ${(err as Error).message}`)
  }
  const cfg = parseHfConfig(json, 'manifest modelConfig')
  const canonical = encodeModelConfig(cfg)
  if (canonical.length !== bytes.length || canonical.some((b, i) => b !== bytes[i]))
    throw new InvalidArgumentError("The manifest's modelConfig is not in canonical form (sorted keys, no whitespace, murmur's fields).")
  return cfg
}

/** The swarm manifest of a run whose genesis is trained (real-valued settings rounded to float32, as the manifest stores them). */
export function swarmManifest(run: SoloRun, s: SwarmSettings): RunManifest {
  if (run.genesisPolicyHash === null)
    throw new InvalidArgumentError(`Run "${run.name}" has no genesis policy yet; finish \`murmur init\` first.`)
  if (run.topP !== 1)
    throw new InvalidArgumentError(
      `Run "${run.name}" samples with topP ${run.topP}; swarm runs sample the full distribution (topP 1), which replays check.`,
    )
  return {
    name: run.name,
    chainId: s.chainId,
    ledger: s.ledger,
    modelConfig: encodeModelConfig(parseHfConfig(run.modelConfig, 'run.json modelConfig')),
    genesisPolicyHash: fromHex(run.genesisPolicyHash),
    taskKind: run.taskKind,
    taskParams: encodeTaskSpec(run.taskParams),
    groupSize: run.groupSize,
    promptsPerPeer: run.promptsPerPeer,
    maxCompletionTokens: run.maxCompletionTokens,
    temperature: Math.fround(run.temperature),
    learningRate: Math.fround(run.learningRate),
    klCoef: Math.fround(run.klCoef),
    clipEps: Math.fround(run.clipEps),
    localSteps: run.localSteps,
    roundDurationMs: s.roundDurationMs,
    aggregation: s.aggregation,
    trimFraction: Math.fround(s.trimFraction),
    clipNorm: Math.fround(s.clipNorm),
    maxDeltaNorm: Math.fround(s.maxDeltaNorm),
    outerLearningRate: Math.fround(s.outerLearningRate),
    outerMomentum: Math.fround(s.outerMomentum),
    compression: s.compression,
    topKPpm: s.topKPpm,
    chunkSize: s.chunkSize,
    replayRatePpm: s.replayRatePpm,
    validators: s.validators,
    quorum: s.quorum,
    bootstrap: s.bootstrap,
  }
}

/**
 * The run a peer trains under a manifest: its consensus fields, and murmur's defaults for the
 * local ones. `seed` is the run id (it only seeds local length probes).
 */
export function soloRunOfManifest(m: RunManifest, runId: Uint8Array): SoloRun {
  const cfg = decodeModelConfig(m.modelConfig)
  const taskParams = decodeTaskSpec(m.taskParams)
  if (taskParams.family !== m.taskKind)
    throw new InvalidArgumentError(`The manifest's taskKind "${m.taskKind}" does not match its task parameters (${taskParams.family}).`)
  return {
    ...DEFAULT_GRPO,
    format: SOLO_RUN_FORMAT,
    name: m.name,
    model: 'manifest',
    modelConfig: toHfConfig(cfg),
    genesisPolicyHash: toHex(m.genesisPolicyHash),
    taskKind: m.taskKind,
    taskParams,
    seed: `0x${toHex(runId)}`,
    groupSize: m.groupSize,
    promptsPerPeer: m.promptsPerPeer,
    maxCompletionTokens: m.maxCompletionTokens,
    temperature: m.temperature,
    topP: 1,
    learningRate: m.learningRate,
    klCoef: m.klCoef,
    clipEps: m.clipEps,
    localSteps: m.localSteps,
    roundDurationMs: m.roundDurationMs,
    evalEvery: 5,
    evalProblems: 100,
    checkpointEvery: 1,
    keepCheckpoints: 5,
    warmup: DEFAULT_WARMUP,
  }
}
