// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * A round's contributions tree: one leaf per credited contributor, built with
 * @openzeppelin/merkle-tree's StandardMerkleTree, so OpenZeppelin's `MerkleProof.verify` checks
 * proofs on-chain (STYLE.md §10). The leaf is the one defined by {@link contributionLeaf}:
 *
 *   leaf = keccak256(keccak256(abi.encode(bytes32 run, uint64 round, address contributor,
 *                                         uint32 acceptedGroups, uint32 acceptedDeltas, uint256 credit)))
 *
 * Leaves are sorted by hash and pairs hashed sorted (the library's standard), so the root does
 * not depend on input order. A round that credits nobody has the all-zero root.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { compareBytes, concatBytes, equalBytes, fromHex, toHex0x } from '../bytes/bytes.js'
import { keccak256 } from '../crypto/hash.js'
import { toChecksumAddress } from '../crypto/identity.js'
import { InvalidArgumentError } from '../errors.js'
import type { CreditEntry } from '../messages/round-result.js'

/** Solidity types of the leaf, in order: the contract's `abi.encode` must use the same. */
export const CONTRIBUTION_LEAF_ENCODING = ['bytes32', 'uint64', 'address', 'uint32', 'uint32', 'uint256'] as const

/** A leaf as @openzeppelin/merkle-tree values (hex strings and bigints). */
export type ContributionLeaf = [
  run: string,
  round: bigint,
  contributor: string,
  acceptedGroups: number,
  acceptedDeltas: number,
  credit: bigint,
]

/** The one definition of a contributions leaf. */
export function contributionLeaf(run: Uint8Array, round: bigint, e: CreditEntry): ContributionLeaf {
  if (run.length !== 32) throw new InvalidArgumentError('A run id is 32 bytes.')
  return [toHex0x(run), round, toChecksumAddress(e.contributor), e.acceptedGroups, e.acceptedDeltas, e.credit]
}

function word(v: bigint, bits: bigint): Uint8Array {
  if (v < 0n || v >= 1n << bits) throw new InvalidArgumentError(`A leaf value ${v} does not fit uint${bits}.`)
  const out = new Uint8Array(32)
  let x = v
  for (let i = 31; i >= 0 && x > 0n; i--) {
    out[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return out
}

/** keccak256(keccak256(abi.encode(leaf))): what `MerkleProof` is given on-chain. */
export function contributionLeafHash(run: Uint8Array, round: bigint, e: CreditEntry): Uint8Array {
  const [, , , acceptedGroups, acceptedDeltas] = contributionLeaf(run, round, e)
  const address = new Uint8Array(32)
  address.set(e.contributor, 12)
  const encoded = concatBytes(
    run,
    word(round, 64n),
    address,
    word(BigInt(acceptedGroups), 32n),
    word(BigInt(acceptedDeltas), 32n),
    word(e.credit, 256n),
  )
  return keccak256(keccak256(encoded))
}

export interface ContributionsTree {
  root: Uint8Array
  /** Proof (sibling hashes, leaf to root) for a contributor; throws if it has no leaf. */
  proof(contributor: Uint8Array): Uint8Array[]
}

/** Builds the tree over a round's credit entries (contributors must be distinct). */
export function buildContributionsTree(run: Uint8Array, round: bigint, credits: readonly CreditEntry[]): ContributionsTree {
  const sorted = [...credits].sort((a, b) => compareBytes(a.contributor, b.contributor))
  for (let i = 1; i < sorted.length; i++) {
    if (equalBytes(sorted[i - 1]!.contributor, sorted[i]!.contributor))
      throw new InvalidArgumentError(`Contributor ${toChecksumAddress(sorted[i]!.contributor)} has two leaves.`)
  }
  if (sorted.length === 0) {
    return {
      root: new Uint8Array(32),
      proof: () => {
        throw new InvalidArgumentError('An empty contributions tree has no proofs.')
      },
    }
  }
  const tree = StandardMerkleTree.of(
    sorted.map((e) => contributionLeaf(run, round, e)),
    [...CONTRIBUTION_LEAF_ENCODING],
  )
  return {
    root: fromHex(tree.root),
    proof(contributor) {
      const i = sorted.findIndex((e) => equalBytes(e.contributor, contributor))
      if (i < 0) throw new InvalidArgumentError(`${toChecksumAddress(contributor)} has no leaf in this round.`)
      return tree.getProof(contributionLeaf(run, round, sorted[i]!)).map(fromHex)
    },
  }
}

/** The root `RoundResult.contributionsRoot` must carry for these credits. */
export function contributionsRoot(run: Uint8Array, round: bigint, credits: readonly CreditEntry[]): Uint8Array {
  return buildContributionsTree(run, round, credits).root
}

/** Checks a proof the way OpenZeppelin's `MerkleProof.verify` does (sorted-pair keccak256). */
export function verifyContributionProof(
  root: Uint8Array,
  run: Uint8Array,
  round: bigint,
  entry: CreditEntry,
  proof: readonly Uint8Array[],
): boolean {
  let node = contributionLeafHash(run, round, entry)
  for (const sibling of proof)
    node = compareBytes(node, sibling) <= 0 ? keccak256(concatBytes(node, sibling)) : keccak256(concatBytes(sibling, node))
  return equalBytes(node, root)
}
