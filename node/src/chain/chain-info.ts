/**
 * `DIR/chain.json`: where a `murmur chain --data-dir DIR` serves, and its ledger, so other
 * commands find the chain by its dir (`murmur node --chain DIR`). Rewritten (temporary file,
 * fsync, rename) at every start, since the URL may change with the port.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseAddress, toChecksumAddress } from '@murmur/protocol'
import { writeFileAtomic } from '../train/run-dir.js'
import { ChainError } from './errors.js'

export const CHAIN_INFO_FILE = 'chain.json'

export interface ChainInfo {
  rpcUrl: string
  chainId: bigint
  /** EIP-55 address of the ContributionLedger. */
  ledger: string
  /** keccak256 of the ledger's deployed code: a restored chain must hold the same contract there. */
  ledgerCodeHash: string
  /** Funded dev accounts (public test keys). */
  accounts: { address: string; privateKey: string }[]
  /** murmur development keys funded for `--dev-key I`. */
  devKeys: { index: number; address: string }[]
}

export function chainInfoJson(info: ChainInfo): string {
  return `${JSON.stringify({ ...info, chainId: String(info.chainId) }, null, 2)}\n`
}

export async function writeChainInfo(dir: string, info: ChainInfo): Promise<void> {
  await writeFileAtomic(join(dir, CHAIN_INFO_FILE), chainInfoJson(info))
}

/** DIR/chain.json, or null when the dir has none. @throws ChainError (exit 3) when it is not one murmur wrote. */
export async function readChainInfo(dir: string): Promise<ChainInfo | null> {
  const path = join(dir, CHAIN_INFO_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  const bad = (why: string) => new ChainError(`${path} ${why}; \`murmur chain --data-dir ${dir}\` writes it.`, { path }, { exitCode: 3 })
  let v: Record<string, unknown>
  try {
    v = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw bad('is not JSON')
  }
  if (v === null || typeof v !== 'object') throw bad('is not a JSON object')
  const { rpcUrl, chainId, ledger, ledgerCodeHash, accounts, devKeys } = v
  if (typeof rpcUrl !== 'string') throw bad('has no rpcUrl')
  if (typeof chainId !== 'string' || !/^\d+$/.test(chainId)) throw bad('has no decimal chainId')
  let address: string
  try {
    address = toChecksumAddress(parseAddress(String(ledger)))
  } catch {
    throw bad('has no ledger address')
  }
  if (typeof ledgerCodeHash !== 'string' || !/^0x[0-9a-f]{64}$/.test(ledgerCodeHash)) throw bad('has no ledgerCodeHash')
  return {
    rpcUrl,
    chainId: BigInt(chainId),
    ledger: address,
    ledgerCodeHash,
    accounts: Array.isArray(accounts) ? (accounts as ChainInfo['accounts']) : [],
    devKeys: Array.isArray(devKeys) ? (devKeys as ChainInfo['devKeys']) : [],
  }
}
