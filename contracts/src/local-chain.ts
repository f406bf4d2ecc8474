/**
 * `startLocalChain`: a real EVM (EDR, the engine inside Hardhat) serving JSON-RPC on 127.0.0.1,
 * with funded dev accounts. Tests, `npm start` and `murmur chain` all use it; nothing is mocked.
 * With a `dataDir` the chain outlives the process: its accepted writes are journaled there and
 * replayed at the next start (chain-store.ts, journaled-chain.ts).
 */
import { HDNodeWallet } from 'ethers'
import type { JournalCut } from './chain-journal.js'
import { openChainStore } from './chain-store.js'
import { createEdrChain, type JsonRpcHandler } from './edr.js'
import { LocalChainError } from './errors.js'
import { journaled, replayJournal } from './journaled-chain.js'
import { type JsonRpcServer, serveJsonRpc } from './rpc-server.js'

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
  /**
   * Keep the chain here across restarts: the genesis settings, and a journal of every write the
   * chain accepted, replayed (and checked block by block) at the next start. A setting left out
   * takes the recorded value; one that differs from it is refused. Default: in memory only.
   */
  dataDir?: string
}

/** What a chain with a data dir found there at start. */
export interface LocalChainRestore {
  dataDir: string
  /** True when the dir held no chain: this one is new. */
  fresh: boolean
  /** Journal entries replayed. */
  entries: number
  /** The block number after the replay. */
  blockNumber: bigint
  /** Set when a damaged journal tail was cut (and moved aside, not deleted). */
  cut: JournalCut | null
}

export interface LocalChain {
  /** e.g. http://127.0.0.1:8545 */
  rpcUrl: string
  chainId: bigint
  /** 0x private keys of the funded dev accounts, in Hardhat's order (account 0 deploys first). */
  accounts: string[]
  /** Set for a chain with a data dir: what it restored. */
  restored: LocalChainRestore | null
  /** Closes the server; the chain's state is gone afterwards, unless it has a data dir. */
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

const DEFAULTS = { chainId: LOCAL_CHAIN_ID, accounts: 10, balanceWei: 10_000n * 10n ** 18n, blockGasLimit: 30_000_000n }

/** Starts a local EVM JSON-RPC server with funded dev accounts; call `stop()` when done. */
export async function startLocalChain(init: LocalChainInit = {}): Promise<LocalChain> {
  if (init.dataDir !== undefined) return startPersistentChain(init, init.dataDir)
  const genesis = { ...DEFAULTS, ...definedOf(init) }
  const accounts = devAccountKeys(genesis.accounts)
  const handler = await createEdrChain({ ...genesis, accounts })
  const server = await serve(handler, init)
  return { rpcUrl: server.url, chainId: genesis.chainId, accounts, restored: null, stop: () => server.close() }
}

async function startPersistentChain(init: LocalChainInit, dataDir: string): Promise<LocalChain> {
  const { chainId, accounts: count, balanceWei, blockGasLimit } = init
  if (count !== undefined) devAccountKeys(count) // a count it cannot fund fails before the dir is touched
  const store = await openChainStore(
    dataDir,
    { chainId, accounts: count, balanceWei, blockGasLimit },
    { ...DEFAULTS, genesisBlockTime: BigInt(Math.floor(Date.now() / 1000)) },
  )
  try {
    const accounts = devAccountKeys(store.genesis.accounts)
    const edr = await createEdrChain({ ...store.genesis, accounts })
    const replay = await replayJournal(edr, store.entries, store.journal.path)
    if (store.entries.length > 0) await catchUpClock(edr)
    const chain = journaled(edr, store.journal, replay.head)
    const server = await serve(chain.handler, init)
    let stopping: Promise<void> | undefined
    return {
      rpcUrl: server.url,
      chainId: store.genesis.chainId,
      accounts,
      restored: { dataDir, fresh: store.fresh, entries: replay.entries, blockNumber: replay.head, cut: store.cut },
      stop: () =>
        (stopping ??= (async () => {
          await server.close()
          await chain.drain()
          await store.close()
        })()),
    }
  } catch (err) {
    await store.close()
    throw err
  }
}

/**
 * A replay sets each block's recorded timestamp, which leaves the EVM's clock where the last
 * journaled block was; move it to the wall clock so new blocks carry the time they are mined.
 */
async function catchUpClock(handler: JsonRpcHandler): Promise<void> {
  const call = async (method: string, params: unknown[]) =>
    (JSON.parse(await handler(JSON.stringify({ jsonrpc: '2.0', id: 0, method, params }))) as { result?: unknown }).result
  const latest = (await call('eth_getBlockByNumber', ['latest', false])) as { timestamp: string }
  const behind = Math.floor(Date.now() / 1000) - Number(BigInt(latest.timestamp))
  if (behind > 0) await call('evm_increaseTime', [behind])
}

function serve(handler: JsonRpcHandler, init: LocalChainInit): Promise<JsonRpcServer> {
  return serveJsonRpc(handler, { host: init.host ?? '127.0.0.1', port: init.port ?? 0 })
}

function definedOf(init: LocalChainInit) {
  const { chainId, accounts, balanceWei, blockGasLimit } = init
  return Object.fromEntries(Object.entries({ chainId, accounts, balanceWei, blockGasLimit }).filter(([, v]) => v !== undefined)) as Partial<
    typeof DEFAULTS
  >
}
