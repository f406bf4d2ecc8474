/**
 * A browser tab's work is recorded on the ledger like any peer's: the tab joins a swarm whose
 * validators commit every round to the ContributionLedger on a real local EVM; once a round that
 * trained on the tab's groups is committed, `murmur audit`'s re-derivation of that round lists the
 * tab's address with credit, and the page reads the committed rounds from the chain itself.
 */
import { join } from 'node:path'
import {
  auditEvidence,
  devKey,
  EVIDENCE_DIR,
  joinInfoOf,
  type LedgerClient,
  nodeRuntime,
  serveWebClient,
  startLocalSwarm,
  webClientDir,
} from '@murmur/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artifact, launchChromium } from '../helpers/chromium.js'
import { type LocalLedger, localLedger, swarmLedgerOptions } from '../helpers/local-ledger.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
let chain: LocalLedger
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
  chain = await localLedger([0, 1].map(devKey))
})
afterAll(async () => {
  await chain?.stop()
  cleanup?.()
})

const show = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x))

interface PageState {
  identity: { address: string } | null
  ledger: { committedRounds: bigint; credit: bigint; error?: string } | null
  errors: string[]
}

describe('browser peer with the ledger', () => {
  it("earns credit for its groups: the audit of a committed round lists the tab's address", async () => {
    const runtime = await nodeRuntime('cpu')
    const dataDir = join(runDir, 'swarm-browser-ledger')
    const clients: LedgerClient[] = []
    const swarm = await startLocalSwarm({
      runDir,
      peers: 2,
      runtime,
      dataDir,
      roundDurationMs: 6000,
      autoClaim: true,
      ...swarmLedgerOptions(chain, clients),
    })
    const web = await serveWebClient({
      root: await webClientDir(),
      join: () => joinInfoOf(swarm.run, swarm.peers, chain),
    })
    const browser = await launchChromium()
    try {
      const page = await browser.newPage({ viewport: { width: 420, height: 1200 } })
      await page.goto(`${web.url}?autojoin&device=wasm`)
      await page.waitForFunction(() => (globalThis as unknown as { murmur: PageState }).murmur.identity !== null, null, { timeout: 60_000 })
      const tab = (await page.evaluate(() => (globalThis as unknown as { murmur: PageState }).murmur.identity!.address)).toLowerCase()
      let round: bigint | null = null
      for await (const line of swarm.rounds) {
        if ((line.includedGroupsBy[tab as `0x${string}`] ?? 0) > 0) {
          round = BigInt(line.round - 1) // lines count closed rounds from 1; the ledger from 0
          break
        }
        if (line.round >= 8) break
      }
      expect(round, "no round trained on the tab's groups").not.toBeNull()
      const reader = clients[0]!
      const deadline = Date.now() + 30_000
      while (((await reader.lastCommittedRound()) ?? -1n) < round! && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250))
      expect(await reader.lastCommittedRound()).toBeGreaterThanOrEqual(round!)
      // the page reads the ledger from the chain (CORS JSON-RPC) every 10 s
      await page.waitForFunction(
        (r) => {
          const l = (globalThis as unknown as { murmur: PageState }).murmur.ledger
          return l !== null && !l.error && l.committedRounds > BigInt(r)
        },
        Number(round),
        { timeout: 30_000 },
      )
      // and re-hashes that round's leaves against the root the chain holds
      await page.waitForFunction(
        (r) => (globalThis as unknown as { murmur: { audit: Record<number, string> } }).murmur.audit[r] === 'on-chain',
        Number(round),
        { timeout: 40_000 },
      )
      await page.screenshot({ path: artifact('browser-peer-ledger.png'), fullPage: true })
      await swarm.stop() // drains the validators' evidence writes
      const audit = await auditEvidence(reader, { dir: join(dataDir, 'peer-0', EVIDENCE_DIR), rounds: [round!] })
      expect(audit.ok, show(audit.rounds.map((r) => r.problems))).toBe(true)
      const leaf = audit.rounds[0]!.leaves.find((l) => l.address.toLowerCase() === tab)
      expect(leaf, show(audit.rounds[0]!.leaves)).toBeDefined()
      expect(leaf!.groups).toBeGreaterThan(0)
      expect(leaf!.credit).toBeGreaterThan(0n)
    } finally {
      await browser.close()
      await web.close()
      await swarm.stop()
      for (const c of clients) c.close()
    }
  })
})
