import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ChainJournal, encodeJournalLine, JOURNAL_FILE, type JournalEntry, parseJournal } from './chain-journal.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const entry = (seq: number, method = 'eth_sendRawTransaction'): JournalEntry => ({
  seq,
  method,
  params: [`0x${'ab'.repeat(seq + 1)}`],
  result: `0x${String(seq).padStart(64, '0')}`,
  blocks: [{ number: `0x${(seq + 1).toString(16)}`, hash: `0x${'cd'.repeat(32)}`, timestamp: '0x6b0d0197' }],
  status: '0x1',
})
const lines = (n: number) => Array.from({ length: n }, (_, i) => encodeJournalLine(entry(i))).join('')

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-journal-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('parseJournal', () => {
  it('reads back what encodeJournalLine wrote, in order', () => {
    const text = lines(3)
    expect(text.split('\n')[0]).toMatch(/^[0-9a-f]{16} \{"seq":0,"method":"eth_sendRawTransaction",/)
    expect(parseJournal(utf8(text))).toEqual({ entries: [entry(0), entry(1), entry(2)], goodBytes: text.length, damage: null })
    expect(parseJournal(new Uint8Array(0))).toEqual({ entries: [], goodBytes: 0, damage: null })
  })

  it('stops at a line cut short by a crash, keeping every entry before it', () => {
    const good = lines(2)
    const torn = encodeJournalLine(entry(2)).slice(0, 40)
    expect(parseJournal(utf8(good + torn))).toEqual({
      entries: [entry(0), entry(1)],
      goodBytes: good.length,
      damage: { entry: 2, offset: good.length, reason: 'is cut short (40 bytes without a newline: a write that did not finish)' },
    })
  })

  it('stops at an edited line, a line that is not an entry, and a missing line', () => {
    const [a, b, c] = [0, 1, 2].map((i) => encodeJournalLine(entry(i))) as [string, string, string]
    const edited = b.replace('"status":"0x1"', '"status":"0x0"')
    expect(parseJournal(utf8(a + edited + c)).damage).toEqual({ entry: 1, offset: a.length, reason: 'does not match its checksum' })
    expect(parseJournal(utf8(a + 'garbage\n' + c)).damage?.reason).toBe('does not start with a checksum')
    expect(parseJournal(utf8(a + c)).damage?.reason).toBe('has seq 2 where 1 belongs (a line is missing or repeated)')
    const notJson = '{"seq":1,'
    const sum = createHash('sha256').update(notJson).digest('hex').slice(0, 16)
    expect(parseJournal(utf8(a + `${sum} ${notJson}\n`)).damage?.reason).toBe('is not JSON')
  })
})

describe('ChainJournal', () => {
  it('appends fsynced lines with their sequence numbers and reopens with every entry', async () => {
    const first = await ChainJournal.open(dir)
    expect(first.entries).toEqual([])
    const { seq: _, ...rest } = entry(0)
    expect(await first.journal.append(rest)).toEqual(entry(0))
    const { seq: __, ...next } = entry(1)
    await first.journal.append(next)
    await first.journal.close()
    const again = await ChainJournal.open(dir)
    expect(again.entries).toEqual([entry(0), entry(1)])
    expect(again.cut).toBeNull()
    expect(again.journal.length).toBe(2)
    await again.journal.close()
  })

  it('cuts a truncated tail at the last good entry, moves the cut bytes aside and goes on from there', async () => {
    const good = lines(3)
    const torn = encodeJournalLine(entry(3)).slice(0, 25)
    writeFileSync(join(dir, JOURNAL_FILE), good + torn)
    const { journal, entries, cut } = await ChainJournal.open(dir)
    expect(entries.map((e) => e.seq)).toEqual([0, 1, 2])
    expect(cut).toMatchObject({ entry: 3, offset: good.length, movedBytes: 25 })
    expect(cut!.movedTo).toMatch(/journal\.damaged-3-\d+\.jsonl$/)
    expect(readFileSync(cut!.movedTo, 'utf8')).toBe(torn)
    expect(readFileSync(join(dir, JOURNAL_FILE), 'utf8')).toBe(good)
    const { seq: _, ...rest } = entry(3)
    await journal.append(rest)
    await journal.close()
    expect(parseJournal(readFileSync(join(dir, JOURNAL_FILE))).entries.map((e) => e.seq)).toEqual([0, 1, 2, 3])
  })

  it('cuts at a corrupt entry in the middle and keeps it and everything after it in the damaged file', async () => {
    const [a, b, c] = [0, 1, 2].map((i) => encodeJournalLine(entry(i)))
    const corrupt = b!.replace('0x6b0d0197', '0x6b0d0198')
    writeFileSync(join(dir, JOURNAL_FILE), a! + corrupt + c!)
    const { journal, entries, cut } = await ChainJournal.open(dir)
    await journal.close()
    expect(entries).toEqual([entry(0)])
    expect(cut).toMatchObject({
      entry: 1,
      offset: a!.length,
      reason: 'does not match its checksum',
      movedBytes: corrupt.length + c!.length,
    })
    expect(readFileSync(cut!.movedTo, 'utf8')).toBe(corrupt + c)
    expect(readdirSync(dir).sort()).toEqual([JOURNAL_FILE, cut!.movedTo.slice(dir.length + 1)].sort())
  })
})
