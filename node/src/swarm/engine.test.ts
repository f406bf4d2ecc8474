import { describe, expect, it } from 'vitest'
import { syntheticManifest } from '../chain/synthetic-round.js'
import { nodeRuntime } from '../runtime/runtimes.js'
import { SwarmEngine } from './engine.js'
import { devKey } from './local.js'
import { swarmRun } from './run.js'

describe('SwarmEngine.spare', () => {
  it('runs jobs on spare compute one at a time, in order, and goes on after one fails', async () => {
    const run = swarmRun(syntheticManifest({ chainId: 31337n, ledger: `0x${'00'.repeat(20)}`, validatorKeys: [devKey(0)], quorum: 1 }))
    const engine = new SwarmEngine(await nodeRuntime('cpu'), run)
    const log: string[] = []
    let running = 0
    let most = 0
    const job = (name: string, ms: number, fail = false) =>
      engine.spare(async () => {
        most = Math.max(most, ++running)
        log.push(`start ${name}`)
        await new Promise((r) => setTimeout(r, ms))
        log.push(`end ${name}`)
        running--
        if (fail) throw new Error(`${name} failed`)
        return name
      })
    try {
      const results = await Promise.allSettled([job('a', 30), job('b', 5, true), job('c', 1)])
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b failed', 'c'])
      expect(most).toBe(1)
      expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    } finally {
      await engine.close()
    }
  })
})
