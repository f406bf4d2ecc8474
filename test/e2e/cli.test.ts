import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { artifact, launchChromium } from '../helpers/chromium.js'
import { runMurmur } from '../helpers/cli.js'
import { ProcessGroup, until } from '../helpers/node-procs.js'

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

  it('runs `up --json` with its dashboard: 5 rounds committed on chain and audited, held-out accuracy up, the dashboard’s per-address audit, screenshots', async () => {
    const group = new ProcessGroup()
    const home = mkdtempSync(join(tmpdir(), 'murmur-e2e-up-'))
    const up = group.start(
      // prettier-ignore
      [
        'up',
        '--peers',
        '3',
        '--rounds',
        '5',
        '--json',
        '--web-port',
        '0',
        '--warmup-steps',
        '200',
        '--round-ms',
        '8000',
        '--eval-problems',
        '200',
      ],
      { MURMUR_HOME: home },
    )
    const browser = await launchChromium()
    try {
      const show = () => up.stderr.slice(-3000)
      const url = await until('the dashboard URL', () => /web client and dashboard (http:\/\/\S+)/.exec(up.stderr)?.[1], 240_000, show)
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } })
      await page.goto(url)
      // the dashboard follows the swarm through the node's feed without joining: curves and rounds
      await page.waitForFunction(() => (globalThis as unknown as { murmur: { rounds: unknown[] } }).murmur.rounds.length >= 3, null, {
        timeout: 240_000,
        polling: 1000,
      })
      await page.waitForTimeout(1500)
      await page.screenshot({ path: artifact('dashboard-up.png'), fullPage: true })
      const rows = await page.locator('#swarm-rounds tbody tr').count()
      expect(rows).toBeGreaterThanOrEqual(3)
      // the per-address audit: a peer's leaves, proven against the roots the ledger holds
      await page.locator('#peers tbody tr').first().click()
      type Audit = { addressAudit: { rows: { onChain: boolean | null }[] } | null }
      await page.waitForFunction(
        () => (globalThis as unknown as { murmur: Audit }).murmur.addressAudit?.rows.some((r) => r.onChain === true),
        null,
        { timeout: 120_000, polling: 500 },
      )
      const audit = await page.evaluate(() => (globalThis as unknown as { murmur: Audit }).murmur.addressAudit!.rows.map((r) => r.onChain))
      expect(audit).not.toContain(false)
      await page.locator('#audit-card').screenshot({ path: artifact('dashboard-audit.png') })
      const code = await Promise.race([up.exited, new Promise((r) => setTimeout(() => r('timeout'), 400_000))])
      expect(code, show()).toBe(0)
    } finally {
      await browser.close()
      group.killAll()
    }
    const last = up.lines.at(-1) as Record<string, unknown> & { committedRounds: number; genesisAccuracy: number; finalAccuracy: number }
    expect(last, up.stderr.slice(-6000)).toMatchObject({
      ok: true,
      rounds: 5,
      auditOk: true,
      sameThetaEveryRound: true,
      ledger: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      webUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
    })
    // every round it ran is on chain (one more may have closed while it waited for the last commit)
    expect(last.committedRounds).toBeGreaterThanOrEqual(5)
    // GRPO over 5 rounds lifts held-out greedy accuracy on 200 problems above the genesis model's
    expect(last.finalAccuracy).toBeGreaterThan(last.genesisAccuracy)
  }, 600_000)

  it('runs a benchmark and prints its JSON report', async () => {
    const r = await runMurmur(['bench', 'hash', '--json', '--quick'])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.name).toBe('hash')
    expect(report.results.sha256MiBPerSec).toBeGreaterThan(0)
  })
})
