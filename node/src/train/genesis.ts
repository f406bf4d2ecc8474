/**
 * Genesis: a short supervised warm-up on generated solutions (prompt ‖ answer ‖ eos, the 'sft'
 * objective) from deterministic random weights, so RL starts from a weak but non-zero policy.
 * It stops at the step budget or as soon as greedy accuracy on validation problems (held-out
 * problems evalSeed(1e6 + i), disjoint from the reported evalSeed(0..n−1)) reaches the target.
 * Resumable: the warm-up state is snapshotted at every evaluation into RUN_DIR/warmup/; the
 * genesis folder is written once, at the end, and run.json then records its policy hash.
 */
import { randomBytes } from 'node:crypto'
import { rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type AdamWState,
  adamWStep,
  clipGradNorm,
  createAdamWState,
  deriveSeed,
  initWeights,
  learningRateAt,
  Policy,
  PolicyTrainer,
  type RuntimeComponents,
  supervisedSample,
  type TrainSample,
  toHex,
  trainSeed,
  type Weights,
} from '@murmur/protocol'
import { writeModelFolder } from '../model/folder.js'
import { saveCharTokenizerFolder } from '../model/tokenizer-folder.js'
import { type RunContext, runContext, warmupTarget } from './context.js'
import { heldOutAccuracy } from './evaluate.js'
import { appendMetrics, GENESIS_DIR, pathExists, readRun, readSnapshot, WARMUP_DIR, writeRun, writeSnapshot } from './run-dir.js'

/** Warm-up validation problems are evalSeed(VALIDATION_OFFSET + i): held out, but not the reported set. */
export const VALIDATION_OFFSET = 1_000_000
const INIT_DOMAIN = 'murmur/solo/init/v1'

export interface WarmupProgress {
  step: number
  steps: number
  loss: number
  /** Validation greedy accuracy, on steps where it was measured. */
  accuracy?: number
  seconds: number
}

export interface GenesisResult {
  policyHash: string
  steps: number
  /** Validation greedy accuracy at the end of the warm-up. */
  accuracy: number
  seconds: number
  resumedFrom: number
}

export interface GenesisInit {
  runtime: RuntimeComponents
  runDir: string
  onProgress?: (p: WarmupProgress) => void
  /** Checked between steps; when aborted, the warm-up snapshots and returns null. */
  signal?: AbortSignal
  /** Wall clock (seconds), injected for tests; default performance.now. */
  now?: () => number
}

function warmupSamples(ctx: RunContext, step: number): TrainSample[] {
  const { run, task, tokenizer, seed, seq } = ctx
  const out: TrainSample[] = []
  for (let i = 0; out.length < run.warmup.batchSize && i < 4 * run.warmup.batchSize; i++) {
    const instance = task.instance(trainSeed(seed, 'warmup', step, i))
    const s = supervisedSample(tokenizer, instance, warmupTarget(run, task, instance))
    if (s.tokens.length <= seq + 1) out.push(s)
  }
  return out
}

async function validationAccuracy(ctx: RunContext, runtime: RuntimeComponents, weights: Weights): Promise<number> {
  const policy = await Policy.load(runtime, ctx.cfg, weights)
  try {
    const r = await heldOutAccuracy({
      policy,
      task: ctx.task,
      tokenizer: ctx.tokenizer,
      problems: ctx.run.warmup.evalProblems,
      offset: VALIDATION_OFFSET,
      maxNewTokens: ctx.run.maxCompletionTokens,
    })
    return r.accuracy
  } finally {
    await policy.release()
  }
}

/**
 * Runs (or resumes) the warm-up of the run in `runDir` and writes RUN_DIR/genesis.
 * Returns null when interrupted through `signal` (the state is saved; call again to resume).
 */
export async function createGenesis({
  runtime,
  runDir,
  onProgress,
  signal,
  now = () => performance.now() / 1000,
}: GenesisInit): Promise<GenesisResult | null> {
  const run = await readRun(runDir)
  const ctx = runContext(run)
  const { cfg, tokenizer } = ctx
  const warmupDir = join(runDir, WARMUP_DIR)
  let weights: Weights
  let optimizer: AdamWState
  let step = 0
  let seconds = 0
  let accuracy = 0
  if (await pathExists(join(warmupDir, 'state.json'))) {
    const snap = await readSnapshot(warmupDir)
    weights = snap.weights
    optimizer = snap.optimizer
    step = snap.state.completed
    seconds = snap.state.seconds
  } else {
    weights = initWeights(cfg, deriveSeed(INIT_DOMAIN, ctx.seed))
    optimizer = createAdamWState()
  }
  const resumedFrom = step
  const { warmup } = run
  const trainer =
    step < warmup.steps
      ? await PolicyTrainer.create(runtime, cfg, {
          batch: warmup.batchSize,
          seq: ctx.seq,
          loss: { objective: 'sft' },
          normalization: 'token',
        })
      : undefined
  const save = () =>
    writeSnapshot(runDir, WARMUP_DIR, {
      cfg,
      weights,
      optimizer,
      state: { completed: step, seconds, samples: step * warmup.batchSize },
    })
  try {
    let start = now()
    let reached = false
    while (step < warmup.steps && !reached) {
      if (signal?.aborted) {
        seconds += now() - start
        await save()
        return null
      }
      const samples = warmupSamples(ctx, step)
      const r = await trainer!.step(weights, samples)
      clipGradNorm(r.grads, run.maxGradNorm)
      const lr = learningRateAt({ step, learningRate: warmup.learningRate, warmupSteps: Math.min(50, warmup.steps) })
      adamWStep({ params: weights, grads: r.grads, state: optimizer, lr, weightDecay: run.weightDecay, betas: [0.9, 0.98] })
      step++
      const progress: WarmupProgress = { step, steps: warmup.steps, loss: r.loss, seconds: seconds + now() - start }
      if (step % warmup.evalEvery === 0 || step === warmup.steps) {
        accuracy = await validationAccuracy(ctx, runtime, weights)
        progress.accuracy = accuracy
        reached = accuracy >= warmup.targetAccuracy
        seconds += now() - start
        start = now()
        progress.seconds = seconds
        await appendMetrics(runDir, { phase: 'warmup', step, loss: r.loss, validationAccuracy: accuracy, seconds })
        if (step < warmup.steps && !reached) await save()
      }
      onProgress?.(progress)
    }
    seconds += now() - start
  } finally {
    await trainer?.release()
  }
  if (step === resumedFrom) accuracy = await validationAccuracy(ctx, runtime, weights)
  // assembled under a temporary name and renamed: RUN_DIR/genesis is always complete
  const genesisDir = join(runDir, GENESIS_DIR)
  const tmp = join(runDir, `.${GENESIS_DIR}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  const { policyHash } = await writeModelFolder(tmp, cfg, weights, {
    config: { bos_token_id: tokenizer.bosId, eos_token_id: tokenizer.eosId, pad_token_id: tokenizer.padId },
  })
  await saveCharTokenizerFolder(tmp, tokenizer)
  await rm(genesisDir, { recursive: true, force: true })
  await rename(tmp, genesisDir)
  const hash = toHex(policyHash)
  await writeRun(runDir, { ...run, genesisPolicyHash: hash })
  await rm(warmupDir, { recursive: true, force: true })
  return { policyHash: hash, steps: step, accuracy, seconds, resumedFrom }
}
