/**
 * Solo GRPO: one peer trains the run's policy alone, round after round, from the genesis
 * checkpoint or the newest round checkpoint. Each round: derive the round's prompts from seeds,
 * sample G completions each with the seeded sampler, score them with the task's verifier,
 * compute group-relative advantages (zero-variance groups carry no gradient and are counted),
 * take `localSteps` passes of AdamW steps over the batch, evaluate held-out greedy accuracy
 * every `evalEvery` rounds, append a metrics line and write an atomic checkpoint.
 */
import { join } from 'node:path'
import {
  type AdamWState,
  adamWStep,
  assembleGrpoBatch,
  clipGradNorm,
  createAdamWState,
  Policy,
  PolicyTrainer,
  promptTokens,
  type RolloutGroup,
  type RuntimeComponents,
  rolloutStatistics,
  soloRoundPrompts,
  toHex,
  tokenDistribution,
  type Weights,
  weightsHash,
} from '@murmur/protocol'
import { CliError, EXIT } from '../errors.js'
import { runContext } from './context.js'
import { heldOutAccuracy } from './evaluate.js'
import { generateGroups } from './rollouts.js'
import {
  appendMetrics,
  CHECKPOINTS_DIR,
  checkpointName,
  listCheckpoints,
  pruneCheckpoints,
  readGenesis,
  readRun,
  readSnapshot,
  writeSnapshot,
} from './run-dir.js'

export interface RoundMetrics {
  round: number
  /** Mean task reward of the round's sampled completions. */
  reward: number
  /** Fraction of sampled completions that were correct. */
  sampleAccuracy: number
  /** Held-out greedy accuracy, on evaluation rounds. */
  accuracy?: number
  evalProblems?: number
  /** Wall seconds of this round (sampling + training + evaluation + checkpoint). */
  seconds: number
  samplingSeconds: number
  trainingSeconds: number
  evalSeconds: number
  /** Sampled tokens per second of sampling time. */
  tokensPerSecond: number
  /** k1 estimate of KL(π_θ ‖ π_genesis) per token over the round's samples (the first few groups when klCoef is 0). */
  klToGenesis: number | null
  /** Per-token entropy estimate of the sampler, −mean log π. */
  entropy: number
  loss: number
  gradNorm: number
  groups: number
  zeroVarianceGroups: number
  /** Samples trained on this round (completions of groups with reward variance). */
  trainedSamples: number
  /** Completions sampled so far in the run, this round included. */
  samples: number
  /** Wall seconds of training so far in the run, summed over sessions. */
  totalSeconds: number
  learningRate: number
  policyHash?: string
}

export interface SoloTrainInit {
  runtime: RuntimeComponents
  runDir: string
  /** Train until this many rounds are complete (a resumed run continues where it stopped). */
  rounds: number
  onRound?: (m: RoundMetrics) => void
  /** Called between phases of a round, for a live status line. */
  onStatus?: (s: { round: number; phase: 'sampling' | 'training' | 'evaluating' | 'checkpointing' }) => void
  /** Checked between rounds: an aborted run stops after checkpointing the round in progress. */
  signal?: AbortSignal
  /** Called after each round's metrics; returning true stops training there (after its checkpoint). */
  until?: (m: RoundMetrics) => boolean
  /** Evaluate held-out accuracy every this many rounds instead of run.json's evalEvery. */
  evalEvery?: number
  /** Override run.json's evaluation size (e.g. the learn benchmark's 500 problems). */
  evalProblems?: number
  now?: () => number
}

export interface SoloTrainResult {
  /** Rounds complete when training started and when it stopped. */
  startRound: number
  endRound: number
  interrupted: boolean
  lastAccuracy?: number
}

/** Groups whose completions feed the per-round KL-to-genesis estimate when the loss has no KL term. */
const KL_METRIC_GROUPS = 4

/** log π_ref(token) at the sampling temperature for each completion, from one teacher-forced pass. */
async function referenceLogprobs(ref: Policy, groups: readonly RolloutGroup[], temperature: number): Promise<number[][][]> {
  const seqs: number[][] = []
  for (const g of groups) for (const c of g.completions) if (c.tokens.length > 0) seqs.push([...g.prompt, ...c.tokens])
  if (seqs.length === 0) return groups.map((g) => g.completions.map(() => []))
  const V = ref.cfg.vocabSize
  const { logits, length: T } = await ref.logits(seqs)
  let k = 0
  return groups.map((g) =>
    g.completions.map((c) => {
      if (c.tokens.length === 0) return []
      const row = k++
      return c.tokens.map((tok, t) => {
        const pos = g.prompt.length - 1 + t
        const dist = tokenDistribution(logits.subarray((row * T + pos) * V, (row * T + pos + 1) * V), { temperature, topP: 1 })
        return dist.logprobs[tok]!
      })
    }),
  )
}

async function loadStart(
  runDir: string,
  genesis: Weights,
): Promise<{ weights: Weights; optimizer: AdamWState; round: number; seconds: number; samples: number }> {
  const rounds = await listCheckpoints(runDir)
  const latest = rounds.at(-1)
  if (latest === undefined) {
    const copy = new Map([...genesis].map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]))
    return { weights: copy, optimizer: createAdamWState(), round: 0, seconds: 0, samples: 0 }
  }
  const dir = join(runDir, CHECKPOINTS_DIR, checkpointName(latest))
  try {
    const snap = await readSnapshot(dir)
    if (snap.state.completed !== latest) throw new Error(`state.json says ${snap.state.completed} rounds`)
    return { weights: snap.weights, optimizer: snap.optimizer, round: latest, seconds: snap.state.seconds, samples: snap.state.samples }
  } catch (err) {
    throw new CliError(
      `Checkpoint ${dir} cannot be resumed from: ${(err as Error).message.replace(/\.$/, '')}. Move it aside to resume from the one before it.`,
      EXIT.input,
      { cause: err },
    )
  }
}

/** Trains the run in `runDir` until `rounds` rounds are complete (or `signal` aborts). */
export async function trainSolo(init: SoloTrainInit): Promise<SoloTrainResult> {
  const { runtime, runDir, signal } = init
  const now = init.now ?? (() => performance.now() / 1000)
  const run = await readRun(runDir)
  if (run.genesisPolicyHash === null)
    throw new CliError(`${runDir} has no genesis policy yet: \`murmur init\` did not finish. Re-run it to resume the warm-up.`, EXIT.input)
  const ctx = runContext(run)
  const { cfg, task, tokenizer } = ctx
  const genesis = await readGenesis(runDir)
  const genesisHash = toHex(weightsHash(cfg, genesis.weights))
  if (genesisHash !== run.genesisPolicyHash)
    throw new CliError(
      `${join(runDir, 'genesis')} has policy hash ${genesisHash}, but run.json records ${run.genesisPolicyHash}; the genesis checkpoint was changed.`,
      EXIT.input,
    )
  const start = await loadStart(runDir, genesis.weights)
  let { weights, optimizer, seconds: totalSeconds, samples: totalSamples } = start
  const result: SoloTrainResult = { startRound: start.round, endRound: start.round, interrupted: false }
  if (start.round >= init.rounds) return result

  const evalProblems = init.evalProblems ?? run.evalProblems
  const sampling = { temperature: run.temperature, topP: run.topP }
  const trainer = await PolicyTrainer.create(runtime, cfg, {
    batch: run.trainBatchSize,
    seq: ctx.seq,
    loss: { clipLow: run.clipEps, clipHigh: run.clipEps, klBeta: run.klCoef, temperature: run.temperature, objective: 'grpo' },
    normalization: run.lossNormalization,
  })
  const ref = await Policy.load(runtime, cfg, genesis.weights)
  let policy = await Policy.load(runtime, cfg, weights)
  try {
    for (let round = start.round; round < init.rounds; round++) {
      if (signal?.aborted) {
        result.interrupted = true
        break
      }
      const t0 = now()
      // 1. rollouts
      init.onStatus?.({ round: round + 1, phase: 'sampling' })
      const prompts = soloRoundPrompts({ task, run: ctx.seed, round, count: run.promptsPerPeer })
      const requests = prompts
        .map(({ seed, instance }) => ({ seed, instance, prompt: promptTokens(tokenizer, instance.prompt) }))
        .filter((r) => r.prompt.length <= ctx.maxPromptTokens)
      const sampled = await generateGroups(policy, requests, {
        group: run.groupSize,
        maxNewTokens: run.maxCompletionTokens,
        stopTokens: tokenizer.stopIds,
        ...sampling,
      })
      const groups: RolloutGroup[] = requests.map(({ instance, prompt }, i) => ({
        prompt,
        completions: sampled[i]!.map((c) => {
          const r = task.reward(instance, tokenizer.decode(c.tokens))
          return { tokens: c.tokens, logprobs: c.logprobs, reward: r.reward, correctness: r.correctness }
        }),
      }))
      const t1 = now()
      // 2. advantages, reference log-probs, GRPO steps
      init.onStatus?.({ round: round + 1, phase: 'training' })
      // the loss needs π_ref for every sample when klCoef > 0; otherwise the KL metric is
      // estimated on the first KL_METRIC_GROUPS groups, which costs a fraction of a training step
      const refGroups = run.klCoef > 0 ? groups : groups.slice(0, KL_METRIC_GROUPS)
      const refLogprobs = await referenceLogprobs(ref, refGroups, run.temperature)
      const entropy = rolloutStatistics(groups.flatMap((g) => g.completions))
      const kl = rolloutStatistics(
        refGroups.flatMap((g) => g.completions),
        refLogprobs.flat(),
      )
      const stats = { tokens: entropy.tokens, entropy: entropy.entropy, klToReference: kl.klToReference }
      const batch = assembleGrpoBatch({
        groups:
          run.klCoef > 0
            ? groups.map((g, gi) => ({ ...g, completions: g.completions.map((c, ci) => ({ ...c, refLogprobs: refLogprobs[gi]![ci]! })) }))
            : groups,
      })
      const samples = batch.samples
      let loss = 0
      let gradNorm = 0
      let steps = 0
      const lr = run.learningRate
      // one AdamW step per pass over the round's whole batch (PolicyTrainer.gradients runs the
      // graph on pieces of trainBatchSize and accumulates). Stepping on each piece instead gave a
      // short last piece a full Adam step on a few samples' noise; from the same genesis the
      // learn bench measured 62% vs 78% held-out after 100 rounds.
      for (let pass = 0; pass < run.localSteps && samples.length > 0; pass++) {
        const r = await trainer.gradients(weights, samples)
        gradNorm += clipGradNorm(r.grads, run.maxGradNorm)
        adamWStep({ params: weights, grads: r.grads, state: optimizer, lr, weightDecay: run.weightDecay, betas: [0.9, 0.98] })
        loss += r.loss
        steps++
      }
      if (steps > 0) {
        await policy.release()
        policy = await Policy.load(runtime, cfg, weights)
      }
      const t2 = now()
      // 3. held-out evaluation
      const last = round + 1 === init.rounds
      let accuracy: number | undefined
      if ((round + 1) % (init.evalEvery ?? run.evalEvery) === 0 || last) {
        init.onStatus?.({ round: round + 1, phase: 'evaluating' })
        const r = await heldOutAccuracy({ policy, task, tokenizer, problems: evalProblems, maxNewTokens: run.maxCompletionTokens })
        accuracy = r.accuracy
        result.lastAccuracy = accuracy
      }
      const t3 = now()
      totalSamples += batch.completions
      totalSeconds += t3 - t0
      const metrics: RoundMetrics = {
        round: round + 1,
        reward: batch.meanReward,
        sampleAccuracy: batch.meanCorrectness,
        ...(accuracy === undefined ? {} : { accuracy, evalProblems }),
        seconds: t3 - t0,
        samplingSeconds: t1 - t0,
        trainingSeconds: t2 - t1,
        evalSeconds: t3 - t2,
        tokensPerSecond: t1 > t0 ? stats.tokens / (t1 - t0) : 0,
        klToGenesis: stats.klToReference,
        entropy: stats.entropy,
        loss: steps > 0 ? loss / steps : 0,
        gradNorm: steps > 0 ? gradNorm / steps : 0,
        groups: batch.groups,
        zeroVarianceGroups: batch.zeroVarianceGroups,
        trainedSamples: batch.samples.length,
        samples: totalSamples,
        totalSeconds,
        learningRate: lr,
      }
      // 4. checkpoint (atomic), then the metrics line that points at it
      const checkpoint = async () => {
        init.onStatus?.({ round: round + 1, phase: 'checkpointing' })
        await writeSnapshot(join(runDir, CHECKPOINTS_DIR), checkpointName(round + 1), {
          cfg,
          weights,
          optimizer,
          tokenizer,
          state: { completed: round + 1, seconds: totalSeconds, samples: totalSamples },
        })
        await pruneCheckpoints(runDir, run.keepCheckpoints)
        metrics.policyHash = toHex(weightsHash(cfg, weights))
      }
      if ((round + 1) % run.checkpointEvery === 0 || last || signal?.aborted) await checkpoint()
      await appendMetrics(runDir, { phase: 'grpo', ...metrics })
      result.endRound = round + 1
      init.onRound?.(metrics)
      if (init.until?.(metrics)) {
        if (metrics.policyHash === undefined) await checkpoint()
        break
      }
    }
    if (signal?.aborted && result.endRound < init.rounds) result.interrupted = true
  } finally {
    await policy.release()
    await ref.release()
    await trainer.release()
  }
  return result
}
