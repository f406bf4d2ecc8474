/**
 * A real local EVM with the ContributionLedger deployed, and development keys funded, for the
 * swarm's ledger tests: the chain runs in-process over JSON-RPC on 127.0.0.1.
 */
import { deployLedger, ledgerProvider, startLocalChain } from '@murmur/contracts'
import { addressFromPrivateKey, toHex0x } from '@murmur/protocol'
import { Wallet } from 'ethers'

export interface LocalLedger {
  rpcUrl: string
  chainId: bigint
  ledger: string
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
    async stop() {
      provider.destroy()
      await chain.stop()
    },
  }
}
