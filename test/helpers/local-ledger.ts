/**
 * A real local EVM with the ContributionLedger deployed, and development keys funded, for the
 * swarm's ledger tests: the chain runs in-process over JSON-RPC on 127.0.0.1.
 */
import { deployLedger, ledgerProvider, startLocalChain } from '@murmur/contracts'
import { devKey, LedgerClient, type StartLocalSwarmOptions } from '@murmur/node'
import { addressFromPrivateKey, fromHex, toHex0x } from '@murmur/protocol'
import { Wallet } from 'ethers'

export interface LocalLedger {
  rpcUrl: string
  chainId: bigint
  ledger: string
  /** An account the chain signs `eth_sendTransaction` for (funded, no peer's): a user's wallet. */
  wallet: string
  stop(): Promise<void>
}

export async function localLedger(fund: readonly Uint8Array[]): Promise<LocalLedger> {
  const chain = await startLocalChain({ port: 0 })
  const provider = ledgerProvider(chain.rpcUrl)
  const deployer = new Wallet(chain.accounts[0]!, provider)
  const contract = await deployLedger(deployer)
  const ledger = await contract.getAddress()
  for (const key of fund) {
    const tx = await deployer.sendTransaction({ to: toHex0x(addressFromPrivateKey(key)), value: 10n ** 19n })
    await tx.wait()
  }
  return {
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    ledger,
    wallet: new Wallet(chain.accounts[2]!).address,
    async stop() {
      provider.destroy()
      await chain.stop()
    },
  }
}

/**
 * startLocalSwarm's options for a swarm on `chain`: the manifest names its chain and ledger, peer
 * i connects with development key i, and peer 0 registers the run. Every client goes onto
 * `clients`, for the caller to read the ledger with and close.
 */
export function swarmLedgerOptions(
  chain: LocalLedger,
  clients: LedgerClient[] = [],
): Required<Pick<StartLocalSwarmOptions, 'settings' | 'ledger'>> {
  return {
    settings: { chainId: chain.chainId, ledger: fromHex(chain.ledger) },
    ledger: async (i, run) => {
      const client = await LedgerClient.connect({
        rpcUrl: chain.rpcUrl,
        ledger: chain.ledger,
        privateKey: devKey(i),
        chainId: chain.chainId,
        manifest: run.manifestBytes,
      })
      if (i === 0) await client.ensureRun(run.manifestBytes)
      clients.push(client)
      return client
    },
  }
}
