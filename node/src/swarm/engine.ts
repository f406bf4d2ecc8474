/**
 * The compute a swarm peer needs, shareable between the peers of one process: a loaded Policy
 * per policy hash (reference counted, so eight in-process peers on the same θ_r load it once)
 * and one PolicyTrainer (its graph is stateless across calls: weights are inputs).
 */
import { Policy, PolicyTrainer, type RuntimeComponents, toHex, type Weights } from '@murmur/protocol'
import type { SwarmRun } from './run.js'

export interface TrainerSettings {
  trainBatchSize: number
  weightDecay: number
  maxGradNorm: number
  lossNormalization: 'token' | 'sequence'
}

export class SwarmEngine {
  readonly runtime: RuntimeComponents
  readonly run: SwarmRun
  readonly trainerSettings: TrainerSettings
  private readonly policies = new Map<string, { policy: Promise<Policy>; refs: number }>()
  private trainer: Promise<PolicyTrainer> | null = null

  constructor(runtime: RuntimeComponents, run: SwarmRun, trainer?: Partial<TrainerSettings>) {
    this.runtime = runtime
    this.run = run
    const r = run.ctx.run
    this.trainerSettings = {
      trainBatchSize: trainer?.trainBatchSize ?? r.trainBatchSize,
      weightDecay: trainer?.weightDecay ?? r.weightDecay,
      maxGradNorm: trainer?.maxGradNorm ?? r.maxGradNorm,
      lossNormalization: trainer?.lossNormalization ?? r.lossNormalization,
    }
  }

  /** The policy whose hash is `hash` (the caller vouches that `weights` hash to it); release it when done. */
  acquire(hash: Uint8Array, weights: Weights): Promise<Policy> {
    const key = toHex(hash)
    let entry = this.policies.get(key)
    if (!entry) {
      entry = { policy: Policy.load(this.runtime, this.run.cfg, weights), refs: 0 }
      this.policies.set(key, entry)
    }
    entry.refs++
    return entry.policy
  }

  async release(hash: Uint8Array): Promise<void> {
    const key = toHex(hash)
    const entry = this.policies.get(key)
    if (!entry) return
    if (--entry.refs > 0) return
    this.policies.delete(key)
    await (await entry.policy).release()
  }

  policyTrainer(): Promise<PolicyTrainer> {
    const m = this.run.manifest
    this.trainer ??= PolicyTrainer.create(this.runtime, this.run.cfg, {
      batch: this.trainerSettings.trainBatchSize,
      seq: this.run.ctx.seq,
      loss: { clipLow: m.clipEps, clipHigh: m.clipEps, klBeta: m.klCoef, temperature: m.temperature, objective: 'grpo' },
      normalization: this.trainerSettings.lossNormalization,
    })
    return this.trainer
  }

  async close(): Promise<void> {
    for (const { policy } of this.policies.values()) await (await policy).release()
    this.policies.clear()
    if (this.trainer) await (await this.trainer).release()
    this.trainer = null
  }
}
