import { type CreditEntry, createRng, toChecksumAddress, toHex0x } from '@murmur/protocol'
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
})

/** Rounds 0 … count − 1 of a run with quorum 1, each crediting `creditsOf(round)`, committed in multicalls. */
async function longRun(label: string, count: number, creditsOf: (round: bigint) => CreditEntry[]) {
  const run = await createTestRun(f, label, 1)
  let policy = run.genesis
  const trees: Omit<TestRound, 'body'>['tree'][] = []
  const commits: string[] = []
  for (let round = 0n; round < BigInt(count); round++) {
    const r = testRound(run, round, policy, creditsOf(round))
    commits.push(f.ledger.interface.encodeFunctionData('commitRound', signRound(run.domain, r.result, f.validators.slice(0, 1))))
    trees.push(r.tree)
    policy = r.result.newPolicyHash
  }
  // 100 commits a transaction: one per round would take seconds of JSON-RPC round trips
  for (let i = 0; i < commits.length; i += 100) await (await f.ledger.multicall!(commits.slice(i, i + 100))).wait()
  return { run, trees }
}

/** A view for many (round, contributor) pairs in one eth_call, through multicall. */
async function isClaimedMany(run: TestRun, pairs: readonly (readonly [bigint, string])[]): Promise<boolean[]> {
  const calls = pairs.map(([round, who]) => f.ledger.interface.encodeFunctionData('isClaimed', [run.run, round, who]))
  const results = (await f.ledger.multicall!.staticCall(calls)) as string[]
  return results.map((r) => Boolean(f.ledger.interface.decodeFunctionResult('isClaimed', r)[0]))
}

describe('claimed flags: a 96-round window beside the credit, 256-round bitmap words for the other rounds', () => {
  const ROUNDS = 300
  const PROPERTY_SEEDS = 2
  const PER_SEED = 3
  const randomLabel = (seed: number, k: number) => `random/${seed}/${k}`
  // whether random contributor k of seed `seed` has a leaf in `round`, and its credit there
  const randomLeaf = (seed: number, k: number, round: bigint): CreditEntry | null => {
    const draw = createRng(bytes32(`leaf/${seed}/${k}`), round).nextInt(1_000)
    return draw < 500 ? credit(randomLabel(seed, k), 1 + (draw % 5), draw % 2, BigInt(draw + 1) * 1_000n) : null
  }
  let long: Awaited<ReturnType<typeof longRun>>

  beforeAll(async () => {
    long = await longRun('windows', ROUNDS, (round) => {
      const leaves = [alice(round + 1n), bob(round * 2n), carol(0n)]
      for (let seed = 0; seed < PROPERTY_SEEDS; seed++)
        for (let k = 0; k < PER_SEED; k++) {
          const leaf = randomLeaf(seed, k, round)
          if (leaf) leaves.push(leaf)
        }
      return leaves
    })
  })

  const leafOf = (round: bigint, entry: CreditEntry) =>
    claimArgs(long.run.run, round, entry, long.trees[Number(round)]!.proof(entry.contributor))

  it('flags each round once, in the window or in a bitmap word, whatever the claim order', async () => {
    const who = toChecksumAddress(alice(0n).contributor)
    // 100 first: the window is 100 … 195; 196 and 99 are just outside it, 255 | 256 straddle two words
    const claimed = [100n, 195n, 196n, 99n, 255n, 256n, 0n, 299n, 150n]
    const unclaimed = [101n, 194n, 197n, 98n, 254n, 257n, 1n, 298n]
    for (const round of claimed) {
      expect(await f.ledger.isClaimed!(long.run.run, round, who)).toBe(false)
      await (await claim(leafOf(round, alice(round + 1n)))).wait()
    }
    expect(
      await isClaimedMany(
        long.run,
        claimed.map((r) => [r, who]),
      ),
    ).toEqual(claimed.map(() => true))
    expect(
      await isClaimedMany(
        long.run,
        unclaimed.map((r) => [r, who]),
      ),
    ).toEqual(unclaimed.map(() => false))
    for (const round of claimed)
      await expectRevert(f.ledger, claim(leafOf(round, alice(round + 1n))), 'LedgerAlreadyClaimed', [toHex0x(long.run.run), round, who])
    expect(await f.ledger.creditOf!(long.run.run, who)).toBe(claimed.reduce((sum, r) => sum + r + 1n, 0n))
  })

  it('flags a zero-credit first claim, so its round cannot be claimed again', async () => {
    const who = toChecksumAddress(carol(0n).contributor)
    await (await claim(leafOf(7n, carol(0n)))).wait()
    expect(await f.ledger.creditOf!(long.run.run, who)).toBe(0n)
    expect(
      await isClaimedMany(long.run, [
        [6n, who],
        [7n, who],
        [8n, who],
      ]),
    ).toEqual([false, true, false])
    await expectRevert(f.ledger, claim(leafOf(7n, carol(0n))), 'LedgerAlreadyClaimed', [toHex0x(long.run.run), 7n, who])
    await (await claim(leafOf(8n, carol(0n)))).wait()
    await (await claim(leafOf(6n, carol(0n)))).wait()
    expect(
      await isClaimedMany(long.run, [
        [6n, who],
        [7n, who],
        [8n, who],
      ]),
    ).toEqual([true, true, true])
  })

  it('credits the sum of the claimed leaves, each once, over random claim orders', async () => {
    for (let seed = 0; seed < PROPERTY_SEEDS; seed++) {
      const rng = createRng(bytes32(`order/${seed}`))
      const leaves: { round: bigint; entry: CreditEntry }[] = []
      for (let k = 0; k < PER_SEED; k++)
        for (let round = 0n; round < BigInt(ROUNDS); round++) {
          const entry = randomLeaf(seed, k, round)
          if (entry) leaves.push({ round, entry })
        }
      // Fisher–Yates; then each leaf once, 100 a transaction, and after each batch a replay of a claimed leaf
      for (let i = leaves.length - 1; i > 0; i--) {
        const j = rng.nextInt(i + 1)
        ;[leaves[i], leaves[j]] = [leaves[j]!, leaves[i]!]
      }
      const credited = new Map<string, number>()
      for (let start = 0; start < leaves.length; start += 100) {
        const batch = leaves.slice(start, start + 100)
        const calls = batch.map((l) => f.ledger.interface.encodeFunctionData('claim', leafOf(l.round, l.entry)))
        for (const e of await eventsOf(f.ledger.multicall!(calls))) {
          const key = `${e.args[1]}/${e.args[2]}`
          credited.set(key, (credited.get(key) ?? 0) + 1)
        }
        const replay = leaves[rng.nextInt(start + batch.length)]!
        await expectRevert(f.ledger, f.ledger.claim!.staticCall(...leafOf(replay.round, replay.entry)), 'LedgerAlreadyClaimed', [
          toHex0x(long.run.run),
          replay.round,
          toChecksumAddress(replay.entry.contributor),
        ])
      }
      expect(credited.size).toBe(leaves.length)
      expect([...credited.values()].every((n) => n === 1)).toBe(true)

      for (let k = 0; k < PER_SEED; k++) {
        const who = toChecksumAddress(credit(randomLabel(seed, k), 0, 0, 0n).contributor)
        const mine = leaves.filter((l) => toChecksumAddress(l.entry.contributor) === who)
        expect(mine.length).toBeGreaterThan(100)
        expect(await f.ledger.creditOf!(long.run.run, who)).toBe(mine.reduce((sum, l) => sum + l.entry.credit, 0n))
        // flagged exactly where the contributor has a leaf
        const rounds = Array.from({ length: ROUNDS }, (_, r) => BigInt(r))
        expect(
          await isClaimedMany(
            long.run,
            rounds.map((r) => [r, who]),
          ),
        ).toEqual(rounds.map((r) => randomLeaf(seed, k, r) !== null))
      }
    }
  })
})

describe('credit overflow', () => {
  const MAX = 2n ** 96n - 1n

  it('holds up to 2^96 − 1 and reverts with LedgerCreditOverflow past it, leaving the round unclaimed', async () => {
    const { run, rounds } = await committedRun('overflow', [
      [alice(MAX), bob(2n ** 96n)],
      [alice(1n), carol(2n ** 256n - 1n)],
    ])
    const [a, b, c] = [alice, bob, carol].map((e) => toChecksumAddress(e(0n).contributor))
    await (await claim(argsFor(run, 0n, rounds[0]!.tree, alice(MAX)))).wait()
    expect(await f.ledger.creditOf!(run.run, a)).toBe(MAX)
    await expectRevert(f.ledger, claim(argsFor(run, 1n, rounds[1]!.tree, alice(1n))), 'LedgerCreditOverflow', [
      toHex0x(run.run),
      a,
      MAX,
      1n,
    ])
    await expectRevert(f.ledger, claim(argsFor(run, 0n, rounds[0]!.tree, bob(2n ** 96n))), 'LedgerCreditOverflow', [
      toHex0x(run.run),
      b,
      0n,
      2n ** 96n,
    ])
    await expectRevert(f.ledger, claim(argsFor(run, 1n, rounds[1]!.tree, carol(2n ** 256n - 1n))), 'LedgerCreditOverflow', [
      toHex0x(run.run),
      c,
      0n,
      2n ** 256n - 1n,
    ])
    expect(await f.ledger.isClaimed!(run.run, 1n, a)).toBe(false)
    expect(await f.ledger.isClaimed!(run.run, 0n, b)).toBe(false)
    expect(await f.ledger.creditOf!(run.run, b)).toBe(0n)
  })
})
