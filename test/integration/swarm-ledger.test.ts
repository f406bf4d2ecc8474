/**
 * The swarm on a real local EVM: validators collect a quorum of RoundResult signatures over
 * gossip, the round's submitter commits it to the ContributionLedger (the next validators step
 * in if it does not), and each validator keeps the round's signed evidence.
 */
import { join } from 'node:path'
import { devKey, type LedgerClient, listEvidenceRounds, nodeRuntime, startLocalSwarm } from '@murmur/node'
import { addressFromPrivateKey, toHex0x } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalLedger, localLedger, swarmLedgerOptions } from '../helpers/local-ledger.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
let chain: LocalLedger
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
  chain = await localLedger([0, 1, 2].map(devKey))
})
afterAll(async () => {
  await chain?.stop()
  cleanup?.()
})

describe('swarm with the ledger', () => {
  it('commits every agreed round on chain, in order, and keeps the evidence', async () => {
    const runtime = await nodeRuntime('cpu')
    const dataDir = join(runDir, 'swarm-ledger')
    const clients: LedgerClient[] = []
    const swarm = await startLocalSwarm({
      runDir,
      peers: 3,
      runtime,
      dataDir,
      roundDurationMs: 5000,
      autoClaim: true,
      ...swarmLedgerOptions(chain, clients),
    })
    try {
      const lines = []
      for await (const line of swarm.rounds) {
        lines.push(line)
        if (lines.length >= 3) break
      }
      const reader = clients[0]!
      const deadline = Date.now() + 30_000
      while (((await reader.lastCommittedRound()) ?? -1n) < 2n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
      expect(await reader.lastCommittedRound()).toBeGreaterThanOrEqual(2n)
      for (const [r, line] of lines.entries()) {
        const onChain = await reader.roundOf(BigInt(r))
        expect(onChain, `round ${r}`).not.toBeNull()
        expect(`0x${Buffer.from(onChain!.policyHash).toString('hex')}`).toBe(line.peers[0]!.policyHash)
      }
      // contributors claimed their credit of the rounds that included their work
      const credited = lines.some((l) => l.included > 0)
      const creditOf = async () => {
        let sum = 0n
        for (const i of [0, 1, 2]) sum += await reader.creditOf(toHex0x(addressFromPrivateKey(devKey(i))))
        return sum
      }
      const until = Date.now() + 20_000
      while (credited && (await creditOf()) === 0n && Date.now() < until) await new Promise((r) => setTimeout(r, 250))
      if (credited) expect(await creditOf()).toBeGreaterThan(0n)
      // a validator writes its evidence in the background; stopping drains it, and every round
      // the quorum agreed on is then on disk (peer 0 may have seen the quorum after the commit)
      await swarm.stop()
      expect(await listEvidenceRounds(join(dataDir, 'peer-0', 'evidence'))).toEqual(expect.arrayContaining([0n, 1n, 2n]))
    } finally {
      await swarm.stop()
    }
  })
})
