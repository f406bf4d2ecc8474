/**
 * The journal of a persistent local chain: an append-only file with one line per state-changing
 * JSON-RPC call the chain accepted, in the order it ran them, each fsynced before the caller got
 * its answer. EDR keeps its state in memory only, so a restarted chain is rebuilt by replaying
 * these lines into a fresh EVM with the same genesis (journaled-chain.ts).
 *
 * A line is `<checksum> <json>\n`: the checksum (the first 16 hex digits of the sha256 of the JSON
 * text) catches a torn or edited line, and each entry's `seq` is its position, so a lost or
 * repeated line shows as a gap. A damaged line and everything after it are moved aside into a
 * `journal.damaged-*.jsonl` file, never deleted, and the journal goes on from the last good entry.
 */
import { createHash } from 'node:crypto'
import { type FileHandle, open, readFile, rename, rm, truncate } from 'node:fs/promises'
import { join } from 'node:path'

export const JOURNAL_FILE = 'journal.jsonl'

/** A block a journaled call mined, as the RPC reports it (0x quantities). */
export interface JournalBlock {
  number: string
  hash: string
  timestamp: string
}

export interface JournalEntry {
  /** Position in the journal, from 0. */
  seq: number
  method: string
  params: unknown[]
  /** The call's JSON-RPC result (a transaction hash, `true`, …). */
  result: unknown
  /** Blocks the call mined, in order: one for an automined transaction or evm_mine, none for a state override. */
  blocks: JournalBlock[]
  /** Receipt status of a mined transaction: 0x1, or 0x0 when it reverted. */
  status?: string
}

/** Where a journal stops being readable. */
export interface JournalDamage {
  /** Index of the first entry that cannot be used. */
  entry: number
  /** Its byte offset in the file. */
  offset: number
  reason: string
}

/** What `ChainJournal.open` did with a damaged journal. */
export interface JournalCut extends JournalDamage {
  /** Bytes moved out of the journal, from `offset` to the end. */
  movedBytes: number
  /** The file they were moved to. */
  movedTo: string
}

const checksum = (json: string) => createHash('sha256').update(json).digest('hex').slice(0, 16)

/** One journal line, newline included. */
export function encodeJournalLine(entry: JournalEntry): string {
  const json = JSON.stringify(entry)
  return `${checksum(json)} ${json}\n`
}

const isHex = (v: unknown) => typeof v === 'string' && /^0x[0-9a-fA-F]*$/.test(v)

function entryProblem(value: unknown, seq: number): string | null {
  if (value === null || typeof value !== 'object') return 'is not a JSON object'
  const e = value as Partial<JournalEntry>
  if (e.seq !== seq) return `has seq ${String(e.seq)} where ${seq} belongs (a line is missing or repeated)`
  if (typeof e.method !== 'string' || e.method === '') return 'has no method'
  if (!Array.isArray(e.params)) return 'has no params array'
  if (!('result' in e)) return 'has no result'
  if (!Array.isArray(e.blocks) || !e.blocks.every((b) => isHex(b?.number) && isHex(b?.hash) && isHex(b?.timestamp)))
    return 'has malformed blocks'
  if (e.status !== undefined && !isHex(e.status)) return 'has a malformed status'
  return null
}

/**
 * The entries of journal bytes up to the first unusable line: a line without its newline (a
 * write the process did not finish), a checksum that does not match, JSON that does not parse, or
 * an entry out of sequence. `goodBytes` is where the good entries end.
 */
export function parseJournal(bytes: Uint8Array): { entries: JournalEntry[]; goodBytes: number; damage: JournalDamage | null } {
  const entries: JournalEntry[] = []
  let offset = 0
  const damaged = (reason: string) => ({ entries, goodBytes: offset, damage: { entry: entries.length, offset, reason } })
  while (offset < bytes.length) {
    const nl = bytes.indexOf(0x0a, offset)
    if (nl < 0) return damaged(`is cut short (${bytes.length - offset} bytes without a newline: a write that did not finish)`)
    const line = Buffer.from(bytes.subarray(offset, nl)).toString('utf8')
    const space = line.indexOf(' ')
    const json = line.slice(space + 1)
    if (space !== 16 || !/^[0-9a-f]{16}$/.test(line.slice(0, 16))) return damaged('does not start with a checksum')
    if (checksum(json) !== line.slice(0, 16)) return damaged('does not match its checksum')
    let value: unknown
    try {
      value = JSON.parse(json)
    } catch {
      return damaged('is not JSON')
    }
    const problem = entryProblem(value, entries.length)
    if (problem) return damaged(problem)
    entries.push(value as JournalEntry)
    offset = nl + 1
  }
  return { entries, goodBytes: offset, damage: null }
}

/** Writes `bytes` to `path` through a temporary file, fsync and rename, then fsyncs the directory. */
export async function writeFileDurably(dir: string, name: string, bytes: string | Uint8Array): Promise<void> {
  const path = join(dir, name)
  const tmp = `${path}.tmp-${process.pid}`
  try {
    const file = await open(tmp, 'w')
    try {
      await file.writeFile(bytes)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDir(dir)
}

/** fsyncs a directory so a rename or a new file in it survives a power cut (a no-op where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null)
  await handle
    ?.sync()
    .catch(() => {})
    .finally(() => handle.close())
}

/** The open journal of a data dir: appends are written and fsynced one at a time, in call order. */
export class ChainJournal {
  readonly path: string
  #file: FileHandle
  #length: number

  private constructor(path: string, file: FileHandle, length: number) {
    this.path = path
    this.#file = file
    this.#length = length
  }

  /**
   * Opens (or creates) `dir/journal.jsonl` and reads its entries. A damaged tail is cut at the
   * last good entry; the cut bytes are kept in `dir/journal.damaged-<entry>-<time>.jsonl` first.
   */
  static async open(dir: string): Promise<{ journal: ChainJournal; entries: JournalEntry[]; cut: JournalCut | null }> {
    const path = join(dir, JOURNAL_FILE)
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return new Uint8Array(0)
      throw err
    })
    const { entries, goodBytes, damage } = parseJournal(bytes)
    let cut: JournalCut | null = null
    if (damage) {
      const name = `journal.damaged-${damage.entry}-${Date.now()}.jsonl`
      await writeFileDurably(dir, name, bytes.subarray(goodBytes))
      await truncate(path, goodBytes)
      cut = { ...damage, movedBytes: bytes.length - goodBytes, movedTo: join(dir, name) }
    }
    const file = await open(path, 'a')
    await file.sync()
    if (bytes.length === 0) await syncDir(dir)
    return { journal: new ChainJournal(path, file, entries.length), entries, cut }
  }

  /** Entries in the journal. */
  get length(): number {
    return this.#length
  }

  /** Appends one entry (its `seq` is the next position) and returns once it is on disk. */
  async append(entry: Omit<JournalEntry, 'seq'>): Promise<JournalEntry> {
    const full: JournalEntry = { seq: this.#length, ...entry }
    await this.#file.write(encodeJournalLine(full))
    await this.#file.datasync()
    this.#length++
    return full
  }

  async close(): Promise<void> {
    await this.#file.close()
  }
}
