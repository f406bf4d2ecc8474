/**
 * A real local chain with a deployed ledger, four funded validator keys and synthetic runs on it:
 * what the chain tests and the audit benchmark start from. Nothing here is mocked.
 */
import { deployLedger, type LocalChain, ledgerProvider, startLocalChain } from '@murmur/contracts'
import { fromHex, hashRunManifest } from '@murmur/protocol'
import { Wallet } from 'ethers'
import { LedgerClient, type LedgerClientInit } from './ledger-client.js'
import { syntheticManifest } from './synthetic-round.js'

export interface LedgerTestbed {
  chain: LocalChain
  /** EIP-55 address of the ledger dev account 0 deployed. */
  ledger: string
  /** Dev accounts 1-4: funded, so each validator can submit too. */
  validatorKeys: Uint8Array[]
  /** Dev accounts 5-7: funded keys that are no run's validators. */
  otherKeys: Uint8Array[]
  /** Manifest bytes of a synthetic run on this ledger with the four validators and quorum 3. */
  manifest(name: string, quorum?: number): Uint8Array
  /** A client for `key` (default: validator 0) on this chain. */
  client(key?: Uint8Array, init?: Partial<LedgerClientInit>): Promise<LedgerClient>
  stop(): Promise<void>
}

export async function startLedgerTestbed(init: { port?: number } = {}): Promise<LedgerTestbed> {
  const chain = await startLocalChain({ accounts: 8, port: init.port ?? 0 })
  const provider = ledgerProvider(chain.rpcUrl, { chainId: chain.chainId })
  const ledger = await (await deployLedger(new Wallet(chain.accounts[0]!, provider))).getAddress()
  provider.destroy()
  const validatorKeys = chain.accounts.slice(1, 5).map((k) => fromHex(k))
  const clients: LedgerClient[] = []
  return {
    chain,
    ledger,
    validatorKeys,
    otherKeys: chain.accounts.slice(5).map((k) => fromHex(k)),
    manifest: (name, quorum = 3) => syntheticManifest({ chainId: chain.chainId, ledger, validatorKeys, quorum, name }),
    async client(key = validatorKeys[0]!, extra = {}) {
      const c = await LedgerClient.connect({ rpcUrl: chain.rpcUrl, ledger, privateKey: key, chainId: chain.chainId, ...extra })
      clients.push(c)
      return c
    },
    async stop() {
      for (const c of clients) c.close()
      await chain.stop()
    },
  }
}

/** The run id of manifest bytes, for assertions. */
export const runIdOf = (manifest: Uint8Array) => hashRunManifest(manifest)
