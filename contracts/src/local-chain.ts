/**
 * `startLocalChain`: a real EVM (EDR, the engine inside Hardhat) serving JSON-RPC on 127.0.0.1,
 * with funded dev accounts. Tests, `npm start` and `murmur chain` all use it; nothing is mocked.
 */
import { HDNodeWallet } from 'ethers'
import { createEdrChain } from './edr.js'
import { LocalChainError } from './errors.js'
import { serveJsonRpc } from './rpc-server.js'

/** Hardhat's well-known dev mnemonic: its keys are public, so never use them outside a local chain. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
/** Hardhat's local chain id; protocol's EIP-712 vectors use it too. */
export const LOCAL_CHAIN_ID = 31_337n

export interface LocalChainInit {
  /** Interface to listen on; loopback unless you mean to expose the chain. Default 127.0.0.1. */
  host?: string
  /** TCP port; 0 (the default) picks a free one. `murmur chain` passes 8545. */
  port?: number
  chainId?: bigint
  /** Dev accounts to fund, 1 to 1000; default 10. */
  accounts?: number
  /** Balance of each dev account; default 10,000 ETH. */
  balanceWei?: bigint
  /** Block gas limit; default 30,000,000. */
  blockGasLimit?: bigint
}

export interface LocalChain {
  /** e.g. http://127.0.0.1:8545 */
  rpcUrl: string
  chainId: bigint
  /** 0x private keys of the funded dev accounts, in Hardhat's order (account 0 deploys first). */
  accounts: string[]
  /** Closes the server; the chain's state is gone afterwards. */
  stop(): Promise<void>
}

/** The first `count` keys of Hardhat's dev mnemonic (m/44'/60'/0'/0/i). */
export function devAccountKeys(count: number): string[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > 1000) {
    throw new LocalChainError(`A local chain funds 1 to 1000 dev accounts, got ${count}.`, { count })
  }
  const root = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0")
  return Array.from({ length: count }, (_, i) => root.deriveChild(i).privateKey)
}

/** Starts a local EVM JSON-RPC server with funded dev accounts; call `stop()` when done. */
export async function startLocalChain(init: LocalChainInit = {}): Promise<LocalChain> {
  const chainId = init.chainId ?? LOCAL_CHAIN_ID
  const accounts = devAccountKeys(init.accounts ?? 10)
  const handler = await createEdrChain({
    chainId,
    accounts,
    balanceWei: init.balanceWei ?? 10_000n * 10n ** 18n,
    blockGasLimit: init.blockGasLimit ?? 30_000_000n,
  })
  const server = await serveJsonRpc(handler, { host: init.host ?? '127.0.0.1', port: init.port ?? 0 })
  return { rpcUrl: server.url, chainId, accounts, stop: () => server.close() }
}
