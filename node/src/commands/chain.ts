/**
 * `murmur chain`: a real local EVM (EDR, Hardhat's engine) serving JSON-RPC, with funded dev
 * accounts, murmur's development keys funded and a ContributionLedger deployed by dev account 0,
 * until Ctrl-C or SIGTERM. With `--data-dir DIR` the chain keeps its state across restarts (a
 * journal of every accepted write, replayed at start) and DIR/chain.json says where it is.
 */
import { deployLedger, type LocalChain, type LocalChainRestore, ledgerProvider, startLocalChain } from '@murmur/contracts'
import { addressFromPrivateKey, parseAddress, toChecksumAddress } from '@murmur/protocol'
import { Command, InvalidArgumentError } from 'commander'
import { getCreateAddress, type JsonRpcProvider, keccak256, Wallet } from 'ethers'
import { CHAIN_INFO_FILE, type ChainInfo, readChainInfo, writeChainInfo } from '../chain/chain-info.js'
import type { CliIo } from '../cli.js'
import { CliError, EXIT } from '../errors.js'
import { devKey } from '../swarm/local.js'
import { intOption } from './options.js'

export interface ChainCommandDeps {
  /** Resolves (with the signal's name) when the chain should stop; default: SIGINT or SIGTERM. */
  waitForStop?: () => Promise<string>
}

interface ChainOptions {
  port: number
  host: string
  accounts: number
  devKeys: number
  fund: string[]
  dataDir?: string
  json: boolean
}

/** ETH sent to each development key and `--fund` address that holds none. */
const FUNDING_WEI = 100n * 10n ** 18n

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

function fundOption(value: string, previous: string[]): string[] {
  try {
    return [...previous, toChecksumAddress(parseAddress(value))]
  } catch (err) {
    throw new InvalidArgumentError(`--fund: ${(err as Error).message}`)
  }
}

/** What the start found in the data dir, for stderr. */
function restoreText(r: LocalChainRestore): string[] {
  const lines: string[] = []
  if (r.cut)
    lines.push(
      `journal: entry ${r.cut.entry} (byte ${r.cut.offset}) ${r.cut.reason}; the journal now ends at entry ${r.cut.entry - 1}, ` +
        `and the ${r.cut.movedBytes} bytes from there on were moved to ${r.cut.movedTo}`,
    )
  if (r.entries > 0) lines.push(`restored the chain from ${r.dataDir}: ${r.entries} journaled writes replayed, at block ${r.blockNumber}`)
  else lines.push(`${r.fresh ? 'new' : 'empty'} chain in ${r.dataDir}: every write it accepts is journaled there`)
  return lines
}

/**
 * The ledger of the chain: the one DIR/chain.json names (which the replayed chain must hold, with
 * the same code), else one deployed now by dev account 0.
 */
async function ledgerOf(
  chain: LocalChain,
  provider: JsonRpcProvider,
  dataDir: string | undefined,
): Promise<{ ledger: string; codeHash: string }> {
  const recorded = dataDir === undefined ? null : await readChainInfo(dataDir)
  const deployer = new Wallet(chain.accounts[0]!, provider)
  if (recorded) {
    const code = await provider.getCode(recorded.ledger)
    if (code === '0x' || keccak256(code) !== recorded.ledgerCodeHash)
      throw new CliError(
        `${dataDir}/${CHAIN_INFO_FILE} names ledger ${recorded.ledger}, but the restored chain holds ${code === '0x' ? 'no contract' : 'other code'} there ` +
          `(was the journal cut before the deployment?). Move ${CHAIN_INFO_FILE} away to deploy a new ledger, or restore the journal.`,
        EXIT.input,
      )
    return { ledger: recorded.ledger, codeHash: recorded.ledgerCodeHash }
  }
  // a data dir whose chain.json was lost still has the ledger dev account 0 deployed first
  const first = getCreateAddress({ from: deployer.address, nonce: 0 })
  const existing = dataDir === undefined ? '0x' : await provider.getCode(first)
  if (existing !== '0x') return { ledger: first, codeHash: keccak256(existing) }
  const ledger = await (await deployLedger(deployer)).getAddress()
  return { ledger, codeHash: keccak256(await provider.getCode(ledger)) }
}

/** Sends FUNDING_WEI from dev account 0 to each address that holds nothing (a restored chain funded them already). */
async function fund(chain: LocalChain, provider: JsonRpcProvider, addresses: readonly string[]): Promise<void> {
  const sender = new Wallet(chain.accounts[0]!, provider)
  for (const to of addresses)
    if ((await provider.getBalance(to)) === 0n) await (await sender.sendTransaction({ to, value: FUNDING_WEI })).wait()
}

/** `murmur chain [--port 8545] [--host 127.0.0.1] [--accounts 10] [--dev-keys 10] [--fund ADDRESS]… [--data-dir DIR] [--json]` */
export function chainCommand(io: CliIo, deps: ChainCommandDeps = {}): Command {
  const command = new Command('chain')
    .description(
      'run a local EVM with funded dev accounts and a deployed ContributionLedger until Ctrl-C (kept across restarts with --data-dir)',
    )
    .option('--port <port>', 'JSON-RPC port (0 picks a free one)', intOption('--port', 0, 65_535), 8545)
    .option('--host <host>', 'interface to listen on; keep loopback unless you mean to expose the chain', '127.0.0.1')
    .option('--accounts <n>', 'funded dev accounts (default 10; a restarted chain keeps its own)', intOption('--accounts', 1, 1000))
    .option(
      '--dev-keys <n>',
      "fund murmur's development keys 0…n-1 (`--dev-key I`) with 100 ETH each",
      intOption('--dev-keys', 0, 1000),
      10,
    )
    .option('--fund <address>', 'also send 100 ETH to this address if it holds none (repeatable)', fundOption, [])
    .option(
      '--data-dir <dir>',
      'keep the chain in DIR across restarts (a journal of its writes, replayed at start) and write DIR/chain.json',
    )
    .option('--json', 'print one JSON line with the URL, chain id, ledger and accounts', false)
  return command.action(async (o: ChainOptions) => {
    // a restarted chain keeps its recorded account count unless --accounts is given
    const accounts = command.getOptionValueSource('accounts') === 'cli' || o.dataDir === undefined ? (o.accounts ?? 10) : undefined
    let chain: LocalChain
    try {
      chain = await startLocalChain({ host: o.host, port: o.port, accounts, dataDir: o.dataDir })
    } catch (err) {
      throw new CliError(`Cannot start the local chain: ${(err as Error).message}`, EXIT.failure, { cause: err })
    }
    try {
      if (chain.restored) for (const line of restoreText(chain.restored)) io.stderr(`${line}\n`)
      const provider = ledgerProvider(chain.rpcUrl, { chainId: chain.chainId })
      let info: ChainInfo
      try {
        const { ledger, codeHash } = await ledgerOf(chain, provider, o.dataDir)
        const devKeys = Array.from({ length: o.devKeys }, (_, index) => ({
          index,
          address: toChecksumAddress(addressFromPrivateKey(devKey(index))),
        }))
        await fund(chain, provider, [...devKeys.map((k) => k.address), ...o.fund])
        info = {
          rpcUrl: chain.rpcUrl,
          chainId: chain.chainId,
          ledger,
          ledgerCodeHash: codeHash,
          accounts: chain.accounts.map((privateKey) => ({ address: new Wallet(privateKey).address, privateKey })),
          devKeys,
        }
      } finally {
        provider.destroy()
      }
      if (o.dataDir !== undefined) await writeChainInfo(o.dataDir, info)
      const { rpcUrl, ledger, accounts: funded, devKeys } = info
      if (o.json) io.stdout(`${JSON.stringify({ rpcUrl, chainId: String(chain.chainId), ledger, accounts: funded, devKeys })}\n`)
      else {
        const kept = o.dataDir === undefined ? 'its state is not kept' : `its state is kept in ${o.dataDir}`
        io.stdout(
          [
            `local chain: ${rpcUrl} (chain id ${chain.chainId})`,
            `ledger:      ${ledger} (deployed by dev account 0)`,
            `dev accounts, 10000 ETH each (public test keys: never use them on a real network):`,
            ...funded.map((a, i) => `  ${String(i).padStart(2)}  ${a.address}  ${a.privateKey}`),
            ...(devKeys.length > 0
              ? [`murmur dev keys 0…${devKeys.length - 1} (--dev-key I), 100 ETH each: ${devKeys[0]!.address}, …`]
              : []),
            ...o.fund.map((a) => `funded ${a}`),
            `point commands at it with --rpc ${rpcUrl} --ledger ${ledger}${o.dataDir === undefined ? '' : ` (or --chain ${o.dataDir})`}; Ctrl-C stops it (${kept})`,
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
