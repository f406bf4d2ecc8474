/**
 * The solo run configuration: what `murmur init` writes to RUN_DIR/run.json and `murmur train`
 * reads back. JSON, not hashed (STYLE.md §7: JSON is for configs); field names follow
 * RunManifest (messages/run-manifest.ts) where the two overlap (`name`, `modelConfig`,
 * `genesisPolicyHash`, `taskKind`, `taskParams`, `groupSize`, `promptsPerPeer`,
 * `maxCompletionTokens`, `temperature`, `learningRate`, `klCoef`, `clipEps`, `localSteps`,
 * `roundDurationMs`), so a swarm manifest can be derived from it. `modelConfig` holds the
 * Hugging Face config.json fields and `taskParams` the normalised task spec, whose canonical
 * bytes are `encodeTaskSpec(taskParams)`.
 */
import { fromHex, toHex0x } from '../bytes/bytes.js'
import type { LossNormalization } from '../engine/train-batch.js'
import { ProtocolError } from '../errors.js'
import { type ModelConfig, parseHfConfig, toHfConfig } from '../model/config.js'
import { createTask } from '../tasks/create-task.js'
import { evalSeed, trainSeed } from '../tasks/seeds.js'
import type { SolutionStyle, Task, TaskInstance } from '../tasks/task.js'
import { normalizeTaskSpec, type TaskSpec } from '../tasks/task-spec.js'
import { createCharTokenizer } from '../tokenizer/char-tokenizer.js'
import type { Tokenizer } from '../tokenizer/tokenizer.js'
import { promptTokens } from './solo-round.js'

export const SOLO_RUN_FORMAT = 'murmur/solo-run/v1'

/** run.json (or a value in it) is not a usable solo run; names the file and field. */
export class RunConfigError extends ProtocolError {
  override name = 'RunConfigError' as const
  constructor(d: { file: string; field: string; reason: string }) {
    super(`${d.file}: field "${d.field}" ${d.reason}.`, d)
  }
}

/** GRPO hyperparameters of one solo round (DeepSeekMath sec. 4.1; DAPO for token normalisation). */
export interface GrpoHyperparameters {
  /** Completions per prompt, G. */
  groupSize: number
  /** Prompts sampled per round. */
  promptsPerPeer: number
  maxCompletionTokens: number
  temperature: number
  /** Nucleus of the sampler; 1 samples the full distribution. */
  topP: number
  learningRate: number
  /** β of the k3 KL penalty to the genesis policy; 0 = no reference pass in the loss. */
  klCoef: number
  /** PPO/GRPO ratio clip ε. */
  clipEps: number
  /** Optimiser passes over one round's batch (μ in GRPO): one AdamW step each. */
  localSteps: number
  /** Samples per run of the training graph; a round's batch is cut into pieces of at most
   * this many, whose gradients are accumulated into the pass's one step. */
  trainBatchSize: number
  weightDecay: number
  /** Global gradient-norm clip before each AdamW step. */
  maxGradNorm: number
  lossNormalization: LossNormalization
}

/** Supervised warm-up that turns random weights into the genesis policy. */
export interface WarmupParameters {
  /** Step budget; the warm-up stops earlier once held-out greedy accuracy reaches `targetAccuracy`. */
  steps: number
  batchSize: number
  learningRate: number
  /** Held-out greedy accuracy is measured every this many steps (and at the end). */
  evalEvery: number
  evalProblems: number
  /** Stop as soon as held-out greedy accuracy reaches this (RL should start weak but non-zero). */
  targetAccuracy: number
  /** What the model learns to write: the bare answer or the task's worked solution
   * (Task.worked); GRPO then samples and rewards completions of that form. */
  solutions: SolutionStyle
}

export interface SoloRun extends GrpoHyperparameters {
  format: typeof SOLO_RUN_FORMAT
  name: string
  /** Named config the run was created from (`tiny`, `small`), for humans. */
  model: string
  /** The model config as Hugging Face config.json fields. */
  modelConfig: Record<string, unknown>
  /** sha256 of genesis/model.safetensors (hex), once the warm-up has finished; null before. */
  genesisPolicyHash: string | null
  /** The task family (RunManifest.taskKind). */
  taskKind: string
  /** The normalised task spec (encodeTaskSpec's input). */
  taskParams: TaskSpec
  /** 32-byte run seed (0x hex): weights init, warm-up problems, prompts and sampling uniforms. */
  seed: string
  /** Advisory in solo training (rounds run back to back); the swarm closes rounds on it. */
  roundDurationMs: number
  /** Held-out greedy accuracy is measured every this many rounds (and after the last). */
  evalEvery: number
  evalProblems: number
  /** A checkpoint is written every this many rounds (and after the last). */
  checkpointEvery: number
  /** Round checkpoints kept on disk; older ones are deleted after a newer one is written. */
  keepCheckpoints: number
  warmup: WarmupParameters
}

/**
 * Defaults measured on 2–3-digit addition with the tiny model and worked solutions
 * (node/src/bench/learn.ts), one AdamW step per round: lr 1e-3 collapsed a 47% genesis to 0%
 * within 10 rounds, 3e-4 climbs steadily. Per wall second, 64 prompts a round (512 completions)
 * beat 32 (noisier) and 128 (slower rounds): 80% held-out after 40 rounds against 130 and 40.
 */
export const DEFAULT_GRPO: GrpoHyperparameters = {
  groupSize: 8,
  promptsPerPeer: 64,
  maxCompletionTokens: 6,
  temperature: 1,
  topP: 1,
  learningRate: 3e-4,
  klCoef: 0,
  clipEps: 0.2,
  localSteps: 1,
  trainBatchSize: 64,
  weightDecay: 0,
  maxGradNorm: 1,
  lossNormalization: 'token',
}

export const DEFAULT_WARMUP: WarmupParameters = {
  steps: 1500,
  batchSize: 64,
  learningRate: 2e-3,
  evalEvery: 25,
  evalProblems: 100,
  targetAccuracy: 0.35,
  solutions: 'answer',
}

/** Spare completion tokens beyond the longest worked solution, so a slightly longer try is still scored. */
export const COMPLETION_MARGIN = 2

export interface CreateSoloRunParameters {
  name: string
  model: string
  config: ModelConfig
  task: TaskSpec
  seed: Uint8Array
  grpo?: Partial<GrpoHyperparameters>
  warmup?: Partial<WarmupParameters>
  evalEvery?: number
  evalProblems?: number
}

/** Problems of each split probed for the longest prompt and supervised target. */
const LENGTH_PROBES = 512

/** The supervised target of a problem: the bare answer, or the task's worked solution. */
export function solutionText(task: Task, instance: TaskInstance, style: SolutionStyle): string {
  return style === 'worked' ? task.worked(instance) : instance.answer
}

/**
 * The longest prompt (BOS included) and the longest supervised target (end of sequence
 * included), in tokens, over LENGTH_PROBES problems of each split: what a run's training
 * sequence and completion budget must hold.
 */
export function probeTaskLengths(
  task: Task,
  solutions: SolutionStyle,
  seed: Uint8Array,
  tokenizer: Pick<Tokenizer, 'encode' | 'bosId'>,
): { prompt: number; target: number } {
  let prompt = 0
  let target = 0
  for (let i = 0; i < LENGTH_PROBES; i++) {
    for (const inst of [task.instance(trainSeed(seed, 'length-probe', i)), task.instance(evalSeed(i))]) {
      prompt = Math.max(prompt, promptTokens(tokenizer, inst.prompt).length)
      target = Math.max(target, tokenizer.encode(solutionText(task, inst, solutions)).length + 1)
    }
  }
  return { prompt, target }
}

/** Tokens of the task's longest warm-up target with the character tokenizer ({@link probeTaskLengths}). */
export function longestTargetTokens(task: TaskSpec, solutions: SolutionStyle, seed: Uint8Array): number {
  return probeTaskLengths(createTask(task), solutions, seed, createCharTokenizer()).target
}

/**
 * A new run (genesis not yet trained), validated. Without an explicit `maxCompletionTokens`, a
 * run whose warm-up teaches worked solutions gets room for the longest one plus
 * COMPLETION_MARGIN tokens (the default fits bare answers).
 */
export function createSoloRun(p: CreateSoloRunParameters): SoloRun {
  const solutions = p.warmup?.solutions ?? DEFAULT_WARMUP.solutions
  const completionTokens =
    p.grpo?.maxCompletionTokens ??
    (solutions === 'worked' ? longestTargetTokens(p.task, solutions, p.seed) + COMPLETION_MARGIN : DEFAULT_GRPO.maxCompletionTokens)
  const run: SoloRun = {
    format: SOLO_RUN_FORMAT,
    name: p.name,
    model: p.model,
    modelConfig: toHfConfig(p.config),
    genesisPolicyHash: null,
    taskKind: p.task.family,
    taskParams: normalizeTaskSpec(p.task),
    seed: toHex0x(p.seed),
    ...DEFAULT_GRPO,
    ...p.grpo,
    maxCompletionTokens: completionTokens,
    roundDurationMs: 60_000,
    evalEvery: p.evalEvery ?? 10,
    evalProblems: p.evalProblems ?? 200,
    checkpointEvery: 1,
    keepCheckpoints: 3,
    warmup: { ...DEFAULT_WARMUP, ...p.warmup },
  }
  return parseSoloRun(JSON.parse(JSON.stringify(run)))
}

type Fail = (field: string, reason: string) => never

function int(fail: Fail, obj: Record<string, unknown>, field: string, min: number, max: number, prefix = ''): number {
  const v = obj[field]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    fail(`${prefix}${field}`, `is ${JSON.stringify(v) ?? 'missing'}; it must be an integer in [${min}, ${max}]`)
  return v as number
}

function num(fail: Fail, obj: Record<string, unknown>, field: string, min: number, max: number, prefix = '', minOpen = false): number {
  const v = obj[field]
  const ok = typeof v === 'number' && Number.isFinite(v) && (minOpen ? v > min : v >= min) && v <= max
  if (!ok) fail(`${prefix}${field}`, `is ${JSON.stringify(v) ?? 'missing'}; it must be a number in ${minOpen ? '(' : '['}${min}, ${max}]`)
  return v as number
}

function str(fail: Fail, obj: Record<string, unknown>, field: string): string {
  const v = obj[field]
  if (typeof v !== 'string' || v.length === 0) fail(field, `is ${JSON.stringify(v) ?? 'missing'}; it must be a non-empty string`)
  return v as string
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Validates a parsed run.json. Every problem names the file and field; unknown fields are
 * dropped. @throws RunConfigError
 */
export function parseSoloRun(json: unknown, file = 'run.json'): SoloRun {
  const fail: Fail = (field, reason) => {
    throw new RunConfigError({ file, field, reason })
  }
  if (!isRecord(json)) return fail('(root)', 'must be a JSON object')
  if (json.format !== SOLO_RUN_FORMAT) fail('format', `is ${JSON.stringify(json.format) ?? 'missing'}; expected "${SOLO_RUN_FORMAT}"`)
  if (!isRecord(json.modelConfig)) fail('modelConfig', 'must be an object of Hugging Face config.json fields')
  try {
    parseHfConfig(json.modelConfig, `${file} modelConfig`)
  } catch (err) {
    fail('modelConfig', `is not a usable model config (${(err as Error).message.replace(/\.$/, '')})`)
  }
  if (!isRecord(json.taskParams)) fail('taskParams', 'must be a task spec object with a "family"')
  let taskParams: TaskSpec
  try {
    taskParams = normalizeTaskSpec(json.taskParams as { family: string })
  } catch (err) {
    return fail('taskParams', `is not a usable task spec (${(err as Error).message.replace(/\.$/, '')})`)
  }
  if (json.taskKind !== taskParams.family) fail('taskKind', `is ${JSON.stringify(json.taskKind)}; it must equal taskParams.family`)
  const seed = str(fail, json, 'seed')
  if (!/^0x[0-9a-f]{64}$/.test(seed)) fail('seed', `is ${JSON.stringify(seed)}; it must be 0x followed by 64 lower-case hex digits`)
  const hash = json.genesisPolicyHash
  if (hash !== null && (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)))
    fail('genesisPolicyHash', `is ${JSON.stringify(hash)}; it must be null or 64 lower-case hex digits`)
  const norm = json.lossNormalization
  if (norm !== 'token' && norm !== 'sequence') fail('lossNormalization', `is ${JSON.stringify(norm)}; use "token" or "sequence"`)
  if (!isRecord(json.warmup)) fail('warmup', 'must be an object')
  const w = json.warmup as Record<string, unknown>
  return {
    format: SOLO_RUN_FORMAT,
    name: str(fail, json, 'name'),
    model: str(fail, json, 'model'),
    modelConfig: json.modelConfig as Record<string, unknown>,
    genesisPolicyHash: hash as string | null,
    taskKind: taskParams.family,
    taskParams,
    seed,
    groupSize: int(fail, json, 'groupSize', 1, 64),
    promptsPerPeer: int(fail, json, 'promptsPerPeer', 1, 0xffff),
    maxCompletionTokens: int(fail, json, 'maxCompletionTokens', 1, 4096),
    temperature: num(fail, json, 'temperature', 0, 1e3, '', true),
    topP: num(fail, json, 'topP', 0, 1, '', true),
    learningRate: num(fail, json, 'learningRate', 0, 1),
    klCoef: num(fail, json, 'klCoef', 0, 1e3),
    clipEps: num(fail, json, 'clipEps', 0, 1, '', true),
    localSteps: int(fail, json, 'localSteps', 1, 0xffff),
    trainBatchSize: int(fail, json, 'trainBatchSize', 1, 4096),
    weightDecay: num(fail, json, 'weightDecay', 0, 1),
    maxGradNorm: num(fail, json, 'maxGradNorm', 0, 1e6, '', true),
    lossNormalization: norm as LossNormalization,
    roundDurationMs: int(fail, json, 'roundDurationMs', 1, 0xffffffff),
    evalEvery: int(fail, json, 'evalEvery', 1, 1e6),
    evalProblems: int(fail, json, 'evalProblems', 1, 1e6),
    checkpointEvery: int(fail, json, 'checkpointEvery', 1, 1e6),
    keepCheckpoints: int(fail, json, 'keepCheckpoints', 1, 1e6),
    warmup: {
      steps: int(fail, w, 'steps', 0, 1e7, 'warmup.'),
      batchSize: int(fail, w, 'batchSize', 1, 4096, 'warmup.'),
      learningRate: num(fail, w, 'learningRate', 0, 1, 'warmup.'),
      evalEvery: int(fail, w, 'evalEvery', 1, 1e7, 'warmup.'),
      evalProblems: int(fail, w, 'evalProblems', 1, 1e6, 'warmup.'),
      targetAccuracy: num(fail, w, 'targetAccuracy', 0, 1, 'warmup.'),
      // absent in run.json files written before worked solutions existed: those taught answers
      solutions: w.solutions === undefined ? 'answer' : solutionStyle(fail, w.solutions),
    },
  }
}

function solutionStyle(fail: Fail, v: unknown): SolutionStyle {
  if (v !== 'answer' && v !== 'worked') fail('warmup.solutions', `is ${JSON.stringify(v)}; use "answer" or "worked"`)
  return v as SolutionStyle
}

/** The run's model config. */
export function soloRunModelConfig(run: SoloRun): ModelConfig {
  return parseHfConfig(run.modelConfig, 'run.json modelConfig')
}

/** The run's 32-byte seed. */
export function soloRunSeed(run: SoloRun): Uint8Array {
  return fromHex(run.seed)
}
