/**
 * The run's ledger as the page shows it: rounds committed on chain and this tab's claimed
 * credit, read over JSON-RPC from the chain named in the join information (ethers and the ABI
 * load on demand, so a run without a ledger never downloads them).
 */
import type { JoinInfo } from '@murmur/node/browser'

/**
 * The three views the page reads, in human-readable ABI: the full generated ABI (with the
 * bytecode beside it) would more than double what the page downloads. ledger.test.ts checks
 * these against the generated ABI, so they cannot drift from the contract.
 */
export const LEDGER_VIEWS = [
  'function runOf(bytes32 runId) view returns (tuple(address creator, uint16 quorum, uint16 validatorCount, uint64 committedRounds, bytes32 genesisPolicyHash))',
  'function creditOf(bytes32 runId, address contributor) view returns (uint256)',
  'function roundOf(bytes32 runId, uint64 round) view returns (tuple(bytes32 previousPolicyHash, bytes32 policyHash, bytes32 contributionsRoot))',
] as const

export interface LedgerView {
  committedRounds: bigint
  credit: bigint
  /** The ledger refused or the endpoint is down: what to tell the user. */
  error?: string
}

/**
 * One read of the ledger per poll: rounds committed, this tab's claimed credit, and the
 * contributions roots of `rounds` (null for a round not committed yet), which the swarm view
 * checks each round's leaves against.
 */
export async function readLedger(
  chain: NonNullable<JoinInfo['chain']>,
  runId: string,
  address: string,
  rounds: readonly number[] = [],
): Promise<LedgerView & { roots: Map<number, string | null> }> {
  const { Contract, JsonRpcProvider } = await import('ethers')
  const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true, batchMaxCount: 1 })
  const roots = new Map<number, string | null>()
  try {
    const ledger = new Contract(chain.ledger, LEDGER_VIEWS, provider)
    const { committedRounds } = (await ledger.getFunction('runOf')(runId)) as { committedRounds: bigint }
    const credit = (await ledger.getFunction('creditOf')(runId, address)) as bigint
    for (const r of rounds) {
      if (BigInt(r) >= committedRounds) roots.set(r, null)
      else roots.set(r, ((await ledger.getFunction('roundOf')(runId, r)) as { contributionsRoot: string }).contributionsRoot.toLowerCase())
    }
    return { committedRounds, credit, roots }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return {
      committedRounds: 0n,
      credit: 0n,
      roots,
      error: /LedgerUnknownRun|could not decode/.test(message) ? 'the run is not registered on this ledger yet' : message.slice(0, 200),
    }
  } finally {
    provider.destroy()
  }
}
