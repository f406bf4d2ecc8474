/**
 * An in-process EVM from @nomicfoundation/edr (the engine inside Hardhat), driven by JSON-RPC
 * request strings. EDR 0.13 is the newest release that runs on Node 20 (0.14+ needs Node 22).
 */
import type { EdrContext } from '@nomicfoundation/edr'
import { computeAddress, getBytes } from 'ethers'

/** Handles one JSON-RPC request object (as JSON text) and resolves to the response's JSON text. */
export type JsonRpcHandler = (request: string) => Promise<string>

export interface EdrChainInit {
  chainId: bigint
  /** Funded accounts as 0x private keys; EDR also signs `eth_sendTransaction` for them. */
  accounts: readonly string[]
  balanceWei: bigint
  blockGasLimit: bigint
  /** Seconds since the Unix epoch of the genesis block; default now. A restored chain passes its recorded one. */
  genesisBlockTime?: bigint
}

type EdrModule = typeof import('@nomicfoundation/edr')

// EDR's native library installs a process-wide tracing subscriber when an EdrContext is made and
// wants one context per process; modules evaluated again in the same process (vitest) share it.
const CONTEXT = Symbol.for('@murmur/contracts/edr-context')

function edrContext(edr: EdrModule): Promise<EdrContext> {
  const holder = globalThis as { [CONTEXT]?: Promise<EdrContext> }
  holder[CONTEXT] ??= (async () => {
    const context = new edr.EdrContext()
    await context.registerProviderFactory(edr.L1_CHAIN_TYPE, edr.l1ProviderFactory())
    return context
  })()
  return holder[CONTEXT]
}

/** Starts an automining EVM on the Prague hardfork, solc 0.8.30's default target. */
export async function createEdrChain(init: EdrChainInit): Promise<JsonRpcHandler> {
  // loaded on demand: importing @murmur/contracts for the ABI must not load a native binary
  const edr: EdrModule = await import('@nomicfoundation/edr')
  const context = await edrContext(edr)
  const hardfork = edr.PRAGUE
  const provider = await context.createProvider(
    edr.L1_CHAIN_TYPE,
    {
      allowBlocksWithSameTimestamp: false,
      allowUnlimitedContractSize: false,
      // a reverting eth_call answers with an error, as geth does; a reverting transaction is still
      // mined with status 0, as on any chain, so a sender's nonce never goes out of step
      bailOnCallFailure: true,
      bailOnTransactionFailure: false,
      chainId: init.chainId,
      coinbase: getBytes('0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e'),
      defaultTransactionGasLimit: init.blockGasLimit,
      genesisState: [
        ...edr.l1GenesisState(edr.l1HardforkFromString(hardfork)),
        ...init.accounts.map((key) => ({ address: getBytes(computeAddress(key)), balance: init.balanceWei })),
      ],
      hardfork,
      // Hardhat's defaults, so gas prices look like a local Hardhat chain's
      initialBaseFeePerGas: 1_000_000_000n,
      minGasPrice: 0n,
      mining: { autoMine: true, memPool: { order: edr.MineOrdering.Priority } },
      network: { genesisBlockGasLimit: init.blockGasLimit, genesisBlockTime: init.genesisBlockTime },
      networkId: init.chainId,
      observability: {},
      ownedAccounts: [...init.accounts],
      precompileOverrides: [],
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => {} },
    { subscriptionCallback: () => {} },
    new edr.ContractDecoder(),
  )
  return async (request) => {
    const { data } = await provider.handleRequest(request)
    return typeof data === 'string' ? withHexRevertData(data) : JSON.stringify(data)
  }
}

/**
 * EDR puts a revert's return data at `error.data.data`; geth and Hardhat's server put it at
 * `error.data` as hex, which is where ethers looks for it to decode custom errors.
 */
function withHexRevertData(response: string): string {
  if (!response.includes('"error"')) return response
  const parsed = JSON.parse(response) as { error?: { data?: unknown } }
  const nested = parsed.error?.data
  if (nested !== null && typeof nested === 'object' && typeof (nested as { data?: unknown }).data === 'string') {
    parsed.error!.data = (nested as { data: string }).data
    return JSON.stringify(parsed)
  }
  return response
}
