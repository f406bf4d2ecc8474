/**
 * A PolicyTrainer that runs in a worker thread. onnxruntime-node's `run()` is synchronous under
 * its promise (microsoft/onnxruntime#19611, #26968): a training step held the peer's event loop
 * for its whole length, so gossip, blob serving and deadlines waited on it, and with 8 peers of
 * the small model in one process most deltas missed the others' deadlines. Here the step runs
 * on the worker's own session; the main thread sends the weights and samples (a copy: 38 MB for
 * the small model, against seconds of compute) and gets the gradients back.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { ModelConfig, RuntimeComponents, TrainerInit, TrainSample, TrainStepResult, Weights } from '@murmur/protocol'
import { SwarmEngine } from './engine.js'
import type { SwarmRun } from './run.js'

/** What a swarm peer needs of a trainer: PolicyTrainer has it, and so does WorkerPolicyTrainer. */
export interface StepTrainer {
  step(weights: Weights, samples: readonly TrainSample[]): Promise<TrainStepResult>
  release(): Promise<void>
  /** True once it can train no more (its worker died): the engine then starts another. */
  readonly failed?: boolean
}

export interface TrainerWorkerData {
  executionProviders: readonly string[]
  sessionOptions?: RuntimeComponents['sessionOptions']
  cfg: ModelConfig
  init: TrainerInit
}

type Request = { kind: 'step'; weights: [string, number[], Float32Array][]; samples: readonly TrainSample[] } | { kind: 'release' }
export type TrainerWorkerRequest = Request & { id: number }

export type TrainerWorkerReply =
  | { id: number; ok: true; loss?: number; tokens?: number; logprobs?: Float32Array; grads?: [string, Float32Array][] }
  | { id: number; ok: false; error: string }

/** The worker's script: dist/swarm/trainer-worker-main.js, from dist/ and from src/ (tests) alike. */
const WORKER_URL = new URL('../../dist/swarm/trainer-worker-main.js', import.meta.url)

/** Whether `runtime` can be rebuilt in a worker (onnxruntime-node; not onnxruntime-web's wasm). */
export function canTrainInWorker(runtime: RuntimeComponents): boolean {
  return !runtime.executionProviders.includes('wasm')
}

export class WorkerPolicyTrainer implements StepTrainer {
  private readonly worker: Worker
  private readonly pending = new Map<number, { resolve: (r: TrainerWorkerReply) => void; reject: (e: Error) => void }>()
  private nextId = 0
  private failure: Error | null = null
  private released = false

  private constructor(worker: Worker) {
    this.worker = worker
    worker.unref()
    worker.on('message', (reply: TrainerWorkerReply) => {
      const p = this.pending.get(reply.id)
      if (!p) return
      this.pending.delete(reply.id)
      if (this.pending.size === 0) worker.unref()
      p.resolve(reply)
    })
    const fail = (err: Error) => {
      this.failure ??= err
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
    }
    worker.on('error', (err) => fail(new Error(`The training worker failed: ${err.message}`, { cause: err })))
    worker.on('exit', (code) => fail(new Error(`The training worker exited (code ${code}).`)))
  }

  /** Starts the worker on the same execution providers and session options as `runtime`. */
  static create(runtime: RuntimeComponents, cfg: ModelConfig, init: TrainerInit): WorkerPolicyTrainer {
    const workerData: TrainerWorkerData = {
      executionProviders: runtime.executionProviders,
      ...(runtime.sessionOptions ? { sessionOptions: runtime.sessionOptions } : {}),
      cfg,
      init,
    }
    return new WorkerPolicyTrainer(new Worker(WORKER_URL, { workerData }))
  }

  get failed(): boolean {
    return this.failure !== null && !this.released
  }

  private request(req: Request): Promise<TrainerWorkerReply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (r) => (r.ok ? resolve(r) : reject(new Error(`Training step failed in the worker: ${r.error}`))),
        reject,
      })
      this.worker.ref()
      this.worker.postMessage({ ...req, id })
    })
  }

  async step(weights: Weights, samples: readonly TrainSample[]): Promise<TrainStepResult> {
    const tensors: [string, number[], Float32Array][] = [...weights].map(([name, t]) => [name, [...t.shape], t.data])
    const r = await this.request({ kind: 'step', weights: tensors, samples })
    return { loss: r.loss!, tokens: r.tokens!, logprobs: r.logprobs!, grads: new Map(r.grads!) }
  }

  async release(): Promise<void> {
    this.released = true
    try {
      if (!this.failure) await this.request({ kind: 'release' })
    } finally {
      await this.worker.terminate()
    }
  }
}

/** A Node peer's engine: training in a worker thread wherever the runtime allows it. */
export function nodeSwarmEngine(runtime: RuntimeComponents, run: SwarmRun): SwarmEngine {
  const inWorker = canTrainInWorker(runtime) ? (init: TrainerInit) => WorkerPolicyTrainer.create(runtime, run.cfg, init) : undefined
  return new SwarmEngine(runtime, run, undefined, inWorker, availableParallelism())
}
