import { deriveSeed, initWeights, NAMED_CONFIGS, PolicyTrainer, type TrainSample, type Weights } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { syntheticManifest } from '../chain/synthetic-round.js'
import { nodeRuntime, wasmRuntime } from '../runtime/runtimes.js'
import { devKey } from '../swarm/local.js'
import { swarmRun } from './run.js'
import { canTrainInWorker, nodeSwarmEngine, WorkerPolicyTrainer } from './trainer-worker.js'

const cfg = NAMED_CONFIGS.tiny
const init = { batch: 4, seq: 16, loss: { clipLow: 0.2, clipHigh: 0.2 } }

function samples(n: number): TrainSample[] {
  return Array.from({ length: n }, (_, i) => {
    const tokens = Array.from({ length: 10 + i }, (_, t) => (7 * t + 3 * i + 1) % cfg.vocabSize)
    return { tokens, promptLength: 4, advantage: i % 2 === 0 ? 1 : -0.5, oldLogprobs: new Array(tokens.length - 4).fill(-4.5) }
  })
}

describe('WorkerPolicyTrainer', () => {
  it('returns bit for bit the gradients and loss of a PolicyTrainer in this thread, step after step', async () => {
    const runtime = await nodeRuntime('cpu')
    const weights: Weights = initWeights(cfg, deriveSeed('murmur/test/trainer-worker', 0))
    const here = await PolicyTrainer.create(runtime, cfg, init)
    const there = WorkerPolicyTrainer.create(runtime, cfg, init)
    try {
      for (const n of [4, 3]) {
        const [a, b] = await Promise.all([here.step(weights, samples(n)), there.step(weights, samples(n))])
        expect(b.loss).toBe(a.loss)
        expect(b.tokens).toBe(a.tokens)
        expect(b.logprobs).toEqual(a.logprobs)
        expect([...b.grads.keys()]).toEqual([...a.grads.keys()])
        for (const [name, g] of a.grads) expect(Buffer.from(b.grads.get(name)!.buffer).equals(Buffer.from(g.buffer)), name).toBe(true)
      }
    } finally {
      await here.release()
      await there.release()
    }
  }, 60_000)

  it('rejects a bad request with the worker’s error and keeps serving; a released trainer refuses more work', async () => {
    const runtime = await nodeRuntime('cpu')
    const weights: Weights = initWeights(cfg, deriveSeed('murmur/test/trainer-worker', 1))
    const trainer = WorkerPolicyTrainer.create(runtime, cfg, init)
    try {
      const missing: Weights = new Map([...weights].slice(1))
      await expect(trainer.step(missing, samples(2))).rejects.toThrow(/Training step failed in the worker: .*Weights have no tensor/)
      const ok = await trainer.step(weights, samples(2))
      expect(Number.isFinite(ok.loss)).toBe(true)
    } finally {
      await trainer.release()
    }
    await expect(trainer.step(weights, samples(2))).rejects.toThrow(/training worker exited/)
  }, 60_000)

  it('is what a Node engine trains on; the engine starts a new one when its worker dies', async () => {
    const run = swarmRun(syntheticManifest({ chainId: 31337n, ledger: `0x${'00'.repeat(20)}`, validatorKeys: [devKey(0)], quorum: 1 }))
    const engine = nodeSwarmEngine(await nodeRuntime('cpu'), run)
    const weights: Weights = initWeights(run.cfg, deriveSeed('murmur/test/trainer-worker', 2))
    try {
      const first = await engine.policyTrainer()
      expect(first).toBeInstanceOf(WorkerPolicyTrainer)
      expect(await engine.policyTrainer()).toBe(first)
      const sample: TrainSample[] = [{ tokens: [1, 5, 9, 3, 7, 2], promptLength: 4, advantage: 1, oldLogprobs: [-3, -3] }]
      await first.step(weights, sample)
      // the worker dies (as in an out-of-memory kill): that trainer fails, and the engine replaces it
      await (first as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate()
      await expect(first.step(weights, sample)).rejects.toThrow(/training worker exited/)
      expect(first.failed).toBe(true)
      const second = await engine.policyTrainer()
      expect(second).not.toBe(first)
      expect(Number.isFinite((await second.step(weights, sample)).loss)).toBe(true)
    } finally {
      await engine.close()
    }
  }, 60_000)

  it('is used for onnxruntime-node runtimes only (a wasm runtime trains in its own thread)', async () => {
    expect(canTrainInWorker(await nodeRuntime('cpu'))).toBe(true)
    expect(canTrainInWorker(await wasmRuntime())).toBe(false)
  })
})
