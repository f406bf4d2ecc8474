/**
 * A GRPO training step in the injected runtime: the training graph for a fixed (B, T) loaded
 * once; each step feeds the current weights and a packed batch and returns the loss, the
 * per-token log-probs and every parameter's gradient. The optimizer (optim/adamw.ts) and
 * any aggregation stay in JavaScript.
 */
import { InvalidArgumentError } from '../errors.js'
import type { ModelConfig } from '../model/config.js'
import { buildTrainingGraph, type GrpoLossConfig, TRAIN_IO } from '../model/llama.js'
import { toOnnx } from '../model/onnx.js'
import type { Weights } from '../model/weights.js'
import { accumulateGradients } from '../optim/adamw.js'
import { GraphSession } from '../runtime/session.js'
import type { HostTensor, RuntimeComponents } from '../runtime/types.js'
import { type LossNormalization, packTrainBatch, type TrainSample } from './train-batch.js'

export interface TrainerInit {
  batch: number
  seq: number
  loss?: Partial<GrpoLossConfig>
  normalization?: LossNormalization
}

export interface TrainStepResult {
  loss: number
  /** (B, T) log-probs of the targets under the current weights. */
  logprobs: Float32Array
  /** Gradient per parameter name (same shapes as the weights). */
  grads: Map<string, Float32Array>
  /** Completion tokens trained on. */
  tokens: number
}

export class PolicyTrainer {
  readonly cfg: ModelConfig
  readonly batch: number
  readonly seq: number
  readonly loss: GrpoLossConfig
  readonly normalization: LossNormalization
  readonly parameterNames: readonly string[]
  private readonly session: GraphSession

  private constructor(
    cfg: ModelConfig,
    init: Required<Omit<TrainerInit, 'loss'>> & { loss: GrpoLossConfig },
    names: readonly string[],
    session: GraphSession,
  ) {
    this.cfg = cfg
    this.batch = init.batch
    this.seq = init.seq
    this.loss = init.loss
    this.normalization = init.normalization
    this.parameterNames = names
    this.session = session
  }

  static async create(runtime: RuntimeComponents, cfg: ModelConfig, init: TrainerInit): Promise<PolicyTrainer> {
    const { graph, loss, parameterNames } = buildTrainingGraph({ cfg, batch: init.batch, seq: init.seq, loss: init.loss ?? {} })
    const session = await GraphSession.create(runtime, toOnnx(graph), 'the training graph')
    return new PolicyTrainer(
      cfg,
      { batch: init.batch, seq: init.seq, loss, normalization: init.normalization ?? 'token' },
      parameterNames,
      session,
    )
  }

  get executionProviders(): readonly string[] {
    return this.session.executionProviders
  }

  async step(weights: Weights, samples: readonly TrainSample[]): Promise<TrainStepResult> {
    const packed = packTrainBatch(this.cfg, {
      batch: this.batch,
      seq: this.seq,
      samples,
      normalization: this.normalization,
      withRef: this.loss.klBeta > 0 && this.loss.objective === 'grpo',
    })
    const feeds: Record<string, HostTensor> = { ...packed.feeds }
    for (const name of this.parameterNames) {
      const t = weights.get(name)
      if (!t) throw new InvalidArgumentError(`Weights have no tensor "${name}".`)
      feeds[name] = { dtype: 'float32', shape: t.shape, data: t.data }
    }
    const out = await this.session.run(feeds)
    const grads = new Map<string, Float32Array>()
    for (const name of this.parameterNames) grads.set(name, out[`${TRAIN_IO.gradPrefix}${name}`]!.data)
    return { loss: out[TRAIN_IO.loss]!.data[0]!, logprobs: out[TRAIN_IO.logprobs]!.data, grads, tokens: packed.tokens }
  }

  /**
   * The loss and gradients of any number of samples, as if one graph of that batch size had
   * run: the samples are cut into runs of at most `batch`, and each run's gradients (and loss)
   * are summed weighted by its share of the loss's normaliser (its completion tokens under
   * 'token' normalisation, its samples under 'sequence'). A caller then takes one optimiser
   * step on a whole rollout batch, where stepping on each run would give a short last run a
   * full step on a few samples' noise.
   */
  async gradients(
    weights: Weights,
    samples: readonly TrainSample[],
  ): Promise<{ loss: number; grads: Map<string, Float32Array>; tokens: number }> {
    if (samples.length === 0) throw new InvalidArgumentError('PolicyTrainer.gradients needs at least one sample.')
    if (samples.length <= this.batch) {
      const r = await this.step(weights, samples)
      return { loss: r.loss, grads: r.grads, tokens: r.tokens }
    }
    const share = (run: readonly TrainSample[]) =>
      this.normalization === 'token' ? run.reduce((n, x) => n + x.tokens.length - x.promptLength, 0) : run.length
    const total = share(samples)
    const grads = new Map<string, Float32Array>()
    let loss = 0
    let tokens = 0
    for (let i = 0; i < samples.length; i += this.batch) {
      const run = samples.slice(i, i + this.batch)
      const r = await this.step(weights, run)
      const w = share(run) / total
      accumulateGradients(grads, r.grads, w)
      loss += w * r.loss
      tokens += r.tokens
    }
    return { loss, grads, tokens }
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
