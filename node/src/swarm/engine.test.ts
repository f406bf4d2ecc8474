import { describe, expect, it } from 'vitest'
import { syntheticManifest } from '../chain/synthetic-round.js'
import { nodeRuntime } from '../runtime/runtimes.js'
import { SwarmEngine } from './engine.js'
import { devKey } from './local.js'
import { swarmRun } from './run.js'

describe('SwarmEngine.spare', () => {
  it('runs spare jobs one per core while peers have a core each, else one at a time, in order, going on after one fails', async () => {
    const run = swarmRun(syntheticManifest({ chainId: 31337n, ledger: `0x${'00'.repeat(20)}`, validatorKeys: [devKey(0)], quorum: 1 }))
    const log: string[] = []
    let running = 0
    let most = 0
    const job = (engine: SwarmEngine, name: string, ms: number, fail = false) =>
      engine.spare(async () => {
        most = Math.max(most, ++running)
        log.push(`start ${name}`)
        await new Promise((r) => setTimeout(r, ms))
        log.push(`end ${name}`)
        running--
        if (fail) throw new Error(`${name} failed`)
        return name
      })
    // 3 peers on 2 cores: one at a time
    const engine = new SwarmEngine(await nodeRuntime('cpu'), run, undefined, undefined, 2)
    const detach = [engine.attach(), engine.attach(), engine.attach()]
    expect(engine.spareSlots).toBe(1)
    expect(engine.coreEach).toBe(false)
    try {
      const results = await Promise.allSettled([job(engine, 'a', 30), job(engine, 'b', 5, true), job(engine, 'c', 1)])
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b failed', 'c'])
      expect(most).toBe(1)
      expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
    } finally {
      await engine.close()
    }
    // 2 peers on 2 cores: two at once
    detach[0]!()
    detach[0]!() // twice is once
    expect(engine.spareSlots).toBe(2)
    expect(engine.coreEach).toBe(true)
    const two = new SwarmEngine(await nodeRuntime('cpu'), run, undefined, undefined, 2)
    two.attach()
    two.attach()
    running = 0
    most = 0
    log.length = 0
    try {
      await Promise.all([job(two, 'a', 20), job(two, 'b', 20), job(two, 'c', 1)])
      expect(most).toBe(2)
      expect(log.slice(0, 2)).toEqual(['start a', 'start b'])
    } finally {
      await two.close()
    }
  })
})
