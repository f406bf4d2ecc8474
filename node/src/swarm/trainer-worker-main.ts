/**
 * The worker thread of {@link WorkerPolicyTrainer} (trainer-worker.ts): one PolicyTrainer on
 * its own onnxruntime-node session, answering `step` requests one at a time. Compiled to
 * dist/swarm/trainer-worker-main.js, which the main thread starts.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { PolicyTrainer, type RuntimeComponents, type Weights } from '@murmur/protocol'
import type { TrainerWorkerData, TrainerWorkerReply, TrainerWorkerRequest } from './trainer-worker.js'

const data = workerData as TrainerWorkerData
const port = parentPort!

const ready = (async () => {
  const ort = await import('onnxruntime-node')
  const runtime: RuntimeComponents = {
    ort,
    executionProviders: data.executionProviders,
    ...(data.sessionOptions ? { sessionOptions: data.sessionOptions } : {}),
  }
  return PolicyTrainer.create(runtime, data.cfg, data.init)
})()

// requests run in arrival order: each waits for the one before (a run is synchronous anyway)
let queue: Promise<unknown> = Promise.resolve()
port.on('message', (req: TrainerWorkerRequest) => {
  queue = queue.then(() => answer(req))
})

async function answer(req: TrainerWorkerRequest): Promise<void> {
  let reply: TrainerWorkerReply
  try {
    const trainer = await ready
    if (req.kind === 'release') {
      await trainer.release()
      reply = { id: req.id, ok: true }
    } else {
      const weights: Weights = new Map(req.weights.map(([name, shape, values]) => [name, { shape, data: values }]))
      const r = await trainer.step(weights, req.samples)
      reply = { id: req.id, ok: true, loss: r.loss, tokens: r.tokens, logprobs: r.logprobs, grads: [...r.grads] }
    }
  } catch (err) {
    reply = { id: req.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }
  }
  port.postMessage(reply)
}
