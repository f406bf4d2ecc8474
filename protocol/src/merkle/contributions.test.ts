import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { creditEntries } from '../../vectors/arbitraries.js'
import { alice, RUN } from '../../vectors/fixtures.js'
import { toHex0x } from '../bytes/bytes.js'
import {
  buildContributionsTree,
  CONTRIBUTION_LEAF_ENCODING,
  contributionLeaf,
  contributionLeafHash,
  contributionsRoot,
  verifyContributionProof,
} from './contributions.js'

describe('contributions tree', () => {
  it('hashes leaves exactly as StandardMerkleTree does', () => {
    fc.assert(
      fc.property(
        creditEntries.filter((c) => c.length > 0),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (credits, round) => {
          const tree = StandardMerkleTree.of(
            credits.map((e) => contributionLeaf(RUN, round, e)),
            [...CONTRIBUTION_LEAF_ENCODING],
          )
          for (const e of credits) expect(toHex0x(contributionLeafHash(RUN, round, e))).toBe(tree.leafHash(contributionLeaf(RUN, round, e)))
        },
      ),
      { numRuns: 30 },
    )
  })

  it('gives every contributor a proof that verifies, and none for a changed leaf', () => {
    fc.assert(
      fc.property(
        creditEntries.filter((c) => c.length > 0),
        (credits) => {
          const tree = buildContributionsTree(RUN, 3n, credits)
          for (const e of credits) {
            const proof = tree.proof(e.contributor)
            expect(verifyContributionProof(tree.root, RUN, 3n, e, proof)).toBe(true)
            expect(verifyContributionProof(tree.root, RUN, 3n, { ...e, credit: e.credit ^ 1n }, proof)).toBe(false)
            expect(verifyContributionProof(tree.root, RUN, 4n, e, proof)).toBe(false)
          }
        },
      ),
      { numRuns: 30 },
    )
  })

  it('does not depend on the order of the entries', () => {
    fc.assert(
      fc.property(creditEntries, (credits) => {
        expect(contributionsRoot(RUN, 1n, [...credits].reverse())).toEqual(contributionsRoot(RUN, 1n, credits))
      }),
      { numRuns: 30 },
    )
  })

  it('has the zero root when nobody is credited and rejects duplicate contributors', () => {
    expect(contributionsRoot(RUN, 1n, [])).toEqual(new Uint8Array(32))
    const e = { contributor: alice.address, acceptedGroups: 1, acceptedDeltas: 0, credit: 5n }
    expect(() => buildContributionsTree(RUN, 1n, [e, e])).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Contributor 0x721EE3FaBff17839124060d9800A9b380FC2872C has two leaves.]`,
    )
  })
})
