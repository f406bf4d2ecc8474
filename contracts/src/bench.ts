/**
 * The ledger's gas table, measured on a real local EVM: `npm run bench -w contracts` writes it to
 * bench/results/ledger.{json,md}, and gas.test.ts fails when a row exceeds its limit. Gas is
 * deterministic, so the table is exact on every machine.
 */
import { cpus } from 'node:os'
import {
  buildContributionsTree,
  CREDIT_PER_ACCEPTED_GROUP,
  CREDIT_PER_TRAINED_GROUP,
  type CreditEntry,
  compareBytes,
  concatBytes,
  contributionLeafHash,
  type Eip712Domain,
  fromHex,
  keccak256,
  linkDigest,
  type RoundResult,
  signDigest,
  signMessage,
  toHex0x,
  verifyContributionProof,
} from '@murmur/protocol'
import { type Contract, type ContractTransactionResponse, Wallet } from 'ethers'
import { claimArgs, commitRoundArgs } from './args.js'
import { connectLinks, deployLedger } from './deploy.js'
import { startLocalChain } from './local-chain.js'
import { ledgerProvider } from './provider.js'

/** Gas ceilings; the targets come from issue 7 (commit ≤ 120k whatever the round size, claim ≤ 70k). */
export const LEDGER_GAS_LIMITS = {
  /** A run with 4 validators: one storage word per validator plus the run's two. */
  createRun: 200_000,
  /** A quorum of 3 signatures, for any number of contributors. */
  commitRound: 120_000,
  /**
   * Every claim, with proofs up to 17 hashes. The dearest: a contributor's first claim in the run
   * (one new word) and a round outside its 96-round window whose 256-round bitmap word is new (one
   * new word and one rewrite).
   */
  claim: 70_000,
  /**
   * CreditLinks.link, once per key and run: three new words (the key's owner, the owner's list
   * length and entry), a signature recovery and two calls to the ledger (the run, its domain).
   */
  link: 120_000,
} as const

export interface LedgerGasRow {
  operation: 'createRun' | 'commitRound' | 'claim' | 'multicall(claim)' | 'link'
  detail: string
  /** Gas of the whole transaction (receipt.gasUsed), including the 21,000 base and calldata. */
  gas: number
  /** The ceiling gas.test.ts holds the row to. */
  limit: number
}

const VALIDATORS = 4
const QUORUM = 3
const utf8 = (s: string) => new TextEncoder().encode(s)
const label = (s: string) => keccak256(utf8(`murmur/bench/ledger/${s}`))

/** A contributor address with no key: anyone may submit a claim on a contributor's behalf. */
function contributor(i: number): Uint8Array {
  return label(`contributor/${i}`).slice(12)
}

function entries(count: number, round: number): CreditEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    contributor: contributor(i),
    acceptedGroups: 1 + ((i + round) % 7),
    acceptedDeltas: (i + round) % 2,
    credit: BigInt(1 + ((i + round) % 7)) * CREDIT_PER_ACCEPTED_GROUP + BigInt((i + round) % 2) * CREDIT_PER_TRAINED_GROUP,
  }))
}

/**
 * A root and a `depth`-hash proof for one leaf, hashed the way OpenZeppelin's MerkleProof does, as a
 * stand-in for a tree too large to build in a benchmark: the contract's cost depends on the proof
 * length only. 65,536 contributors (MAX_ROUND_CONTRIBUTORS) need 16 hashes.
 */
function deepProof(run: Uint8Array, round: bigint, entry: CreditEntry, depth: number): { root: Uint8Array; proof: Uint8Array[] } {
  let node = contributionLeafHash(run, round, entry)
  const proof: Uint8Array[] = []
  for (let i = 0; i < depth; i++) {
    const sibling = label(`sibling/${round}/${i}`)
    proof.push(sibling)
    node = keccak256(compareBytes(node, sibling) <= 0 ? concatBytes(node, sibling) : concatBytes(sibling, node))
  }
  if (!verifyContributionProof(node, run, round, entry, proof)) throw new Error('deepProof built a proof protocol rejects.')
  return { root: node, proof }
}

/** The four cases of what a claim writes (ContributionLedger's `Contributor`). */
const CLAIM_KINDS = {
  first: "contributor's first claim in the run",
  window: 'later round within 96 rounds of the first',
  outsideNewWord: 'round outside the window, new 256-round word',
  outsideOldWord: 'round outside the window, word already written',
} as const
type ClaimKind = keyof typeof CLAIM_KINDS

/** [index of the round among four, kind]: the third round first, then the fourth, second and first. */
const CLAIM_ORDER: readonly (readonly [number, ClaimKind])[] = [
  [2, 'first'],
  [3, 'window'],
  [1, 'outsideNewWord'],
  [0, 'outsideOldWord'],
]

async function gasOf(sent: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await sent).wait()
  if (receipt?.status !== 1) throw new Error('A benchmark transaction failed.')
  return Number(receipt.gasUsed)
}

/** Measures every row of the gas table on a fresh local chain. */
export async function measureLedgerGas(log: (line: string) => void = () => {}): Promise<LedgerGasRow[]> {
  const chain = await startLocalChain({ accounts: 1 + VALIDATORS })
  const provider = ledgerProvider(chain.rpcUrl, { chainId: chain.chainId })
  try {
    const [deployerKey, ...validatorKeys] = chain.accounts
    const ledger: Contract = await deployLedger(new Wallet(deployerKey!, provider))
    const keys = validatorKeys
      .map((k) => ({ key: fromHex(k), address: new Wallet(k).address }))
      .sort((a, b) => compareBytes(fromHex(a.address), fromHex(b.address)))
    const run = label('run')
    const domain: Eip712Domain = { chainId: chain.chainId, verifyingContract: fromHex(await ledger.getAddress()), salt: run }
    const rows: LedgerGasRow[] = []
    const row = (r: LedgerGasRow) => {
      rows.push(r)
      log(`${r.operation} (${r.detail}): ${r.gas} gas`)
    }

    const genesis = label('policy/0')
    row({
      operation: 'createRun',
      detail: `${VALIDATORS} validators, quorum ${QUORUM}`,
      gas: await gasOf(
        ledger.createRun!(
          run,
          genesis,
          keys.map((k) => k.address),
          QUORUM,
        ),
      ),
      limit: LEDGER_GAS_LIMITS.createRun,
    })

    let policy = genesis
    const commit = async (round: bigint, credits: CreditEntry[], root: Uint8Array, detail: string) => {
      const next = label(`policy/${round + 1n}`)
      const rr: RoundResult = {
        run,
        round,
        previousPolicyHash: policy,
        newPolicyHash: next,
        contributionsRoot: root,
        deltas: [label(`delta/${round}`)],
        screened: [],
        offenses: [],
        credits: [...credits].sort((a, b) => compareBytes(a.contributor, b.contributor)),
      }
      const signed = keys.slice(0, QUORUM).map((k) => signMessage('RoundResult', rr, domain, k.key))
      const gas = await gasOf(
        ledger.commitRound!(
          ...commitRoundArgs(
            signed[0]!.body,
            signed.map((s) => s.signature),
          ),
        ),
      )
      row({ operation: 'commitRound', detail: `quorum ${QUORUM} of ${VALIDATORS}, ${detail}`, gas, limit: LEDGER_GAS_LIMITS.commitRound })
      policy = next
    }
    const claim = async (round: bigint, entry: CreditEntry, proof: Uint8Array[], kind: ClaimKind) =>
      row({
        operation: 'claim',
        detail: `proof of ${proof.length} hashes, ${CLAIM_KINDS[kind]}`,
        gas: await gasOf(ledger.claim!(...claimArgs(run, round, entry, proof))),
        limit: LEDGER_GAS_LIMITS.claim,
      })

    // rounds 0-3: 100 contributors each, real trees (proofs of 6 or 7 hashes)
    const trees = [0n, 1n, 2n, 3n].map((round) => {
      const credits = entries(100, Number(round))
      return { round, credits, tree: buildContributionsTree(run, round, credits) }
    })
    for (const t of trees) await commit(t.round, t.credits, t.tree.root, '100 contributors')
    // round 4: one contributor; rounds 5-8: a root as deep as 2^17 contributors would make
    const single = entries(1, 4)
    await commit(4n, single, buildContributionsTree(run, 4n, single).root, '1 contributor')
    const deepEntry = (round: number): CreditEntry => ({ ...entries(1, round)[0]!, contributor: contributor(1_000) })
    const deep = [5n, 6n, 7n, 8n].map((round) => ({
      round,
      entry: deepEntry(Number(round)),
      ...deepProof(run, round, deepEntry(Number(round)), 17),
    }))
    for (const d of deep) await commit(d.round, [d.entry], d.root, 'root of a 17-deep tree (2^17 contributors)')

    // one contributor with a 7-hash proof in all four 100-contributor trees, and the 17-deep one, claim in
    // CLAIM_ORDER: the third round first, so the first two fall outside its window
    const depth = (i: number, address: Uint8Array) => trees[i]!.tree.proof(address).length
    const deepest = trees[0]!.credits.find((e) => trees.every((_, i) => depth(i, e.contributor) === 7))!
    for (const [i, kind] of CLAIM_ORDER) {
      const t = trees[i]!
      const entry = t.credits.find((e) => compareBytes(e.contributor, deepest.contributor) === 0)!
      await claim(t.round, entry, t.tree.proof(entry.contributor), kind)
    }
    for (const [i, kind] of CLAIM_ORDER) await claim(deep[i]!.round, deep[i]!.entry, deep[i]!.proof, kind)

    // ten claims in one transaction through OpenZeppelin's Multicall, per claim, in the same order
    const batch = trees[0]!.credits.filter((e) => compareBytes(e.contributor, deepest.contributor) !== 0).slice(0, 10)
    for (const [i, kind] of CLAIM_ORDER) {
      const t = trees[i]!
      const calls = batch.map((b) => {
        const entry = t.credits.find((e) => compareBytes(e.contributor, b.contributor) === 0)!
        return ledger.interface.encodeFunctionData('claim', claimArgs(run, t.round, entry, t.tree.proof(entry.contributor)))
      })
      const gas = await gasOf(ledger.multicall!(calls))
      row({
        operation: 'multicall(claim)',
        detail: `10 claims in one transaction, per claim, ${CLAIM_KINDS[kind]}`,
        gas: Math.round(gas / calls.length),
        limit: LEDGER_GAS_LIMITS.claim,
      })
    }

    // a tab's key names the deployer's account (a wallet) as the owner of its credit, on the ledger's CreditLinks
    const links = await connectLinks(ledger, new Wallet(deployerKey!, provider))
    const owner = fromHex(new Wallet(deployerKey!).address)
    for (const [i, detail] of ["the owner's first key in the run", "the owner's second key"].entries()) {
      const key = label(`tab-key/${i}`)
      const gas = await gasOf(links.link!(run, new Wallet(toHex0x(key)).address, signDigest(linkDigest(domain, owner), key)))
      row({ operation: 'link', detail, gas, limit: LEDGER_GAS_LIMITS.link })
    }
    return rows
  } finally {
    provider.destroy()
    await chain.stop()
  }
}

/** One benchmark's output, in the shape of @murmur/node's `BenchReport`. */
export interface LedgerBenchReport {
  name: 'ledger'
  startedAt: string
  machine: { cpus: number; cpuModel: string; node: string; platform: string }
  results: { rows: LedgerGasRow[]; limits: typeof LEDGER_GAS_LIMITS }
  table: { headers: string[]; rows: (string | number)[][] }
  notes: string[]
}

/** The `ledger` benchmark, shaped like @murmur/node's `Benchmark` so `murmur bench` can list it. */
export const ledgerBenchmark = {
  name: 'ledger' as const,
  description: 'ContributionLedger gas per createRun, commitRound (quorum 3) and claim, on a local EVM',
  async run(opts: { quick: boolean; log: (line: string) => void }): Promise<LedgerBenchReport> {
    const startedAt = new Date().toISOString()
    const rows = await measureLedgerGas(opts.log)
    const c = cpus()
    return {
      name: 'ledger',
      startedAt,
      machine: {
        cpus: c.length,
        cpuModel: c[0]?.model ?? 'unknown',
        node: process.versions.node,
        platform: `${process.platform}/${process.arch}`,
      },
      results: { rows, limits: LEDGER_GAS_LIMITS },
      table: {
        headers: ['operation', 'case', 'gas', 'limit'],
        rows: rows.map((r) => [r.operation, r.detail, r.gas, r.limit]),
      },
      notes: [
        'Gas is receipt.gasUsed (21,000 base + calldata + execution) on EDR, Prague rules; it is deterministic, so quick and full runs agree.',
        'commitRound stores two words per round, so its cost does not depend on the number of contributors.',
        "A contributor's first claim in a run writes one new storage word (its credit and the claimed flags of 96 rounds); later claims in that window rewrite it.",
        'A round outside the window also writes its flag into a bitmap word of 256 rounds: about 5,000 gas more, or 22,100 more when the word is new.',
        'The 17-hash proof is built directly from sibling hashes; 65,536 contributors (MAX_ROUND_CONTRIBUTORS) need 16.',
      ],
    }
  },
}
