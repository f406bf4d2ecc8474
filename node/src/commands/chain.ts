/**
 * `murmur chain`: a real local EVM (EDR, Hardhat's engine) serving JSON-RPC, with funded dev
 * accounts and a ContributionLedger deployed by dev account 0, until Ctrl-C or SIGTERM.
 */
import { deployLedger, ledgerProvider, startLocalChain } from '@murmur/contracts'
import { Command } from 'commander'
import { Wallet } from 'ethers'
import type { CliIo } from '../cli.js'
import { CliError, EXIT } from '../errors.js'
import { intOption } from './options.js'

export interface ChainCommandDeps {
  /** Resolves (with the signal's name) when the chain should stop; default: SIGINT or SIGTERM. */
  waitForStop?: () => Promise<string>
}

interface ChainOptions {
  port: number
  host: string
  accounts: number
  json: boolean
}

function processSignals(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

/** `murmur chain [--port 8545] [--host 127.0.0.1] [--accounts 10] [--json]` */
export function chainCommand(io: CliIo, deps: ChainCommandDeps = {}): Command {
  return new Command('chain')
    .description('run a local EVM with funded dev accounts and a deployed ContributionLedger until Ctrl-C')
    .option('--port <port>', 'JSON-RPC port (0 picks a free one)', intOption('--port', 0, 65_535), 8545)
    .option('--host <host>', 'interface to listen on; keep loopback unless you mean to expose the chain', '127.0.0.1')
    .option('--accounts <n>', 'funded dev accounts', intOption('--accounts', 1, 1000), 10)
    .option('--json', 'print one JSON line with the URL, chain id, ledger and accounts', false)
    .action(async (o: ChainOptions) => {
      let chain: Awaited<ReturnType<typeof startLocalChain>>
      try {
        chain = await startLocalChain({ host: o.host, port: o.port, accounts: o.accounts })
      } catch (err) {
        throw new CliError(`Cannot start the local chain: ${(err as Error).message}`, EXIT.failure, { cause: err })
      }
      try {
        const provider = ledgerProvider(chain.rpcUrl, { chainId: chain.chainId })
        const ledger = await (await deployLedger(new Wallet(chain.accounts[0]!, provider))).getAddress()
        provider.destroy()
        const accounts = chain.accounts.map((privateKey) => ({ address: new Wallet(privateKey).address, privateKey }))
        if (o.json) io.stdout(`${JSON.stringify({ rpcUrl: chain.rpcUrl, chainId: String(chain.chainId), ledger, accounts })}\n`)
        else {
          io.stdout(
            [
              `local chain: ${chain.rpcUrl} (chain id ${chain.chainId})`,
              `ledger:      ${ledger} (deployed by dev account 0)`,
              `dev accounts, 10000 ETH each (public test keys: never use them on a real network):`,
              ...accounts.map((a, i) => `  ${String(i).padStart(2)}  ${a.address}  ${a.privateKey}`),
              `point commands at it with --rpc ${chain.rpcUrl} --ledger ${ledger}; Ctrl-C stops it (its state is not kept)`,
              '',
            ].join('\n'),
          )
        }
        const signal = await (deps.waitForStop ?? processSignals)()
        if (!o.json) io.stderr(`${signal}: stopping the local chain\n`)
      } finally {
        await chain.stop()
      }
    })
}
