import { type CreditEntry, toChecksumAddress, toHex0x } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ClaimArgs, claimArgs } from './args.js'
import {
  bytes32,
  createTestRun,
  credit,
  eventsOf,
  expectRevert,
  type LedgerFixture,
  signRound,
  startLedgerFixture,
  type TestRound,
  type TestRun,
  testRound,
} from './testing/fixture.js'

let f: LedgerFixture
beforeAll(async () => {
  f = await startLedgerFixture()
})
afterAll(() => f.stop())

const alice = (amount: bigint) => credit('alice', 2, 1, amount)
const bob = (amount: bigint) => credit('bob', 1, 0, amount)
const carol = (amount: bigint) => credit('carol', 0, 1, amount)
const claim = (args: ClaimArgs) => f.ledger.claim!(...args)

/** A run whose rounds 0 … n−1 credit `rounds[i]` and are committed. */
async function committedRun(label: string, rounds: CreditEntry[][]): Promise<{ run: TestRun; rounds: Omit<TestRound, 'body'>[] }> {
  const run = await createTestRun(f, label)
  let policy = run.genesis
  const out: Omit<TestRound, 'body'>[] = []
  for (const [i, credits] of rounds.entries()) {
    const r = testRound(run, BigInt(i), policy, credits)
    await (await f.ledger.commitRound!(...signRound(run.domain, r.result, f.validators.slice(0, 3)))).wait()
    out.push(r)
    policy = r.result.newPolicyHash
  }
  return { run, rounds: out }
}

const argsFor = (run: TestRun, round: bigint, tree: Omit<TestRound, 'body'>['tree'], entry: CreditEntry) =>
  claimArgs(run.run, round, entry, tree.proof(entry.contributor))

describe('claim', () => {
  it('credits each contributor of a round with a protocol-built proof and emits CreditClaimed', async () => {
    const entries = [alice(1_200_000n), bob(100_000n), carol(1_000_000n), credit('dave', 4, 0, 400_000n), credit('erin', 1, 1, 1_100_000n)]
    const { run, rounds } = await committedRun('claim', [entries])
    for (const e of entries) {
      expect(await eventsOf(claim(argsFor(run, 0n, rounds[0]!.tree, e)))).toEqual([
        {
          name: 'CreditClaimed',
          args: [toHex0x(run.run), 0n, toChecksumAddress(e.contributor), BigInt(e.acceptedGroups), BigInt(e.acceptedDeltas), e.credit],
        },
      ])
      expect(await f.ledger.creditOf!(run.run, toChecksumAddress(e.contributor))).toBe(e.credit)
      expect(await f.ledger.isClaimed!(run.run, 0n, toChecksumAddress(e.contributor))).toBe(true)
    }
  })

  it('adds up credit across rounds, and anyone may submit a claim for a contributor', async () => {
    const { run, rounds } = await committedRun('accrue', [[alice(1_000n), bob(5n)], [alice(20n)], [bob(7n), alice(300n)]])
    const byOther = f.ledger.connect(f.other) as typeof f.ledger
    for (const [i, amount] of [1_000n, 20n, 300n].entries()) {
      const round = BigInt(i)
      expect(await f.ledger.isClaimed!(run.run, round, toChecksumAddress(alice(0n).contributor))).toBe(false)
      await (await byOther.claim!(...argsFor(run, round, rounds[i]!.tree, alice(amount)))).wait()
    }
    expect(await f.ledger.creditOf!(run.run, toChecksumAddress(alice(0n).contributor))).toBe(1_320n)
    expect(await f.ledger.creditOf!(run.run, toChecksumAddress(bob(0n).contributor))).toBe(0n)
    expect(await f.ledger.creditOf!(run.run, await f.other.getAddress())).toBe(0n)
  })

  it('batches claims through multicall', async () => {
    const entries = [alice(10n), bob(20n), carol(30n)]
    const { run, rounds } = await committedRun('multicall', [entries])
    const calls = entries.map((e) => f.ledger.interface.encodeFunctionData('claim', argsFor(run, 0n, rounds[0]!.tree, e)))
    expect((await eventsOf(f.ledger.multicall!(calls))).map((e) => e.name)).toEqual(['CreditClaimed', 'CreditClaimed', 'CreditClaimed'])
    for (const e of entries) expect(await f.ledger.creditOf!(run.run, toChecksumAddress(e.contributor))).toBe(e.credit)
  })

  it('reverts with LedgerAlreadyClaimed on a second claim of the same round', async () => {
    const { run, rounds } = await committedRun('double', [[alice(50n), bob(60n)]])
    const args = argsFor(run, 0n, rounds[0]!.tree, alice(50n))
    await (await claim(args)).wait()
    await expectRevert(f.ledger, claim(args), 'LedgerAlreadyClaimed', [toHex0x(run.run), 0n, args[2]])
    expect(await f.ledger.creditOf!(run.run, args[2])).toBe(50n)
  })

  it('reverts with LedgerInvalidProof for a forged leaf', async () => {
    const { run, rounds } = await committedRun('forged', [[alice(50n), bob(60n), carol(70n)]])
    const tree = rounds[0]!.tree
    const proof = tree.proof(alice(0n).contributor)
    const forgeries: CreditEntry[] = [
      alice(5_000n), // inflated credit
      { ...alice(50n), acceptedGroups: 3 }, // another count
      { ...alice(50n), contributor: bob(0n).contributor }, // someone else's address on alice's proof
    ]
    for (const leaf of forgeries) {
      await expectRevert(f.ledger, claim(claimArgs(run.run, 0n, leaf, proof)), 'LedgerInvalidProof', [
        toHex0x(run.run),
        0n,
        toChecksumAddress(leaf.contributor),
      ])
    }
    // a leaf of round 0 replayed as round 1's, where the same contributor earned the same credit
    const { run: run2, rounds: rounds2 } = await committedRun('cross-round', [
      [alice(50n), bob(60n)],
      [alice(50n), carol(1n)],
    ])
    const replayed = claimArgs(run2.run, 1n, alice(50n), rounds2[0]!.tree.proof(alice(0n).contributor))
    await expectRevert(f.ledger, claim(replayed), 'LedgerInvalidProof', [toHex0x(run2.run), 1n, replayed[2]])
    expect(await f.ledger.creditOf!(run.run, toChecksumAddress(alice(0n).contributor))).toBe(0n)
  })

  it('reverts with LedgerInvalidProof in a round that credits nobody', async () => {
    const { run } = await committedRun('empty', [[]])
    const args = claimArgs(run.run, 0n, alice(1n), [])
    await expectRevert(f.ledger, claim(args), 'LedgerInvalidProof', [toHex0x(run.run), 0n, args[2]])
  })

  it('reverts with LedgerRoundNotCommitted before the round commits', async () => {
    const { run, rounds } = await committedRun('early', [[alice(1n), bob(2n)]])
    const args = claimArgs(run.run, 1n, alice(1n), rounds[0]!.tree.proof(alice(0n).contributor))
    await expectRevert(f.ledger, claim(args), 'LedgerRoundNotCommitted', [toHex0x(run.run), 1n])
  })

  it('reverts with LedgerUnknownRun for a run nobody created', async () => {
    const args = claimArgs(bytes32('run/missing'), 0n, alice(1n), [])
    await expectRevert(f.ledger, claim(args), 'LedgerUnknownRun', [args[0]])
  })

  it('keeps claimed rounds apart across the 256-round words of its bitmap', async () => {
    const run = await createTestRun(f, 'many-rounds', 1)
    let policy = run.genesis
    const trees = []
    const commits: string[] = []
    for (let round = 0n; round <= 256n; round++) {
      const r = testRound(run, round, policy, [alice(round + 1n)])
      commits.push(f.ledger.interface.encodeFunctionData('commitRound', signRound(run.domain, r.result, f.validators.slice(0, 1))))
      trees.push(r.tree)
      policy = r.result.newPolicyHash
    }
    // 257 commits in three transactions: one per round would take seconds of JSON-RPC round trips
    for (let i = 0; i < commits.length; i += 100) await (await f.ledger.multicall!(commits.slice(i, i + 100))).wait()
    expect(await f.ledger.lastCommittedRound!(run.run)).toBe(256n)
    const who = toChecksumAddress(alice(0n).contributor)
    await (await claim(claimArgs(run.run, 256n, alice(257n), trees[256]!.proof(alice(0n).contributor)))).wait()
    expect(await f.ledger.isClaimed!(run.run, 256n, who)).toBe(true)
    expect(await f.ledger.isClaimed!(run.run, 0n, who)).toBe(false)
    await (await claim(claimArgs(run.run, 0n, alice(1n), trees[0]!.proof(alice(0n).contributor)))).wait()
    await (await claim(claimArgs(run.run, 255n, alice(256n), trees[255]!.proof(alice(0n).contributor)))).wait()
    expect(await f.ledger.isClaimed!(run.run, 1n, who)).toBe(false)
    expect(await f.ledger.creditOf!(run.run, who)).toBe(257n + 1n + 256n)
  })
})
