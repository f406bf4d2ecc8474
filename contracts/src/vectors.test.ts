/**
 * protocol/vectors/eip712.json and merkle.json, checked on-chain: the contract's EIP-712 digest,
 * domain separator and Merkle leaf are byte-for-byte protocol's, and the vector's signed
 * RoundResult commits and its leaves claim (STYLE.md §7: one definition, one shared vector).
 */
import { readFileSync } from 'node:fs'
import { decodeSignedMessage, encodeType, keccak256, toHex0x } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitRoundArgs } from './args.js'
import { connectLinks } from './deploy.js'
import { type LedgerFixture, startLedgerFixture } from './testing/fixture.js'

type Hex = `0x${string}`
interface Eip712Vectors {
  domain: { chainId: string; verifyingContract: string; salt: Hex }
  domainSeparator: Hex
  link: { message: { run: Hex; owner: string }; digest: Hex; signer: string; signature: Hex }
  signatures: {
    primaryType: string
    message: Record<string, string>
    digest: Hex
    signer: string
    envelope: Hex
  }[]
}
interface MerkleVectors {
  run: Hex
  round: string
  trees: {
    root: Hex
    leaves: { contributor: string; acceptedGroups: number; acceptedDeltas: number; credit: string; leafHash: Hex; proof: Hex[] }[]
  }[]
}

const vectors = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../protocol/vectors/${name}`, import.meta.url), 'utf8'))
const eip712 = vectors('eip712.json') as Eip712Vectors
const merkle = vectors('merkle.json') as MerkleVectors
const roundResult = eip712.signatures.find((s) => s.primaryType === 'RoundResult')!

let f: LedgerFixture
beforeAll(async () => {
  f = await startLedgerFixture()
})
afterAll(() => f.stop())

describe('protocol vectors', () => {
  it("deploys the fixture's ledger where the vectors' domain expects it", () => {
    expect(f.address).toBe(eip712.domain.verifyingContract)
    expect(f.chain.chainId).toBe(BigInt(eip712.domain.chainId))
  })

  it('has the Link type hash and digest of eip712.json (CreditLinks, in the ledger’s domain)', async () => {
    const { link } = eip712
    const links = await connectLinks(f.ledger, f.provider)
    expect(await links.LINK_TYPEHASH!()).toBe(toHex0x(keccak256(new TextEncoder().encode(encodeType('Link')))))
    expect(await links.linkDigest!(link.message.run, link.message.owner)).toBe(link.digest)
  })

  it('has the RoundResult type hash, domain separator and digest of eip712.json', async () => {
    expect(await f.ledger.ROUND_RESULT_TYPEHASH!()).toBe(toHex0x(keccak256(new TextEncoder().encode(encodeType('RoundResult')))))
    expect(await f.ledger.domainSeparator!(eip712.domain.salt)).toBe(eip712.domainSeparator)
    const m = roundResult.message
    expect(await f.ledger.roundResultDigest!(m.run, m.round, m.previousPolicyHash, m.newPolicyHash, m.contributionsRoot, m.digest)).toBe(
      roundResult.digest,
    )
  })

  it('has the leaf hash of every leaf of merkle.json', async () => {
    for (const tree of merkle.trees) {
      for (const l of tree.leaves) {
        expect(
          await f.ledger.contributionLeafHash!(merkle.run, merkle.round, l.contributor, l.acceptedGroups, l.acceptedDeltas, l.credit),
        ).toBe(l.leafHash)
      }
    }
  })

  it("commits the vector's signed RoundResult and claims its leaves with the vector proofs", async () => {
    const m = roundResult.message
    const { body, signature } = decodeSignedMessage(Uint8Array.from(Buffer.from(roundResult.envelope.slice(2), 'hex')))
    await (await f.ledger.createRun!(m.run, m.previousPolicyHash, [roundResult.signer], 1)).wait()
    const args = commitRoundArgs(body, [signature])
    expect(args.slice(0, 6)).toEqual([m.run, BigInt(m.round!), m.previousPolicyHash, m.newPolicyHash, m.contributionsRoot, m.digest])
    await (await f.ledger.commitRound!(...args)).wait()

    const tree = merkle.trees.find((t) => t.root === m.contributionsRoot)!
    expect(tree).toBeDefined()
    for (const l of tree.leaves) {
      await (await f.ledger.claim!(merkle.run, merkle.round, l.contributor, l.acceptedGroups, l.acceptedDeltas, l.credit, l.proof)).wait()
      expect(await f.ledger.creditOf!(merkle.run, l.contributor)).toBe(BigInt(l.credit))
    }
  })
})
