/**
 * The run's ledger as the page shows it: rounds committed on chain and this tab's claimed
 * credit, read over JSON-RPC from the chain named in the join information (ethers and the ABI
 * load on demand, so a run without a ledger never downloads them).
 */
import type { JoinInfo } from '@murmur/node/browser'

/**
 * The views and the event the page reads, in human-readable ABI: the full generated ABI (with the
 * bytecode beside it) would more than double what the page downloads. ledger.test.ts checks
 * these against the generated ABI, so they cannot drift from the contract.
 */
export const LEDGER_VIEWS = [
  'function runOf(bytes32 runId) view returns (tuple(address creator, uint16 quorum, uint16 validatorCount, uint64 committedRounds, bytes32 genesisPolicyHash))',
  'function creditOf(bytes32 runId, address contributor) view returns (uint256)',
  'function roundOf(bytes32 runId, uint64 round) view returns (tuple(bytes32 previousPolicyHash, bytes32 policyHash, bytes32 contributionsRoot))',
  'function isClaimed(bytes32 runId, uint64 round, address contributor) view returns (bool)',
  'event RoundCommitted(bytes32 indexed runId, uint64 indexed round, bytes32 previousPolicyHash, bytes32 policyHash, bytes32 contributionsRoot, bytes32 resultDigest)',
  'function links() view returns (address)',
] as const

/** The ledger's claim and multicall, for a connected wallet that claims a key's credit (wallet.ts). */
export const LEDGER_CLAIM_ABI = [
  'function claim(bytes32 runId, uint64 round, address contributor, uint32 acceptedGroups, uint32 acceptedDeltas, uint256 credit, bytes32[] proof)',
  'function multicall(bytes[] data) returns (bytes[] results)',
] as const

/** What the page uses of the ledger's CreditLinks (checked against its generated ABI as well). */
export const LINKS_ABI = [
  'function link(bytes32 runId, address contributor, bytes signature)',
  'function ownerOf(bytes32 runId, address contributor) view returns (address)',
  'function ownerCreditOf(bytes32 runId, address owner) view returns (uint256 total)',
  'error LinkUnknownRun(bytes32 runId)',
  'error LinkAlreadyLinked(bytes32 runId, address contributor, address owner)',
  'error LinkInvalidSignature(bytes32 runId, address contributor)',
  'error LinkTooMany(bytes32 runId, address owner, uint256 max)',
] as const

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

export interface LedgerView {
  committedRounds: bigint
  credit: bigint
  /** The wallet this tab's key gave its credit to (CreditLinks), and the credit of all its linked keys. */
  owner?: { address: string; credit: bigint }
  /** The ledger refused or the endpoint is down: what to tell the user. */
  error?: string
}

export interface LedgerRead extends LedgerView {
  /** Contributions root on chain of each round asked for (null: not committed yet). */
  roots: Map<number, string | null>
  /** The commit transaction of each round committed in blocks [fromBlock, toBlock]. */
  txs: Map<number, string>
  /** The last block the commit events were read to (the next read starts after it). */
  toBlock: number
  /** For the audited address: its claimed credit and the claimed flag of each round asked for. */
  audit?: { address: string; credit: bigint; claimed: Map<number, boolean> }
}

/**
 * One read of the ledger per poll: rounds committed, this tab's claimed credit, the
 * contributions roots of `rounds` (null for a round not committed yet), which the swarm view
 * checks each round's leaves against, the commit transactions since `fromBlock`, and — for the
 * address being audited — its claimed credit and which of `audit.rounds` it claimed.
 */
export async function readLedger(
  chain: NonNullable<JoinInfo['chain']>,
  runId: string,
  address: string,
  rounds: readonly number[] = [],
  { fromBlock = 0, audit }: { fromBlock?: number; audit?: { address: string; rounds: readonly number[] } } = {},
): Promise<LedgerRead> {
  const { Contract, JsonRpcProvider } = await import('ethers')
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, batchMaxCount: 1 })
  const roots = new Map<number, string | null>()
  const txs = new Map<number, string>()
  try {
    const ledger = new Contract(chain.ledger, LEDGER_VIEWS, provider)
    const { committedRounds } = (await ledger.getFunction('runOf')(runId)) as { committedRounds: bigint }
    const credit = (await ledger.getFunction('creditOf')(runId, address)) as bigint
    const rootOf = async (r: number) =>
      BigInt(r) >= committedRounds
        ? null
        : ((await ledger.getFunction('roundOf')(runId, r)) as { contributionsRoot: string }).contributionsRoot.toLowerCase()
    for (const r of new Set([...rounds, ...(audit?.rounds ?? [])])) roots.set(r, await rootOf(r))
    const toBlock = await provider.getBlockNumber()
    if (toBlock >= fromBlock) {
      const committed = ledger.filters.RoundCommitted!(runId)
      for (const log of await ledger.queryFilter(committed, fromBlock, toBlock))
        txs.set(Number(BigInt(log.topics[2]!)), log.transactionHash)
    }
    const read: LedgerRead = { committedRounds, credit, roots, txs, toBlock }
    const links = new Contract((await ledger.getFunction('links')()) as string, LINKS_ABI, provider)
    const owner = (await links.getFunction('ownerOf')(runId, address)) as string
    if (owner !== ZERO_ADDRESS) read.owner = { address: owner, credit: (await links.getFunction('ownerCreditOf')(runId, owner)) as bigint }
    if (audit) {
      const claimed = new Map<number, boolean>()
      for (const r of audit.rounds)
        if (BigInt(r) < committedRounds) claimed.set(r, (await ledger.getFunction('isClaimed')(runId, r, audit.address)) as boolean)
      read.audit = { address: audit.address, credit: (await ledger.getFunction('creditOf')(runId, audit.address)) as bigint, claimed }
    }
    return read
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return {
      committedRounds: 0n,
      credit: 0n,
      roots,
      txs,
      toBlock: fromBlock - 1,
      error: /LedgerUnknownRun|could not decode/.test(message) ? 'the run is not registered on this ledger yet' : message.slice(0, 200),
    }
  } finally {
    provider.destroy()
  }
}
