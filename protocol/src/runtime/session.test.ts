import { describe, expect, it } from 'vitest'
import { GraphSession } from './session.js'
import type { RuntimeComponents } from './types.js'

/** An ORT stand-in that only records how many runs overlap (the queue is what is under test). */
function countingRuntime(exclusiveRuns: boolean) {
  const seen = { active: 0, maxActive: 0, runs: 0 }
  class Tensor {
    constructor(
      readonly type: string,
      readonly data: Float32Array,
      readonly dims: number[],
    ) {}
  }
  const session = {
    inputNames: ['x'],
    outputNames: ['y'],
    async run(feeds: Record<string, Tensor>) {
      seen.active++
      seen.runs++
      seen.maxActive = Math.max(seen.maxActive, seen.active)
      await new Promise((r) => setTimeout(r, 5))
      seen.active--
      if (feeds.x!.data[0] === -1) throw new Error('bad input')
      return { y: new Tensor('float32', feeds.x!.data, feeds.x!.dims) }
    },
    async release() {},
  }
  const ort = { Tensor, InferenceSession: { create: async () => session } } as unknown as RuntimeComponents['ort']
  return { runtime: { ort, executionProviders: ['wasm'], exclusiveRuns } satisfies RuntimeComponents, seen }
}

const feed = (v: number) => ({ x: { dtype: 'float32' as const, shape: [1], data: Float32Array.of(v) } })

describe('GraphSession run queue', () => {
  it('runs one inference at a time when the runtime asks for exclusive runs, in call order, surviving a failure', async () => {
    const { runtime, seen } = countingRuntime(true)
    const s = await GraphSession.create(runtime, new Uint8Array(1))
    const results = await Promise.allSettled([s.run(feed(1)), s.run(feed(-1)), s.run(feed(3)), s.run(feed(4))])
    expect(seen).toMatchObject({ maxActive: 1, runs: 4 })
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.y!.data[0] : 'rejected'))).toEqual([1, 'rejected', 3, 4])
  })

  it('queues across the sessions of one runtime (onnxruntime-web runs one inference at a time in all)', async () => {
    const { runtime, seen } = countingRuntime(true)
    const a = await GraphSession.create(runtime, new Uint8Array(1))
    const b = await GraphSession.create(runtime, new Uint8Array(1))
    await Promise.all([a.run(feed(1)), b.run(feed(2)), a.run(feed(3)), b.run(feed(4))])
    expect(seen).toMatchObject({ maxActive: 1, runs: 4 })
  })

  it('lets runs overlap otherwise (onnxruntime-node)', async () => {
    const { runtime, seen } = countingRuntime(false)
    const s = await GraphSession.create(runtime, new Uint8Array(1))
    await Promise.all([s.run(feed(1)), s.run(feed(2)), s.run(feed(3))])
    expect(seen.maxActive).toBe(3)
  })
})
