/**
 * The data dir of a persistent local chain: `genesis.json` (what the fresh EVM is made from,
 * written once through a temporary file and a rename), `journal.jsonl` (chain-journal.ts) and a
 * `LOCK` file naming the process that serves it, so two chains never append to one journal.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ChainJournal, JOURNAL_FILE, type JournalCut, type JournalEntry, writeFileDurably } from './chain-journal.js'
import { LocalChainError } from './errors.js'

export const GENESIS_FILE = 'genesis.json'
export const LOCK_FILE = 'LOCK'
const GENESIS_FORMAT = 'murmur-local-chain/v1'

/** What a chain's genesis block and funded accounts are made from. */
export interface ChainGenesis {
  chainId: bigint
  /** Funded dev accounts of the Hardhat mnemonic. */
  accounts: number
  balanceWei: bigint
  blockGasLimit: bigint
  /** Seconds since the Unix epoch of block 0: a replay must rebuild the same block hashes. */
  genesisBlockTime: bigint
}

export interface ChainStore {
  dir: string
  genesis: ChainGenesis
  /** True when the dir held no chain before. */
  fresh: boolean
  journal: ChainJournal
  /** The journaled calls to replay, in order. */
  entries: JournalEntry[]
  /** Set when a damaged journal tail was moved aside. */
  cut: JournalCut | null
  /** Closes the journal and releases the lock. */
  close(): Promise<void>
}

function genesisJson(g: ChainGenesis): string {
  return `${JSON.stringify(
    {
      format: GENESIS_FORMAT,
      chainId: String(g.chainId),
      accounts: g.accounts,
      balanceWei: String(g.balanceWei),
      blockGasLimit: String(g.blockGasLimit),
      genesisBlockTime: String(g.genesisBlockTime),
    },
    null,
    2,
  )}\n`
}

function parseGenesis(text: string, path: string): ChainGenesis {
  const bad = (why: string) => new LocalChainError(`${path} ${why}; it is not a murmur chain genesis (${GENESIS_FORMAT}).`, { path })
  let v: Record<string, unknown>
  try {
    v = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw bad('is not JSON')
  }
  if (v === null || typeof v !== 'object' || v.format !== GENESIS_FORMAT) throw bad(`has format ${JSON.stringify(v?.format)}`)
  const int = (field: string) => {
    const x = v[field]
    if (typeof x !== 'string' || !/^\d+$/.test(x)) throw bad(`has no decimal string "${field}"`)
    return BigInt(x)
  }
  const accounts = v.accounts
  if (typeof accounts !== 'number' || !Number.isSafeInteger(accounts) || accounts < 1) throw bad('has no account count')
  return {
    chainId: int('chainId'),
    accounts,
    balanceWei: int('balanceWei'),
    blockGasLimit: int('blockGasLimit'),
    genesisBlockTime: int('genesisBlockTime'),
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Takes `dir/LOCK` for this process; a lock whose process is gone is taken over. */
async function lockDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx')
      await file.writeFile(`${process.pid}\n`)
      await file.close()
      return () => rm(path, { force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10)
      if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid))
        throw new LocalChainError(
          `${dir} is in use by process ${pid} (another chain serving it); stop that one first, or use another data dir.`,
          { dir, pid },
        )
      await rm(path, { force: true }) // stale: its process is gone
    }
  }
  throw new LocalChainError(`Cannot lock ${dir}: ${path} keeps coming back; is another chain starting on it?`, { dir })
}

/**
 * Opens (or creates) a chain data dir. `wanted` is the genesis the caller asks for; fields it
 * leaves out take the recorded values, and one that differs from a recorded chain is refused.
 */
export async function openChainStore(
  dir: string,
  wanted: Omit<Partial<ChainGenesis>, 'genesisBlockTime'>,
  defaults: ChainGenesis,
): Promise<ChainStore> {
  await mkdir(dir, { recursive: true })
  const unlock = await lockDir(dir)
  try {
    const path = join(dir, GENESIS_FILE)
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null
      throw err
    })
    let genesis: ChainGenesis
    if (text === null) {
      genesis = { ...defaults, ...definedOf(wanted) }
      const journalBytes = (await stat(join(dir, JOURNAL_FILE)).catch(() => null))?.size ?? 0
      if (journalBytes > 0)
        throw new LocalChainError(`${dir} has a journal but no ${GENESIS_FILE}: the chain it records cannot be rebuilt without it.`, {
          dir,
        })
      await writeFileDurably(dir, GENESIS_FILE, genesisJson(genesis))
    } else {
      genesis = parseGenesis(text, path)
      for (const [field, value] of Object.entries(definedOf(wanted)) as [keyof ChainGenesis, bigint | number][]) {
        if (value !== genesis[field])
          throw new LocalChainError(
            `${dir} holds a chain with ${field} ${genesis[field]}; it cannot restart with ${field} ${value}. Leave ${field} out to keep the recorded one, or use another data dir.`,
            { dir, field, recorded: String(genesis[field]), wanted: String(value) },
          )
      }
    }
    const { journal, entries, cut } = await ChainJournal.open(dir)
    return {
      dir,
      genesis,
      fresh: text === null,
      journal,
      entries,
      cut,
      async close() {
        await journal.close()
        await unlock()
      },
    }
  } catch (err) {
    await unlock()
    throw err
  }
}

function definedOf<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
