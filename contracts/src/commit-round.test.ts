import { type Eip712Domain, fromHex, recoverSigner, toChecksumAddress, toHex0x, typedDataDigest } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommitRoundArgs } from './args.js'
import {
  bytes32,
  createTestRun,
  credit,
  eventsOf,
  expectRevert,
  type LedgerFixture,
  signRound,
  startLedgerFixture,
  type TestRun,
  testRound,
} from './testing/fixture.js'

let f: LedgerFixture
beforeAll(async () => {
  f = await startLedgerFixture()
})
afterAll(() => f.stop())

const credits = [credit('a', 3, 1, 1_300_000n), credit('b', 1, 0, 100_000n)]
const commit = (args: CommitRoundArgs) => f.ledger.commitRound!(...args)
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** The address a signature over these commit arguments recovers to, computed by protocol. */
function recovered(domain: Eip712Domain, args: CommitRoundArgs, signature: string): string {
  const [run, round, previousPolicyHash, newPolicyHash, contributionsRoot, digest] = args
  const message = {
    run: fromHex(run),
    round,
    previousPolicyHash: fromHex(previousPolicyHash),
    newPolicyHash: fromHex(newPolicyHash),
    contributionsRoot: fromHex(contributionsRoot),
    digest: fromHex(digest),
  }
  const signer = recoverSigner(typedDataDigest(domain, 'RoundResult', message), fromHex(signature))
  if (!signer.ok) throw new Error(signer.problem)
  return toChecksumAddress(signer.address)
}

/** Commits round 0 of a fresh run and returns the run and round 0's policy hash. */
async function runWithRound0(label: string): Promise<{ run: TestRun; policy0: Uint8Array }> {
  const run = await createTestRun(f, label)
  const r0 = testRound(run, 0n, run.genesis, credits)
  await (await commit(signRound(run.domain, r0.result, f.validators.slice(0, 3)))).wait()
  return { run, policy0: r0.result.newPolicyHash }
}

describe('commitRound', () => {
  it('stores a round signed by 3 of 4 validators with protocol keys and emits RoundCommitted', async () => {
    const run = await createTestRun(f, 'commit')
    const r0 = testRound(run, 0n, run.genesis, credits)
    const args = signRound(run.domain, r0.result, f.validators.slice(1, 4))
    expect(await eventsOf(commit(args))).toEqual([{ name: 'RoundCommitted', args: [args[0], 0n, args[2], args[3], args[4], args[5]] }])
    expect([...(await f.ledger.roundOf!(run.run, 0n))]).toEqual([toHex0x(run.genesis), args[3], args[4]])
    expect(await f.ledger.lastCommittedRound!(run.run)).toBe(0n)
    expect((await f.ledger.runOf!(run.run)).committedRounds).toBe(1n)

    // the next round chains from round 0's policy; signatures may come in any order
    const r1 = testRound(run, 1n, r0.result.newPolicyHash, credits.slice(1))
    const reversed = [f.validators[2]!, f.validators[0]!, f.validators[3]!]
    await (await commit(signRound(run.domain, r1.result, reversed))).wait()
    expect([...(await f.ledger.roundOf!(run.run, 1n))]).toEqual([
      toHex0x(r0.result.newPolicyHash),
      toHex0x(r1.result.newPolicyHash),
      toHex0x(r1.tree.root),
    ])
    expect(await f.ledger.lastCommittedRound!(run.run)).toBe(1n)
  })

  it('accepts every validator signing, and a round that credits nobody', async () => {
    const run = await createTestRun(f, 'all-sign')
    await (await commit(signRound(run.domain, testRound(run, 0n, run.genesis, []).result, f.validators))).wait()
    expect((await f.ledger.roundOf!(run.run, 0n)).contributionsRoot).toBe(toHex0x(new Uint8Array(32)))
  })

  it('reverts with LedgerRoundAlreadyCommitted when a commit is replayed', async () => {
    const run = await createTestRun(f, 'replay')
    const args = signRound(run.domain, testRound(run, 0n, run.genesis, credits).result, f.validators.slice(0, 3))
    await (await commit(args)).wait()
    await expectRevert(f.ledger, commit(args), 'LedgerRoundAlreadyCommitted', [toHex0x(run.run), 0n])
  })

  it('reverts with LedgerRoundOutOfOrder when a round is skipped', async () => {
    const { run, policy0 } = await runWithRound0('skip')
    const args = signRound(run.domain, testRound(run, 2n, policy0, credits).result, f.validators.slice(0, 3))
    await expectRevert(f.ledger, commit(args), 'LedgerRoundOutOfOrder', [toHex0x(run.run), 2n, 1n])
  })

  it('reverts with LedgerPolicyHashMismatch for a stale previousPolicyHash', async () => {
    const { run, policy0 } = await runWithRound0('stale')
    const args = signRound(run.domain, testRound(run, 1n, run.genesis, credits).result, f.validators.slice(0, 3))
    await expectRevert(f.ledger, commit(args), 'LedgerPolicyHashMismatch', [toHex0x(run.run), 1n, toHex0x(run.genesis), toHex0x(policy0)])
  })

  it('reverts with LedgerPolicyHashMismatch when round 0 does not start from the genesis hash', async () => {
    const run = await createTestRun(f, 'genesis')
    const other = bytes32('not-genesis')
    const args = signRound(run.domain, testRound(run, 0n, other, credits).result, f.validators.slice(0, 3))
    await expectRevert(f.ledger, commit(args), 'LedgerPolicyHashMismatch', [toHex0x(run.run), 0n, toHex0x(other), toHex0x(run.genesis)])
  })

  it('reverts with LedgerNotValidator when a non-validator signs', async () => {
    const run = await createTestRun(f, 'stranger')
    const result = testRound(run, 0n, run.genesis, credits).result
    const stranger = f.strangers[0]!
    await expectRevert(f.ledger, commit(signRound(run.domain, result, [...f.validators.slice(0, 2), stranger])), 'LedgerNotValidator', [
      toHex0x(run.run),
      stranger.address,
    ])
    await expectRevert(f.ledger, commit(signRound(run.domain, result, [...f.strangers, stranger])), 'LedgerNotValidator', [
      toHex0x(run.run),
      f.strangers[0]!.address,
    ])
  })

  it('reverts with LedgerDuplicateSigner when a validator signs twice', async () => {
    const run = await createTestRun(f, 'duplicate')
    const [a, b] = f.validators
    const args = signRound(run.domain, testRound(run, 0n, run.genesis, credits).result, [a!, b!, a!])
    await expectRevert(f.ledger, commit(args), 'LedgerDuplicateSigner', [toHex0x(run.run), a!.address])
  })

  it('reverts with LedgerQuorumNotReached below the quorum', async () => {
    const run = await createTestRun(f, 'short')
    const args = signRound(run.domain, testRound(run, 0n, run.genesis, credits).result, f.validators.slice(0, 2))
    await expectRevert(f.ledger, commit(args), 'LedgerQuorumNotReached', [toHex0x(run.run), 2n, 3n])
  })

  it('rejects signatures over other fields, another run, another chain or another ledger (LedgerNotValidator)', async () => {
    const run = await createTestRun(f, 'tampered')
    const result = testRound(run, 0n, run.genesis, credits).result
    const args = signRound(run.domain, result, f.validators.slice(0, 3))
    // a forged root: the signatures no longer recover to validators
    const forged: CommitRoundArgs = [...args]
    forged[4] = toHex0x(bytes32('forged-root'))
    await expectRevert(f.ledger, commit(forged), 'LedgerNotValidator', [toHex0x(run.run), recovered(run.domain, forged, args[6][0]!)])

    const elsewhere: Eip712Domain[] = [
      { ...run.domain, salt: bytes32('run/another') },
      { ...run.domain, chainId: 1n },
      { ...run.domain, verifyingContract: fromHex('0x00000000000000000000000000000000000000aa') },
    ]
    for (const domain of elsewhere) {
      const foreign = signRound(domain, result, f.validators.slice(0, 3))
      await expectRevert(f.ledger, commit(foreign), 'LedgerNotValidator', [
        toHex0x(run.run),
        recovered(run.domain, foreign, foreign[6][0]!),
      ])
    }
  })

  it('reverts with LedgerInvalidSignature for a short or high-s signature', async () => {
    const run = await createTestRun(f, 'malformed')
    const args = signRound(run.domain, testRound(run, 0n, run.genesis, credits).result, f.validators.slice(0, 3))
    const short: CommitRoundArgs = [...args]
    short[6] = [args[6][0]!, args[6][1]!.slice(0, -2) as `0x${string}`, args[6][2]!]
    await expectRevert(f.ledger, commit(short), 'LedgerInvalidSignature', [toHex0x(run.run), 1n])

    // the malleable twin (n − s, v flipped) recovers the same key; OpenZeppelin's ECDSA refuses it
    const sig = fromHex(args[6][2]!)
    const s = BigInt(toHex0x(sig.slice(32, 64)))
    const twin = new Uint8Array(sig)
    twin.set(fromHex((SECP256K1_N - s).toString(16).padStart(64, '0')), 32)
    twin[64] = sig[64] === 27 ? 28 : 27
    const highS: CommitRoundArgs = [...args]
    highS[6] = [args[6][0]!, args[6][1]!, toHex0x(twin)]
    await expectRevert(f.ledger, commit(highS), 'LedgerInvalidSignature', [toHex0x(run.run), 2n])
  })

  it('reverts with LedgerUnknownRun for a run nobody created', async () => {
    const run: TestRun = { ...(await createTestRun(f, 'known')), run: bytes32('run/never-created') }
    const args = signRound(run.domain, testRound(run, 0n, run.genesis, credits).result, f.validators.slice(0, 3))
    await expectRevert(f.ledger, commit(args), 'LedgerUnknownRun', [toHex0x(run.run)])
  })
})

describe('lastCommittedRound', () => {
  it('reverts with LedgerNoRoundCommitted before round 0 commits', async () => {
    const run = await createTestRun(f, 'fresh')
    await expectRevert(f.ledger, f.ledger.lastCommittedRound!(run.run), 'LedgerNoRoundCommitted', [toHex0x(run.run)])
  })
})

describe('roundOf', () => {
  it('reverts with LedgerRoundNotCommitted for a round without a result', async () => {
    const { run } = await runWithRound0('round-of')
    await expectRevert(f.ledger, f.ledger.roundOf!(run.run, 1n), 'LedgerRoundNotCommitted', [toHex0x(run.run), 1n])
  })
})
