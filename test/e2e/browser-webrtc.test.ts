/**
 * Browser ↔ browser: two tabs (separate profiles, so separate keys) join a swarm of node peers
 * over WebSockets, reserve a circuit relay v2 slot on a node peer, learn each other's
 * `…/p2p-circuit/webrtc` address from peer exchange, and connect directly over WebRTC data
 * channels, the offer, answer and ICE candidates going through the relay. The peers run in Web
 * Workers, which have no RTCPeerConnection: each page lends its own (rtc-host.ts ↔ rtc-proxy.ts).
 * No STUN server: host candidates only (webrtcChromiumArgs).
 */
import { join } from 'node:path'
import { joinInfoOf, nodeRuntime, serveWebClient, startLocalSwarm, webClientDir } from '@murmur/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artifact, launchChromium, webrtcChromiumArgs } from '../helpers/chromium.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
})
afterAll(() => cleanup?.())

interface PageState {
  identity: { address: string } | null
  status: {
    peerId: string
    connections: number
    webrtc: { peerId: string; protocols: string[] }[]
    // in the diagnosis: whether a relay holds a reservation for the tab (a …/p2p-circuit/webrtc address)
    addresses: string[]
    groupsPublished: number
  } | null
  errors: string[]
  log: string[]
}

describe('browser ↔ browser', () => {
  it('two tabs connect over WebRTC, signalled through a node peer’s circuit relay, and gossip over it', { timeout: 240_000 }, async () => {
    const runtime = await nodeRuntime('cpu')
    const swarm = await startLocalSwarm({ runDir, peers: 2, runtime, dataDir: join(runDir, 'swarm-webrtc'), roundDurationMs: 8000 })
    const web = await serveWebClient({ root: await webClientDir(), join: () => joinInfoOf(swarm.run, swarm.peers) })
    const browser = await launchChromium(webrtcChromiumArgs())
    const console: string[] = []
    try {
      const tabs = await Promise.all(
        [0, 1].map(async (i) => {
          const context = await browser.newContext({ viewport: { width: 420, height: 1000 } })
          const page = await context.newPage()
          page.on('console', (m) => console.push(`tab ${i} ${m.type()}: ${m.text()}`))
          page.on('pageerror', (e) => console.push(`tab ${i} pageerror: ${e.message}`))
          await page.goto(`${web.url}?autojoin&device=wasm`)
          return page
        }),
      )
      const state = (i: number) => tabs[i]!.evaluate(() => (globalThis as unknown as { murmur: PageState }).murmur)
      for (const page of tabs)
        await page.waitForFunction(() => (globalThis as unknown as { murmur: PageState }).murmur.status !== null, null, { timeout: 60_000 })
      const ids = [(await state(0)).status!.peerId, (await state(1)).status!.peerId]
      expect(ids[0]).not.toBe(ids[1])

      // either tab may dial: wait until one holds a WebRTC connection to the other with gossip on it
      const deadline = Date.now() + 150_000
      let link: { from: number; protocols: string[] } | undefined
      while (!link && Date.now() < deadline) {
        for (const i of [0, 1]) {
          const other = ids[1 - i]
          const c = (await state(i)).status!.webrtc.find((w) => w.peerId === other)
          if (c?.protocols.some((p) => p.startsWith('/meshsub/'))) link = { from: i, protocols: c.protocols }
        }
        if (!link) await new Promise((r) => setTimeout(r, 1000))
      }
      const diagnosis = async () =>
        JSON.stringify({
          tabs: [await state(0), await state(1)].map((s) => ({ ...s, log: s.log.slice(-15) })),
          console: console.slice(-30),
        })
      expect(link, await diagnosis()).toBeDefined()
      // the other side sees the same connection: its status is posted every 500 ms, so it may lag
      // the dialler's by a tick (CI once read it a moment too early), hence wait for it, not read once
      const back = await tabs[1 - link!.from]!.waitForFunction(
        (peerId) => (globalThis as unknown as { murmur: PageState }).murmur.status?.webrtc.some((w) => w.peerId === peerId),
        ids[link!.from],
        { timeout: 20_000 },
      )
        .then(() => true)
        .catch(() => false)
      expect(back, await diagnosis()).toBe(true)
      for (const i of [0, 1]) expect((await state(i)).errors).toEqual([])
      await tabs[link!.from]!.screenshot({ path: artifact('browser-peer-webrtc.png'), fullPage: true })
    } finally {
      await browser.close()
      await web.close()
      await swarm.stop()
    }
  })
})
