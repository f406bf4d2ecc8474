/**
 * @packageDocumentation
 * murmur's contribution ledger: the `ContributionLedger` Solidity contract (compiled offline by a
 * pinned solc-js into an `as const` ABI and bytecode), a real local EVM to run it on, and helpers
 * that turn protocol values into the contract's arguments.
 *
 * @example
 * ```ts
 * import { Wallet } from 'ethers'
 * import { deployLedger, ledgerProvider, startLocalChain } from '@murmur/contracts'
 *
 * const chain = await startLocalChain({ port: 8545 })
 * const ledger = await deployLedger(new Wallet(chain.accounts[0]!, ledgerProvider(chain.rpcUrl)))
 * console.log(chain.rpcUrl, await ledger.getAddress()) // http://127.0.0.1:8545 0x5FbDB2315678afecb367f032d93F642f64180aa3
 * await chain.stop()
 * ```
 */

export { type ClaimArgs, type CommitRoundArgs, claimArgs, commitRoundArgs, type Hex } from './args.js'
export { LEDGER_GAS_LIMITS, type LedgerBenchReport, type LedgerGasRow, ledgerBenchmark, measureLedgerGas } from './bench.js'
export { JOURNAL_FILE, type JournalCut } from './chain-journal.js'
export { GENESIS_FILE } from './chain-store.js'
export { connectLedger, connectLinks, deployLedger } from './deploy.js'
export type { JsonRpcHandler } from './edr.js'
export { LocalChainError } from './errors.js'
export {
  CONTRIBUTION_LEDGER_ABI,
  CONTRIBUTION_LEDGER_BYTECODE,
  CONTRIBUTION_LEDGER_SOLC_VERSION,
  CREDIT_LINKS_ABI,
} from './generated/ContributionLedger.js'
export {
  DEV_MNEMONIC,
  devAccountKeys,
  LOCAL_CHAIN_ID,
  type LocalChain,
  type LocalChainInit,
  type LocalChainRestore,
  startLocalChain,
} from './local-chain.js'
export { ledgerProvider } from './provider.js'
export { type JsonRpcServer, type JsonRpcServerInit, serveJsonRpc } from './rpc-server.js'
