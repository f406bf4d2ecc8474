/**
 * CreditLinks (created by the ledger, at `links()`): a contributor key (a browser tab's, which
 * signs its groups and deltas) names a wallet as the owner of its credit in a run. The key
 * consents by signing Link(run, owner) with protocol's `linkDigest`; the owner by sending the
 * transaction. Claims are untouched: credit stays on the key's leaves and total, and
 * `ownerCreditOf` sums the linked keys' totals.
 */
import { addressFromPrivateKey, type CreditEntry, linkDigest, signDigest, toChecksumAddress, toHex0x } from '@murmur/protocol'
import { type Contract, Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimArgs } from './args.js'
import { connectLinks } from './deploy.js'
import {
  bytes32,
  createTestRun,
  eventsOf,
  expectRevert,
  type LedgerFixture,
  signRound,
  startLedgerFixture,
  type TestRun,
  testRound,
} from './testing/fixture.js'

let f: LedgerFixture
let links: Contract
let owner: Contract
beforeAll(async () => {
  f = await startLedgerFixture()
  links = await connectLinks(f.ledger, f.provider)
  owner = links.connect(f.other) as Contract
})
afterAll(() => f.stop())

/** A tab's key: a private key and its address. */
const tabKey = (label: string) => {
  const key = bytes32(`tab/${label}`)
  return { key, address: addressFromPrivateKey(key), checksummed: toChecksumAddress(addressFromPrivateKey(key)) }
}
const ownerAddress = () => f.other.getAddress()
const consent = async (run: TestRun, tab: ReturnType<typeof tabKey>, to?: string) =>
  signDigest(linkDigest(run.domain, addressFromHex(to ?? (await ownerAddress()))), tab.key)
const addressFromHex = (a: string) => Uint8Array.from(Buffer.from(a.slice(2), 'hex'))

describe('CreditLinks', () => {
  it('is created by the ledger and refers to it', async () => {
    expect(await links.ledger!()).toBe(f.address)
    expect(await links.getAddress()).toBe(String(await f.ledger.links!()))
  })

  it('names the sender as owner with the key’s consent; the owner’s credit is its keys’ claimed credit, before and after the link', async () => {
    const run = await createTestRun(f, 'link')
    const [a, b] = [tabKey('a'), tabKey('b')]
    const entry = (k: ReturnType<typeof tabKey>, credit: bigint): CreditEntry => ({
      contributor: k.address,
      acceptedGroups: 1,
      acceptedDeltas: 1,
      credit,
    })
    const rounds = [testRound(run, 0n, run.genesis, [entry(a, 100n), entry(b, 7n)])]
    rounds.push(testRound(run, 1n, rounds[0]!.result.newPolicyHash, [entry(a, 20n)]))
    for (const r of rounds) await (await f.ledger.commitRound!(...signRound(run.domain, r.result, f.validators.slice(0, 3)))).wait()
    const claim = async (i: number, e: CreditEntry) =>
      (await f.ledger.claim!(...claimArgs(run.run, BigInt(i), e, rounds[i]!.tree.proof(e.contributor)))).wait()

    await claim(0, entry(a, 100n)) // claimed before the link: counts for the owner all the same
    expect(await eventsOf(owner.link!(run.run, a.checksummed, await consent(run, a)))).toEqual([
      { name: 'ContributorLinked', args: [toHex0x(run.run), a.checksummed, await ownerAddress()] },
    ])
    expect(await links.ownerOf!(run.run, a.checksummed)).toBe(await ownerAddress())
    expect(await links.ownerCreditOf!(run.run, await ownerAddress())).toBe(100n)

    await (await owner.link!(run.run, b.checksummed, await consent(run, b))).wait()
    await claim(1, entry(a, 20n))
    await claim(0, entry(b, 7n))
    expect(await links.linkedOf!(run.run, await ownerAddress())).toEqual([a.checksummed, b.checksummed])
    expect(await links.ownerCreditOf!(run.run, await ownerAddress())).toBe(127n)
    // the keys keep their own totals; claims are what they were
    expect(await f.ledger.creditOf!(run.run, a.checksummed)).toBe(120n)
    expect(await f.ledger.creditOf!(run.run, b.checksummed)).toBe(7n)
    expect(await links.ownerOf!(run.run, toChecksumAddress(bytes32('nobody').slice(12)))).toBe('0x0000000000000000000000000000000000000000')
  })

  it('refuses a link without the key’s consent to this owner in this run, a second link, and an unknown run', async () => {
    const run = await createTestRun(f, 'link-refusals')
    const other = await createTestRun(f, 'link-refusals-other')
    const tab = tabKey('refusals')
    const args = (sig: Uint8Array) => [run.run, tab.checksummed, sig] as const
    const refused = (sig: Uint8Array) =>
      expectRevert(links, owner.link!(...args(sig)), 'LinkInvalidSignature', [toHex0x(run.run), tab.checksummed])
    await refused(await consent(run, tabKey('someone-else'))) // another key's signature
    await refused(await consent(run, tab, f.validators[0]!.address)) // consent to another owner
    await refused(await consent(other, tab)) // consent in another run
    await refused(new Uint8Array(65)) // not a signature
    // the owner's consent is the transaction: a key's consent to one owner cannot be used by another
    const byValidator = links.connect(new Wallet(toHex0x(f.validators[0]!.key), f.provider)) as Contract
    await expectRevert(links, byValidator.link!(...args(await consent(run, tab))), 'LinkInvalidSignature', [
      toHex0x(run.run),
      tab.checksummed,
    ])

    await (await owner.link!(...args(await consent(run, tab)))).wait()
    await expectRevert(links, owner.link!(...args(await consent(run, tab))), 'LinkAlreadyLinked', [
      toHex0x(run.run),
      tab.checksummed,
      await ownerAddress(),
    ])
    const unknown = bytes32('run/never-created')
    await expectRevert(links, owner.link!(unknown, tab.checksummed, await consent(run, tab)), 'LinkUnknownRun', [toHex0x(unknown)])
  })

  it(`caps an owner's keys per run at MAX_LINKS`, async () => {
    const run = await createTestRun(f, 'link-cap')
    const max = Number(await links.MAX_LINKS!())
    for (let i = 0; i < max; i++) {
      const tab = tabKey(`cap/${i}`)
      await (await owner.link!(run.run, tab.checksummed, await consent(run, tab))).wait()
    }
    const last = tabKey('cap/last')
    await expectRevert(links, owner.link!(run.run, last.checksummed, await consent(run, last)), 'LinkTooMany', [
      toHex0x(run.run),
      await ownerAddress(),
      BigInt(max),
    ])
    expect(await links.linkedOf!(run.run, await ownerAddress())).toHaveLength(max)
  })
})
