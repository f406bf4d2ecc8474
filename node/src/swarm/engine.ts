/**
 * The compute a swarm peer needs, shareable between the peers of one process: a loaded Policy
 * per policy hash (reference counted, so eight in-process peers on the same θ_r load it once)
 * and one PolicyTrainer (its graph is stateless across calls: weights are inputs), in the
 * process's thread or, where `trainInWorker` is set, in a worker thread (trainer-worker.ts).
 */
import { Policy, PolicyTrainer, type RuntimeComponents, type TrainerInit, toHex, type Weights } from '@murmur/protocol'
import type { SwarmRun } from './run.js'
import type { StepTrainer } from './trainer-worker.js'

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
  private trainer: Promise<StepTrainer> | null = null
  /** The trainer once started (to notice a failed one). */
  private current: StepTrainer | null = null
  private readonly trainInWorker: ((init: TrainerInit) => StepTrainer) | null
  /** Jobs on spare compute running now, and those waiting for a slot (see spare()). */
  private spareRunning = 0
  private readonly spareWaiting: (() => void)[] = []
  /** Cores for spare jobs (default: the browser's hardwareConcurrency, else 1), and the peers using this engine now. */
  private readonly cores: number
  private peers = 0

  /**
   * `trainInWorker` starts the trainer elsewhere (WorkerPolicyTrainer.create, bound to this
   * runtime): Node peers pass it so that training steps leave their event loop free.
   */
  constructor(
    runtime: RuntimeComponents,
    run: SwarmRun,
    trainer?: Partial<TrainerSettings>,
    trainInWorker?: (init: TrainerInit) => StepTrainer,
    cores?: number,
  ) {
    this.runtime = runtime
    this.run = run
    this.trainInWorker = trainInWorker ?? null
    // this module also runs in browsers (no node:os): Node peers pass os.availableParallelism()
    const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    this.cores = Math.max(1, cores ?? (nav?.hardwareConcurrency || 1))
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

  policyTrainer(): Promise<StepTrainer> {
    const m = this.run.manifest
    const init: TrainerInit = {
      batch: this.trainerSettings.trainBatchSize,
      seq: this.run.ctx.seq,
      loss: { clipLow: m.clipEps, clipHigh: m.clipEps, klBeta: m.klCoef, temperature: m.temperature, objective: 'grpo' },
      normalization: this.trainerSettings.lossNormalization,
    }
    if (this.current?.failed) {
      // its worker died (out of memory, a crash in the runtime): the next round trains on a new one
      this.trainer = null
      this.current = null
    }
    if (!this.trainer) {
      const made: Promise<StepTrainer> = this.trainInWorker
        ? Promise.resolve(this.trainInWorker(init))
        : PolicyTrainer.create(this.runtime, this.run.cfg, init)
      this.trainer = made
      void made.then(
        (t) => {
          if (this.trainer === made) this.current = t
        },
        () => {},
      )
    }
    return this.trainer
  }

  /** A peer starts using this engine; call the returned function when it stops. */
  attach(): () => void {
    this.peers++
    let attached = true
    return () => {
      if (attached) this.peers--
      attached = false
    }
  }

  /**
   * Spare jobs that may run at once: one per core while every peer on this engine has a core
   * of its own, else one. Where peers outnumber cores their own round work already fills the
   * cores, and a spare job takes from it.
   */
  get spareSlots(): number {
    return this.coreEach ? this.cores : 1
  }

  /** Every peer on this engine has a core of its own (one `murmur node` on a machine, a tab). */
  get coreEach(): boolean {
    return this.peers <= this.cores
  }

  /**
   * Runs `work` on the engine's spare compute: at most `spareSlots` such jobs at once, the rest
   * waiting in order. Early rollouts use it. The engine is the device: where several peers share
   * one (an in-process swarm), their early rollouts would otherwise all sample at once, and
   * since a run() holds the event loop for its length, every peer's gossip, blob serving and
   * aggregation — the round's critical path — waited behind eight runs: 8 peers on 2 cores got
   * 0–4 of 8 deltas into θ, 2–7 with two at a time, 7–8 with one.
   */
  async spare<T>(work: () => Promise<T>): Promise<T> {
    if (this.spareRunning >= this.spareSlots) await new Promise<void>((resolve) => this.spareWaiting.push(resolve))
    else this.spareRunning++
    try {
      return await work()
    } finally {
      // hand the slot to the next in line, or free it
      const next = this.spareWaiting.shift()
      if (next) next()
      else this.spareRunning--
    }
  }

  async close(): Promise<void> {
    for (const { policy } of this.policies.values()) await (await policy).release()
    this.policies.clear()
    if (this.trainer) await (await this.trainer).release()
    this.trainer = null
    this.current = null
  }
}
