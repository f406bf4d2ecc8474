/**
 * A browser tab's work is recorded on the ledger like any peer's: the tab joins a swarm whose
 * validators commit every round to the ContributionLedger on a real local EVM; once a round that
 * trained on the tab's groups is committed, `murmur audit`'s re-derivation of that round lists the
 * tab's address with credit, and the page reads the committed rounds from the chain itself.
 * Then the user gives the tab key's credit to a wallet: the page's injected EIP-1193 provider (a
 * wallet whose account the local chain signs for) sends CreditLinks.link through ethers'
 * BrowserProvider, with the tab key's consent, claims the key's committed rounds, and the ledger
 * counts the key's credit as the wallet's.
 */
import { join } from 'node:path'
import { connectLedger, connectLinks, ledgerProvider } from '@murmur/contracts'
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
import { toHex0x } from '@murmur/protocol'
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
  ledger: { committedRounds: bigint; credit: bigint; owner?: { address: string; credit: bigint }; error?: string } | null
  wallet: { owner: string; txHash: string; claimed: number } | null
  errors: string[]
}

/** A wallet extension's `window.ethereum`, in the page: accounts are `wallet`, the rest goes to the chain's JSON-RPC. */
function injectWallet({ rpcUrl, wallet }: { rpcUrl: string; wallet: string }) {
  let id = 0
  ;(globalThis as unknown as { ethereum: unknown }).ethereum = {
    async request({ method, params }: { method: string; params?: unknown[] }) {
      if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [wallet]
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params: params ?? [] }),
      })
      const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } }
      if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data })
      return body.result
    },
  }
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
      await page.addInitScript(injectWallet, { rpcUrl: chain.rpcUrl, wallet: chain.wallet })
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
      // the wallet: one click, one transaction from the wallet, consented to by the tab's key
      await page.click('#wallet')
      await page.waitForFunction(() => (globalThis as unknown as { murmur: PageState }).murmur.wallet !== null, null, { timeout: 30_000 })
      const provider = ledgerProvider(chain.rpcUrl)
      try {
        const links = await connectLinks(connectLedger(chain.ledger, provider), provider)
        const runId = toHex0x(swarm.run.runId)
        expect(await links.ownerOf!(runId, tab)).toBe(chain.wallet)
        // and the wallet claimed the key's committed rounds (no validator claims for a tab, which has no ether)
        const wallet = await page.evaluate(() => (globalThis as unknown as { murmur: PageState }).murmur.wallet!)
        expect(wallet.claimed).toBeGreaterThan(0)
        // the page shows the wallet's credit: the tab key's claimed credit
        await page
          .waitForFunction(() => ((globalThis as unknown as { murmur: PageState }).murmur.ledger?.owner?.credit ?? 0n) > 0n, null, {
            timeout: 40_000,
          })
          .catch(async (err) => {
            const st = await page.evaluate(() =>
              JSON.stringify((globalThis as unknown as { murmur: PageState }).murmur, (_, x) => (typeof x === 'bigint' ? x.toString() : x)),
            )
            throw new Error(
              `${(err as Error).message}\n${st.slice(0, 1500)}\ncredit ${await connectLedger(chain.ledger, provider).creditOf!(runId, tab)}`,
            )
          })
        const ledger = connectLedger(chain.ledger, provider)
        expect(await links.ownerCreditOf!(runId, chain.wallet)).toBe(await ledger.creditOf!(runId, tab))
        expect(await page.locator('#wallet-status').textContent()).toContain(chain.wallet)
      } finally {
        provider.destroy()
      }
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
