/**
 * The ledger of a swarm peer started from the CLI (`murmur node`, `murmur swarm`): the flags that
 * name it (`--rpc URL --ledger ADDRESS [--chain-id N]`, or `--chain DIR`), their agreement with the
 * run's manifest (whose EIP-712 domain names one ledger on one chain: signatures verify there
 * only), and a LedgerClient connected with the peer's key, the run checked (or registered) on chain.
 */
import { join } from 'node:path'
import { ledgerProvider } from '@murmur/contracts'
import { equalBytes, parseAddress, type RunManifest, toChecksumAddress, toHex0x } from '@murmur/protocol'
import { InvalidArgumentError } from 'commander'
import { CHAIN_INFO_FILE, readChainInfo } from '../chain/chain-info.js'
import { LedgerClient } from '../chain/ledger-client.js'
import { probeChainId } from '../chain/rpc-probe.js'
import { CliError, CliUsageError, EXIT } from '../errors.js'
import type { SwarmRun } from '../swarm/run.js'

/** `--rpc`: the http(s) URL of a JSON-RPC endpoint. */
export function rpcUrlOption(value: string): string {
  let url: URL | null = null
  try {
    url = new URL(value)
  } catch {}
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new InvalidArgumentError(`--rpc must be the http(s) URL of a JSON-RPC endpoint, e.g. http://127.0.0.1:8545, got "${value}".`)
  return value
}

/** `--ledger`: a 0x address (EIP-55 checksum checked when mixed case), returned checksummed. */
export function ledgerOption(value: string): string {
  try {
    return toChecksumAddress(parseAddress(value))
  } catch (err) {
    throw new InvalidArgumentError(`--ledger must be the ledger contract's 0x address: ${(err as Error).message}`)
  }
}

/** `--chain-id`: a positive integer below 2^64. */
export function chainIdOption(value: string): bigint {
  if (!/^\d+$/.test(value) || BigInt(value) === 0n || BigInt(value) >= 1n << 64n)
    throw new InvalidArgumentError(`--chain-id must be a positive integer (31337 for a local chain), got "${value}".`)
  return BigInt(value)
}

export interface LedgerFlags {
  rpc?: string
  ledger?: string
  chainId?: bigint
  /** A `murmur chain --data-dir` dir: its chain.json gives the three above. */
  chain?: string
}

export interface LedgerTarget {
  rpcUrl: string
  /** EIP-55 address. */
  ledger: string
  /** The chain id the caller requires, when it named one. */
  chainId?: bigint
  /** Where the ledger was named, for messages: `--ledger` or the chain.json path. */
  source: string
}

/** The ledger the flags name, or null when none does. @throws CliUsageError for an incomplete or conflicting set. */
export async function ledgerTarget(f: LedgerFlags): Promise<LedgerTarget | null> {
  if (f.chain !== undefined) {
    if (f.rpc !== undefined || f.ledger !== undefined)
      throw new CliUsageError('Give --chain DIR, or --rpc URL with --ledger ADDRESS, not both.')
    const info = await readChainInfo(f.chain)
    if (info === null)
      throw new CliError(`--chain ${f.chain}: no ${CHAIN_INFO_FILE} there; \`murmur chain --data-dir ${f.chain}\` writes it.`, EXIT.input)
    if (f.chainId !== undefined && f.chainId !== info.chainId)
      throw new CliUsageError(`--chain-id ${f.chainId} disagrees with ${join(f.chain, CHAIN_INFO_FILE)}, which says chain ${info.chainId}.`)
    return { rpcUrl: info.rpcUrl, ledger: info.ledger, chainId: info.chainId, source: join(f.chain, CHAIN_INFO_FILE) }
  }
  if (f.rpc === undefined && f.ledger === undefined) {
    if (f.chainId !== undefined) throw new CliUsageError('--chain-id needs --rpc URL and --ledger ADDRESS.')
    return null
  }
  if (f.rpc === undefined)
    throw new CliUsageError(`--ledger ${f.ledger} needs --rpc URL: the JSON-RPC endpoint of the chain the ledger is on.`)
  if (f.ledger === undefined)
    throw new CliUsageError(`--rpc ${f.rpc} needs --ledger ADDRESS: the ContributionLedger on that chain (\`murmur chain\` prints it).`)
  return { rpcUrl: f.rpc, ledger: f.ledger, chainId: f.chainId, source: '--ledger' }
}

const NO_LEDGER = new Uint8Array(20)

/**
 * What the run's manifest says about the ledger flags: `refuse` when they name another ledger or
 * chain than the manifest's (or the manifest names none), `note` when the manifest names a ledger
 * and no flag does, else null.
 */
export function ledgerBinding(manifest: RunManifest, target: LedgerTarget | null): { refuse: string } | { note: string } | null {
  const named = !equalBytes(manifest.ledger, NO_LEDGER)
  const ledger = toChecksumAddress(manifest.ledger)
  if (target === null)
    return named
      ? {
          note: `the run's manifest names ledger ${ledger} on chain ${manifest.chainId}: pass --rpc URL --ledger ${ledger} (or --chain DIR) to commit agreed rounds and claim credit; running without the ledger`,
        }
      : null
  const flag = target.source === '--ledger' ? `--ledger ${target.ledger}` : `The ledger ${target.ledger} from ${target.source}`
  if (!named)
    return {
      refuse: `${flag}: the run's manifest names no ledger (its rounds are signed for ${ledger}), so no ledger accepts their commits. Make the run's manifest with the ledger (\`murmur swarm RUN_DIR --rpc URL --ledger ADDRESS\` writes one), or leave out the ledger flags.`,
    }
  if (!equalBytes(parseAddress(target.ledger), manifest.ledger))
    return {
      refuse: `${flag} is not the run's ledger: the manifest names ${ledger} on chain ${manifest.chainId}, and its rounds are signed for that contract only. Pass --ledger ${ledger}.`,
    }
  if (target.chainId !== undefined && target.chainId !== manifest.chainId)
    return {
      refuse: `${target.source === '--ledger' ? `--chain-id ${target.chainId}` : `Chain ${target.chainId} from ${target.source}`} is not the run's chain: the manifest names chain ${manifest.chainId}.`,
    }
  return null
}

export interface RunLedgerInit {
  target: LedgerTarget
  run: SwarmRun
  /** The peer's key: it signs commits, claims and (for a validator) the run's registration. */
  privateKey: Uint8Array
  say: (line: string) => void
  /** Limit of the first eth_chainId request; default 10 s. */
  probeTimeoutMs?: number
}

/**
 * A LedgerClient for the run on `target`, with the peer's key. Checks that the endpoint answers
 * and serves the manifest's chain, that the ledger is deployed, and that the run is registered as
 * the manifest says; a validator of the run registers it when it is missing. Says what it found.
 * @throws CliError, LedgerUsageError or LedgerUnavailableError with a one-line message.
 */
export async function connectRunLedger(i: RunLedgerInit): Promise<LedgerClient> {
  const { target, run, say } = i
  const { manifest, manifestBytes } = run
  const runId = `${toHex0x(run.runId).slice(0, 18)}…`
  const served = await probeChainId(target.rpcUrl, i.probeTimeoutMs ?? 10_000)
  if (served !== manifest.chainId)
    throw new CliError(
      `${target.rpcUrl} serves chain ${served}, but the run's manifest names chain ${manifest.chainId}: point --rpc at an endpoint of chain ${manifest.chainId}.`,
      EXIT.failure,
    )
  const client = await LedgerClient.connect({
    rpcUrl: target.rpcUrl,
    ledger: target.ledger,
    privateKey: i.privateKey,
    chainId: served,
    manifest: manifestBytes,
    retry: { initialDelayMs: 500, maxDelayMs: 10_000 },
    onFailure: (f) =>
      say(`ledger: ${f.operation} failed (attempt ${f.attempt}): ${f.message}; retrying in ${(f.retryInMs / 1000).toFixed(1)} s`),
  })
  try {
    const address = client.address!
    const provider = ledgerProvider(target.rpcUrl, { chainId: served })
    const balance = await provider.getBalance(address).finally(() => provider.destroy())
    const validator = manifest.validators.some((v) => equalBytes(v, parseAddress(address)))
    const problems = await client.checkRun(manifestBytes)
    if (problems === 'missing') {
      if (!validator)
        say(
          `run ${runId} is not registered on ledger ${target.ledger} yet: a validator of the run registers it when it starts with the ledger; this peer claims its credit once rounds are committed`,
        )
      else if (balance === 0n)
        throw new CliError(
          `Run ${runId} is not registered on ledger ${target.ledger}, and this validator (${address}) has no ETH on chain ${served} to register it. Fund ${address} (\`murmur chain --fund ${address}\` on a local chain), or start a funded validator of the run first.`,
          EXIT.failure,
        )
      else {
        const outcome = await client.ensureRun(manifestBytes, { timeoutMs: 60_000 })
        say(`${outcome.status === 'created' ? 'registered' : 'found'} run ${runId} on ledger ${target.ledger} (chain ${served})`)
      }
    } else if (problems.length > 0) {
      throw new CliError(
        `Run ${runId} is registered on ledger ${target.ledger} with other settings than its manifest: ${problems.map((p) => p.message).join('; ')}. ` +
          'The ledger would refuse its commits: use a manifest made for this ledger, or register the run on a new one.',
        EXIT.failure,
      )
    } else {
      const committed = (await client.runInfo())?.committedRounds ?? 0n
      say(`ledger ${target.ledger} on ${target.rpcUrl} (chain ${served}): run ${runId} registered, ${committed} round(s) committed`)
    }
    if (balance === 0n)
      say(
        `warning: ${address} has no ETH on chain ${served}: it cannot pay to commit rounds or claim credit until it is funded (\`murmur chain --fund ${address}\` on a local chain)`,
      )
    return client
  } catch (err) {
    client.close()
    throw err
  }
}
