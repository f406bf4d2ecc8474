import { addressFromPrivateKey, equalBytes } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Claimer, type ClaimLedger } from './claimer.js'
import type { LedgerClient } from './ledger-client.js'
import type { SyntheticRound } from './synthetic-round.js'
import { type LedgerTestbed, type RegisteredRun, rpcCall, startLedgerTestbed } from './testbed.js'

let t: LedgerTestbed
beforeAll(async () => {
  t = await startLedgerTestbed()
})
afterAll(() => t.stop())

const FAST_RETRY = { initialDelayMs: 10, maxDelayMs: 50, factor: 2 }

const rpc = (method: string, params: unknown[] = []) => rpcCall(t.chain.rpcUrl, method, params)

/** Rounds 0…n−1 of a new run, chained; contributor 0's claims are the claimer's, sent by validator 1's client. */
async function claimsOf(name: string, n: number) {
  const run: RegisteredRun = await t.registeredRun(name, { retry: FAST_RETRY })
  const rounds: SyntheticRound[] = []
  for (let r = 0; r < n; r++) rounds.push(run.round(BigInt(r), r === 0 ? run.genesis : rounds[r - 1]!.result.newPolicyHash))
  const me = addressFromPrivateKey(run.contributorKeys[0]!)
  const leaf = (r: number) => rounds[r]!.result.credits.find((c) => equalBytes(c.contributor, me))!
  const sender = await t.client(t.validatorKeys[1], { manifest: run.manifest, retry: FAST_RETRY })
  const lines: string[] = []
  const landed: bigint[] = []
  const stop = new AbortController()
  const claimer = new Claimer({
    ledger: sender,
    signal: stop.signal,
    log: (line) => lines.push(line),
    onClaimed: (r) => landed.push(r),
    pollMs: 50,
  })
  return {
    run,
    rounds,
    me,
    leaf,
    claimer,
    lines,
    landed,
    stop,
    owe: (r: number) => claimer.owe(BigInt(r), leaf(r), rounds[r]!.tree.proof(me)),
    commit: (r: number, client: LedgerClient = run.client) =>
      client.commitRound({ body: rounds[r]!.evidence.roundResultBody, signatures: rounds[r]!.signatures }),
    claimed: async (r: number) => sender.isClaimed(BigInt(r), me),
    credit: () => sender.creditOf(me),
    sum: (rs: number[]) => rs.reduce((n, r) => n + leaf(r).credit, 0n),
  }
}

describe('Claimer', () => {
  it('claims each round once it is on chain, one at a time in round order, and each once', async () => {
    const c = await claimsOf('claimer-order', 3)
    // owed before their rounds are committed: they wait for them
    const settled = Promise.all([c.owe(1), c.owe(0)])
    await new Promise((r) => setTimeout(r, 200))
    expect(await c.claimed(0)).toBe(false)
    expect(c.claimer.owed).toBe(2)
    await c.commit(0)
    await c.commit(1)
    await settled
    expect(c.landed).toEqual([0n, 1n])
    await c.commit(2)
    await c.owe(2)
    await c.owe(2) // a second close of the same round owes nothing more
    expect(c.landed).toEqual([0n, 1n, 2n])
    expect(c.claimer.owed).toBe(0)
    expect(await c.credit()).toBe(c.sum([0, 1, 2]))
    expect(c.lines).toEqual([0, 1, 2].map((r) => expect.stringMatching(new RegExp(`^round ${r}: credit \\d+ claimed$`))))
  })

  it('owes again the claims a reorg dropped, also while it waits for a later round, and sends them once their rounds are back; none is credited twice', async () => {
    const c = await claimsOf('claimer-reorg', 4)
    await c.commit(0)
    await c.owe(0)
    const snapshot = await rpc('evm_snapshot')
    await c.commit(1)
    await c.owe(1)
    expect(c.landed).toEqual([0n, 1n])
    // round 2 closed but is not on chain yet: its claim waits, and the reorg happens meanwhile
    const waiting = c.owe(2)
    expect(await rpc('evm_revert', [snapshot])).toBe(true)
    expect(await c.claimed(1)).toBe(false)
    // the validators put round 1 back (from evidence) and commit round 2
    await c.commit(1)
    await c.commit(2)
    await waiting
    expect(c.landed).toEqual([0n, 1n, 1n, 2n])
    expect(c.lines).toContain('round 1: its claim is not on chain any more (a reorg?); it is owed again')
    expect(c.lines).toContain('round 1: its claim is on chain again (claimed)')
    for (const r of [0, 1, 2]) expect(await c.claimed(r), `round ${r}`).toBe(true)
    expect(await c.credit()).toBe(c.sum([0, 1, 2]))
    // a peer credited in no later round still finds a dropped claim at the next round's close
    const before = await rpc('evm_snapshot')
    await c.commit(3)
    await c.owe(3)
    expect(await rpc('evm_revert', [before])).toBe(true)
    await c.commit(3)
    await c.claimer.settle()
    expect(await c.claimed(3)).toBe(true)
    expect(await c.credit()).toBe(c.sum([0, 1, 2, 3]))
  })

  it('keeps a claim that failed owed, logs why, and sends it at the next settle', async () => {
    const c = await claimsOf('claimer-failure', 1)
    await c.commit(0)
    const sender = await t.client(t.validatorKeys[2], { manifest: c.run.manifest, retry: FAST_RETRY })
    let failOnce = true
    // the real ledger, with the first claim's RPC failing for good (no retry left)
    const flaky: ClaimLedger = {
      lastCommittedRound: () => sender.lastCommittedRound(),
      isClaimed: (r, a) => sender.isClaimed(r, a),
      claim: async (...args) => {
        if (failOnce) {
          failOnce = false
          throw new Error('the ledger RPC at http://127.0.0.1:1 failed')
        }
        return sender.claim(...args)
      },
    }
    const lines: string[] = []
    const claimer = new Claimer({ ledger: flaky, signal: new AbortController().signal, log: (l) => lines.push(l), pollMs: 50 })
    await claimer.owe(0n, c.leaf(0), c.rounds[0]!.tree.proof(c.me))
    expect(lines).toEqual(['claims: the ledger RPC at http://127.0.0.1:1 failed; trying again at the next round'])
    expect(claimer.owed).toBe(1)
    await claimer.settle()
    expect(claimer.owed).toBe(0)
    expect(await c.claimed(0)).toBe(true)
    expect(lines[1]).toMatch(/^round 0: credit \d+ claimed$/)
  })

  it('ends a settle at once when its signal aborts, with the claim still owed', async () => {
    const c = await claimsOf('claimer-stop', 1)
    const settled = c.owe(0) // round 0 is never committed
    await new Promise((r) => setTimeout(r, 150))
    c.stop.abort()
    await settled
    expect(c.claimer.owed).toBe(1)
    expect(c.lines).toEqual([])
  })
})
