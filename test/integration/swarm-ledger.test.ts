/**
 * The swarm on a real local EVM: validators collect a quorum of RoundResult signatures over
 * gossip, the round's submitter commits it to the ContributionLedger (the next validators step
 * in if it does not), and each validator keeps the round's signed evidence. A reorg that drops
 * committed rounds is repaired from that evidence: no round is lost, none credited twice.
 */
import { join } from 'node:path'
import { devKey, type LedgerClient, listEvidenceRounds, nodeRuntime, rpcCall, startLocalSwarm, type takeRounds } from '@murmur/node'
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

  it('commits again, from evidence, the rounds a reorg dropped, and re-claims them; nothing is lost or credited twice', async () => {
    const reorgChain = await localLedger([0, 1, 2].map(devKey))
    const rpc = (method: string, params: unknown[] = []) => rpcCall(reorgChain.rpcUrl, method, params)
    const dataDir = join(runDir, 'swarm-reorg')
    const clients: LedgerClient[] = []
    const swarm = await startLocalSwarm({
      runDir,
      peers: 3,
      runtime: await nodeRuntime('cpu'),
      dataDir,
      roundDurationMs: 5000,
      autoClaim: true,
      ...swarmLedgerOptions(reorgChain, clients),
    })
    const lines: Awaited<ReturnType<typeof takeRounds>>['lines'] = []
    const collecting = (async () => {
      for await (const line of swarm.rounds) lines.push(line)
    })()
    try {
      const reader = clients[0]!
      const until = async (what: string, ok: () => Promise<boolean>, ms = 60_000) => {
        const deadline = Date.now() + ms
        while (!(await ok())) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
          await new Promise((r) => setTimeout(r, 200))
        }
      }
      const last = async () => (await reader.lastCommittedRound()) ?? -1n
      await until('round 0 on chain', async () => (await last()) >= 0n)
      const snapshot = await rpc('evm_snapshot')
      const atSnapshot = await last()
      // deep enough that the lost rounds' own submitters (and their fallbacks) are done with them
      await until('four more rounds on chain', async () => (await last()) >= atSnapshot + 4n)
      const beforeReorg = await last()
      expect(await rpc('evm_revert', [snapshot])).toBe(true)
      const afterReorg = await last()
      expect(afterReorg, 'the reorg dropped committed rounds').toBeLessThan(beforeReorg)
      // the validators notice at their next commit and put the lost rounds back, in order
      await until('the lost rounds back on chain and one more', async () => (await last()) >= beforeReorg + 1n)
      expect(swarm.peers.reduce((n, p) => n + p.counters.ledgerRecommits, 0)).toBeGreaterThan(0)
      for (let r = 0n; r <= beforeReorg; r++) {
        const line = lines[Number(r)]!
        const onChain = await reader.roundOf(r)
        expect(onChain, `round ${r}`).not.toBeNull()
        expect(toHex0x(onChain!.policyHash)).toBe(line.peers[0]!.policyHash)
      }
      // every leaf of the rounds on chain gets claimed once: a peer's credit is the sum of its leaves
      const through = await last()
      const leavesOf = (address: string) =>
        lines
          .slice(0, Number(through) + 1)
          .flatMap((l, r) => (l.contributions?.leaves ?? []).filter((x) => x.address.toLowerCase() === address).map((x) => ({ r, x })))
      for (const i of [0, 1, 2]) {
        const address = toHex0x(addressFromPrivateKey(devKey(i))).toLowerCase()
        const leaves = leavesOf(address)
        // a claim the reorg dropped goes out again at the peer's next round close, once the
        // validators put its round back; a loaded machine may take a few rounds for that
        await until(
          `peer ${i}'s claims`,
          async () => {
            for (const { r } of leaves) if (!(await reader.isClaimed(BigInt(r), address))) return false
            return true
          },
          150_000,
        )
        expect(await reader.creditOf(address), `peer ${i}`).toBe(leaves.reduce((n, { x }) => n + BigInt(x.credit), 0n))
      }
    } finally {
      await swarm.stop()
      await collecting
      await reorgChain.stop()
    }
  }, 300_000)
})
