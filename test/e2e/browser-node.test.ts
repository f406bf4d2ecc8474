/**
 * A browser joins a swarm of separate `murmur node` processes through the page one of them
 * serves (`--serve-web`): the join information names the node's WebSocket address, the tab
 * syncs over it, and the nodes train on the tab's groups (their JSON round reports count them).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { JOIN_PATH, localManifest, MANIFEST_FILE, parseJoinInfo } from '@murmur/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artifact, launchChromium } from '../helpers/chromium.js'
import { devPeerId, type MurmurProc, ProcessGroup, until } from '../helpers/node-procs.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
const procs = new ProcessGroup()
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
  const { bytes } = await localManifest({ runDir, peers: 2, roundDurationMs: 6000 })
  mkdirSync(join(runDir, 'swarm'), { recursive: true })
  writeFileSync(join(runDir, 'swarm', MANIFEST_FILE), bytes)
})
afterAll(() => {
  procs.killAll()
  cleanup?.()
})

interface Report {
  round: number
  includedGroupsBy: Record<string, number>
}
const startNode = (args: string[]) => procs.start<Report>(['node', ...args])

describe('murmur node --serve-web', () => {
  it('serves the client and the join information; a tab joins the node processes and they train on its groups', {
    timeout: 300_000,
  }, async () => {
    const id0 = devPeerId(0)
    const common = (i: number) => [
      '--run',
      runDir,
      '--dev-key',
      String(i),
      '--data-dir',
      join(runDir, `node-${i}`),
      '--json',
      '--min-peers',
      '1',
    ]
    const node0 = startNode([
      ...common(0),
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--listen',
      '/ip4/127.0.0.1/tcp/0/ws',
      '--serve-web',
      '--web-port',
      '0',
      '--metrics-port',
      '0',
    ])
    const show = () => `--- node 0\n${node0.stderr.slice(-4000)}\n--- node 1\n${node1?.stderr.slice(-4000)}`
    let node1: MurmurProc<Report> | undefined
    const url = await until('the web client URL', () => /web client (http:\/\/\S+)/.exec(node0.stderr)?.[1], 60_000, show)
    const tcp = /listening on .*?(\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)/.exec(node0.stderr)![1]!
    node1 = startNode([...common(1), '--bootstrap', tcp])

    const info = parseJoinInfo(await (await fetch(new URL(JOIN_PATH, url))).json())
    expect(info.bootstrap).toHaveLength(1)
    expect(info.bootstrap[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${id0}$`))
    expect(info.chain).toBeUndefined() // this run has no ledger

    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      await page.goto(`${url}?autojoin&device=wasm`)
      await page.waitForFunction(() => (globalThis as unknown as { murmur: { identity: unknown } }).murmur.identity !== null, null, {
        timeout: 60_000,
      })
      const tab = (
        await page.evaluate(() => (globalThis as unknown as { murmur: { identity: { address: string } } }).murmur.identity.address)
      ).toLowerCase()
      const report = await until(
        "a round with the tab's groups in both nodes' policy",
        () => node0.lines.find((r) => (r.includedGroupsBy[tab] ?? 0) > 0 && node1!.lines.some((q) => q.round === r.round)),
        180_000,
      ).catch(async (err) => {
        const state = await page.evaluate(() => JSON.stringify((globalThis as unknown as { murmur: unknown }).murmur))
        throw new Error(`${(err as Error).message}\n--- tab\n${state.slice(-3000)}\n${show()}`)
      })
      expect(node1!.lines.find((q) => q.round === report.round)!.includedGroupsBy[tab]).toBe(report.includedGroupsBy[tab])
      await page.screenshot({ path: artifact('browser-peer-node-served.png'), fullPage: true })
      // the node's Prometheus endpoint counts the tab's groups it verified and the rounds it closed
      const metricsUrl = /metrics (http:\/\/\S+)/.exec(node0.stderr)![1]!
      const metrics = await (await fetch(metricsUrl)).text()
      const metric = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN)
      expect(metric('murmur_groups_accepted_total')).toBeGreaterThan(0)
      expect(metric('murmur_rounds_closed_total')).toBeGreaterThanOrEqual(report.round + 1)
      expect(metric('murmur_peers_connected')).toBeGreaterThanOrEqual(2)
    } finally {
      await browser.close()
    }
  })
})
