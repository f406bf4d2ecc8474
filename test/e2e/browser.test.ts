/**
 * A browser tab is a murmur peer: headless Debian chromium opens the web client served by a node
 * (with its join information), the tab makes a key, syncs to the swarm's checkpoint over libp2p
 * WebSockets, samples rollouts with onnxruntime-web in a Web Worker, signs and gossips its
 * groups — and node peers train on them: the tab's groups are in the policy every peer agrees on.
 * The tab trains too (the toy model is small enough for wasm): its signed delta is in the
 * aggregate, and the agreed contributions credit it. Once on wasm, once on the WebGPU EP.
 */
import { join } from 'node:path'
import { joinInfoOf, nodeRuntime, type SwarmRoundLine, serveWebClient, startLocalSwarm, webClientDir } from '@murmur/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artifact, launchChromium, webgpuChromiumArgs } from '../helpers/chromium.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
})
afterAll(() => cleanup?.())

interface PageState {
  phase: string
  identity: { address: string } | null
  status: {
    device: string
    connections: number
    round: number | null
    groupsPublished: number
    groupsIncluded: number
    roles: string[]
    deltasIncluded: number
    peers: { address: string; device: string; client: string }[]
  } | null
  rounds: {
    round: number
    ownGroups: number
    ownGroupsIncluded: number
    ownNoGradient: number
    ownUnused: number
    ownDeltaIncluded: boolean
    ownDelta: { outcome: string } | null
  }[]
  errors: string[]
  log: string[]
}

/**
 * One tab per device. WebGPU runs on the SwiftShader adapter of Debian's chromium (correct and
 * far slower than wasm, DESIGN.md §7), so its rounds are longer: one training step there takes
 * 4–6 s on this machine's two cores (more on a slower CI runner), and a 20 s round leaves room
 * for a step of 9 s before the commitments deadline (trainerSchedule). MURMUR_CHROMIUM_GPU=1 puts
 * it on the machine's GPU (webgpuChromiumArgs).
 */
const devices = [
  { device: 'wasm', roundDurationMs: 6000, maxRounds: 12, args: [] as string[] },
  { device: 'webgpu', roundDurationMs: 20_000, maxRounds: 10, args: webgpuChromiumArgs() },
] as const

describe.each(devices)('browser peer on $device', ({ device, roundDurationMs, maxRounds, args }) => {
  it(
    'joins from the served page, samples in a worker, and node peers train on its groups',
    async () => {
      const runtime = await nodeRuntime('cpu')
      const swarm = await startLocalSwarm({ runDir, peers: 2, runtime, dataDir: join(runDir, `swarm-browser-${device}`), roundDurationMs })
      const web = await serveWebClient({
        root: await webClientDir(),
        join: () => joinInfoOf(swarm.run, swarm.peers),
      })
      const browser = await launchChromium([...args])
      const console: string[] = []
      try {
        const page = await browser.newPage({ viewport: { width: 420, height: 1100 } })
        page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`))
        page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`))
        // debug=murmur: the tab's log has its phase and training timings, for the diagnosis below
        await page.goto(`${web.url}?autojoin&device=${device}&debug=murmur`)
        const state = () => page.evaluate(() => (globalThis as unknown as { murmur: PageState }).murmur)
        await page.waitForFunction(() => (globalThis as unknown as { murmur: PageState }).murmur.identity !== null, null, {
          timeout: 60_000,
        })
        const tab = (await state()).identity!.address.toLowerCase() as `0x${string}`
        expect(await page.evaluate(() => (globalThis as unknown as { crossOriginIsolated: boolean }).crossOriginIsolated)).toBe(true)

        // node peers' rounds: the tab's groups and its delta must end up in θ_{r+1} that every node peer holds
        const lines: SwarmRoundLine[] = []
        const tabDelta = (l: SwarmRoundLine) => l.contributions?.leaves.find((x) => x.address === tab && x.deltas > 0)
        for await (const line of swarm.rounds) {
          lines.push(line)
          if ((lines.some((l) => (l.includedGroupsBy[tab] ?? 0) > 0) && lines.some(tabDelta)) || lines.length >= maxRounds) break
        }
        const s = await state()
        const diagnosis = JSON.stringify({
          tab,
          lines: lines.map((l) => ({ groups: l.includedGroupsBy, leaves: l.contributions?.leaves })),
          // the tab's own view of each round: what became of its delta (too late, not fetched, …)
          tabRounds: s.rounds.map((l) => ({ round: l.round, groups: l.ownGroups, delta: l.ownDelta })),
          errors: s.errors,
          log: s.log.slice(-40),
          console: console.slice(-20),
        })
        expect(s.errors, diagnosis).toEqual([])
        const withTab = lines.find((l) => (l.includedGroupsBy[tab] ?? 0) > 0)
        expect(withTab, diagnosis).toBeDefined()
        expect(new Set(withTab!.peers.map((p) => p.policyHash)).size).toBe(1)
        // trained in the tab: its delta is in an agreed aggregate and the round's leaves credit it
        const withDelta = lines.find(tabDelta)
        expect(withDelta, diagnosis).toBeDefined()
        expect(new Set(withDelta!.peers.map((p) => p.policyHash)).size).toBe(1)
        // and the tab saw the same: it follows the rounds and counts its groups in the policy
        await page.waitForFunction(
          (r) => (globalThis as unknown as { murmur: PageState }).murmur.rounds.some((l) => l.round >= r),
          withTab!.round,
          { timeout: 30_000 },
        )
        const after = await state()
        expect(after.status!.device).toBe(device)
        expect(after.status!.connections).toBeGreaterThan(0)
        expect(after.status!.groupsPublished).toBeGreaterThan(0)
        expect(after.rounds.find((l) => l.round === withTab!.round)?.ownGroupsIncluded, diagnosis).toBe(withTab!.includedGroupsBy[tab])
        expect(after.status!.roles).toEqual(['worker', 'trainer'])
        // every own group is accounted for: in the policy, without gradient, or unused
        for (const l of after.rounds) expect(l.ownGroupsIncluded + l.ownNoGradient + l.ownUnused, JSON.stringify(l)).toBe(l.ownGroups)
        await page.waitForFunction(
          (r) =>
            (globalThis as unknown as { murmur: PageState }).murmur.rounds.some(
              (l) => l.round === r && l.ownDeltaIncluded && l.ownDelta?.outcome === 'included',
            ),
          withDelta!.round,
          { timeout: 30_000 },
        )
        // the Peers card: every node peer's signed PeerStatus (device cpu) beside the tab's own
        await page.waitForFunction(
          (n) => ((globalThis as unknown as { murmur: PageState }).murmur.status?.peers.filter((p) => p.device === 'cpu').length ?? 0) >= n,
          swarm.peers.length,
          { timeout: 30_000 },
        )
        const peers = (await state()).status!.peers
        expect(peers.find((p) => p.address === tab)).toMatchObject({ device, client: expect.stringMatching(/^murmur-web\//) })
        expect(await page.locator('#peers tbody tr').count()).toBeGreaterThanOrEqual(swarm.peers.length + 1)
        await page.screenshot({ path: artifact(`browser-peer-${device}.png`), fullPage: true })
      } finally {
        await browser.close()
        await web.close()
        await swarm.stop()
      }
    },
    60_000 + maxRounds * roundDurationMs + 60_000,
  )
})
