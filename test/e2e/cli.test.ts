import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runMurmur } from '../helpers/cli.js'

describe('the murmur executable', () => {
  it('prints help listing its commands', async () => {
    const r = await runMurmur(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: murmur')
    expect(r.stdout).toContain('up [options]')
  })

  it('exits 2 on an unknown command, with the reason on stderr', async () => {
    const r = await runMurmur(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'frobnicate'")
    expect(r.stdout).toBe('')
  })

  it('runs `up --headless --json`: a local chain, 3 peers, every round committed on chain and audited', async () => {
    const r = await runMurmur(
      [
        'up',
        '--peers',
        '3',
        '--rounds',
        '3',
        '--headless',
        '--json',
        '--warmup-steps',
        '100',
        '--round-ms',
        '8000',
        '--eval-problems',
        '50',
      ],
      { env: { MURMUR_HOME: mkdtempSync(join(tmpdir(), 'murmur-e2e-up-')) }, timeoutMs: 300_000 },
    )
    expect(r.code, r.stderr.slice(-3000)).toBe(0)
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    expect(last).toMatchObject({
      ok: true,
      rounds: 3,
      auditOk: true,
      sameThetaEveryRound: true,
      ledger: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
    })
    // every round it ran is on chain (one more may have closed while it waited for the last commit)
    expect(last.committedRounds).toBeGreaterThanOrEqual(3)
    expect(last.genesisAccuracy).toBeGreaterThanOrEqual(0)
    expect(last.finalAccuracy).toBeGreaterThanOrEqual(0)
    expect(last.ort.backends).toContain('cpu')
  })

  it('runs a benchmark and prints its JSON report', async () => {
    const r = await runMurmur(['bench', 'hash', '--json', '--quick'])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.name).toBe('hash')
    expect(report.results.sha256MiBPerSec).toBeGreaterThan(0)
  })
})
