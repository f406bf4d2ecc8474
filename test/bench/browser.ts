/**
 * `browser` benchmark (browser-peer issue): the web client in headless Debian chromium.
 * - decode tokens/s (KV cache, batch 8) of the tiny policy in the page's worker on wasm vs the
 *   same code on onnxruntime-node CPU and onnxruntime-web wasm in Node (one thread);
 * - the same on WebGPU: the page's worker on the browser's adapter (SwiftShader, or the GPU with
 *   MURMUR_CHROMIUM_GPU=1, test/helpers/chromium.ts) vs onnxruntime-node's WebGPU EP, each with
 *   the adapter it ran on; a side without WebGPU is reported with the reason;
 * - time from opening the page to the first of the tab's groups in the swarm's policy (target
 *   ≤ 60 s here), on a 2-peer toy swarm;
 * - the bundle: page JS, worker JS and the wasm binary, raw and gzipped, against budgets.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import {
  type Benchmark,
  decodeTokensPerSecond,
  joinInfoOf,
  machineInfo,
  nodeRuntime,
  selectDevice,
  serveWebClient,
  startLocalSwarm,
  wasmRuntime,
  webClientDir,
} from '@murmur/node'
import { deriveSeed, initWeights, NAMED_CONFIGS, Policy, type RuntimeComponents } from '@murmur/protocol'
import type { Browser } from 'playwright-core'
import { describeAdapter, launchChromium, webgpuAdapterOf, webgpuChromiumArgs } from '../helpers/chromium.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

/** Gzipped budgets (bytes): what a phone downloads before it can join. */
const BUDGET = { pageJs: 100 * 1024, workerJs: 450 * 1024, wasmPath: 5 * 1024 * 1024, webgpuPath: 8 * 1024 * 1024 }

interface PageState {
  identity: { address: string } | null
  bench: { tokensPerSecond: number; threads: number } | null
  errors: string[]
}
/** Runs in the page (serialised by playwright): it cannot close over anything here. */
const pageState = () => (globalThis as unknown as { murmur: PageState }).murmur

/** The page's `?bench=decode` result (its worker runs decodeTokensPerSecond); throws with the page's errors. */
async function pageDecode(browser: Browser, url: string, timeoutMs: number): Promise<{ tokensPerSecond: number; threads: number }> {
  const page = await browser.newPage()
  try {
    await page.goto(url)
    await page.waitForFunction(
      () => {
        const m = (globalThis as unknown as { murmur: PageState }).murmur
        return m.bench !== null || m.errors.length > 0
      },
      null,
      { timeout: timeoutMs },
    )
    const b = await page.evaluate(pageState)
    if (!b.bench) throw new Error(`the browser decode benchmark failed: ${b.errors.join('; ')}`)
    return b.bench
  } finally {
    await page.close()
  }
}

/**
 * A WebGPU decode measurement or why there is none, with the adapter it ran on (or would have)
 * and its size: `quickSize` is the quick run's 16 new tokens and 1 run instead of 64 and 3.
 */
type WebGpuDecode = ({ ok: true; tokensPerSecond: number } | { ok: false; reason: string }) & { adapter: string; quickSize: boolean }

const reasonOf = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').slice(0, 400)

/**
 * The page's decode benchmark on WebGPU, in a chromium of its own launched with
 * webgpuChromiumArgs(). On a software adapter (SwiftShader: about 20 tokens/s here) it runs the
 * quick size even in a full run, which keeps the WebGPU pair to a fraction of a minute.
 */
async function browserWebgpuDecode(root: string, quick: boolean): Promise<WebGpuDecode> {
  const web = await serveWebClient({
    root,
    join: () => {
      throw new Error('the decode benchmark page joins no swarm')
    },
  })
  let browser: Browser | undefined
  let adapter = 'unknown (chromium did not start)'
  try {
    browser = await launchChromium(webgpuChromiumArgs())
    // any document of the origin is a secure context; a 404 runs none of the client's code
    const page = await browser.newPage()
    await page.goto(`${web.url}webgpu-adapter`)
    const info = await webgpuAdapterOf(page)
    await page.close()
    adapter = describeAdapter(info)
    if (!info.available) return { ok: false, reason: info.reason, adapter, quickSize: quick }
    const quickSize = quick || info.fallback
    const bench = await pageDecode(browser, `${web.url}?bench=decode&device=webgpu${quickSize ? '&quick' : ''}`, 300_000)
    return { ok: true, tokensPerSecond: bench.tokensPerSecond, adapter, quickSize }
  } catch (err) {
    return { ok: false, reason: reasonOf(err), adapter, quickSize: quick }
  } finally {
    await browser?.close()
    await web.close()
  }
}

/** What onnxruntime-node's WebGPU EP (Dawn over Vulkan) sees: the Vulkan driver VK_ICD_FILENAMES names, if any. */
function nodeWebgpuAdapter(): string {
  const icd = process.env.VK_ICD_FILENAMES
  if (!icd) return "the system's Vulkan drivers (Dawn's default adapter)"
  return /swiftshader/i.test(icd) ? `SwiftShader (software; VK_ICD_FILENAMES=${icd})` : `the Vulkan driver in VK_ICD_FILENAMES=${icd}`
}

/**
 * The same decode on onnxruntime-node's WebGPU EP, through selectDevice as `--device webgpu`
 * does; at the quick size when asked (to match the browser's) or on SwiftShader.
 */
async function nodeWebgpuDecode(quick: boolean): Promise<WebGpuDecode> {
  try {
    const { runtime } = await selectDevice('webgpu')
    const quickSize = quick || /swiftshader/i.test(process.env.VK_ICD_FILENAMES ?? '')
    return { ok: true, tokensPerSecond: await nodeDecode(runtime, quickSize), adapter: nodeWebgpuAdapter(), quickSize }
  } catch (err) {
    // DeviceUnavailableError: a hint, then one line per device tried that starts with the cause
    const lines = (err instanceof Error ? err.message : String(err)).split('\n').filter((l) => l.trim() !== '')
    return { ok: false, reason: reasonOf(lines.at(-1)?.trim() ?? err), adapter: nodeWebgpuAdapter(), quickSize: quick }
  }
}

const tokPerSec = (d: WebGpuDecode) =>
  d.ok ? d.tokensPerSecond.toFixed(0) : `unavailable: ${d.reason.length > 160 ? `${d.reason.slice(0, 160)}… (notes)` : d.reason}`
const sizeOf = (d: WebGpuDecode) => (d.quickSize ? '16 new tokens, 1 run' : '64 new tokens, median of 3 runs')

async function nodeDecode(runtime: RuntimeComponents, quick: boolean): Promise<number> {
  const cfg = NAMED_CONFIGS.tiny
  const policy = await Policy.load(runtime, cfg, initWeights(cfg, deriveSeed('murmur/bench/engine', 'tiny')))
  try {
    return await decodeTokensPerSecond(policy, { group: 8, maxNewTokens: quick ? 16 : 64, runs: quick ? 1 : 3 })
  } finally {
    await policy.release()
  }
}

function bundle(root: string) {
  const files = readdirSync(join(root, 'assets')).map((f) => {
    const bytes = readFileSync(join(root, 'assets', f))
    return { f, raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length }
  })
  const sum = (pick: (f: string) => boolean) =>
    files.filter((x) => pick(x.f)).reduce((a, x) => ({ raw: a.raw + x.raw, gz: a.gz + x.gz }), { raw: 0, gz: 0 })
  const add = (...xs: { raw: number; gz: number }[]) => xs.reduce((a, x) => ({ raw: a.raw + x.raw, gz: a.gz + x.gz }), { raw: 0, gz: 0 })
  const pageJs = sum((f) => f.startsWith('index-') && f.endsWith('.js'))
  const workerJs = sum((f) => f.startsWith('worker-') && f.endsWith('.js'))
  const ortWasmJs = sum((f) => f.startsWith('ort.wasm.bundle') && f.endsWith('.js'))
  const ortWebgpuJs = sum((f) => f.startsWith('ort.bundle') && f.endsWith('.js'))
  const wasm = sum((f) => f.endsWith('.wasm') && !f.includes('jsep'))
  const jsep = sum((f) => f.endsWith('.wasm') && f.includes('jsep'))
  return {
    pageJs,
    workerJs,
    lazyJs: sum((f) => f.endsWith('.js') && !/^(index-|worker-|ort\.)/.test(f)),
    wasm,
    jsep,
    /** What a tab computing on wasm downloads, and one computing on WebGPU. */
    wasmPath: add(pageJs, workerJs, ortWasmJs, wasm),
    webgpuPath: add(pageJs, workerJs, ortWebgpuJs, jsep),
  }
}

export const browserBenchmark: Benchmark = {
  name: 'browser',
  description: 'web client in headless chromium: decode tok/s vs node, page load to first accepted group, bundle sizes',
  async run({ quick, log }) {
    const startedAt = new Date().toISOString()
    const root = await webClientDir()
    const sizes = bundle(root)
    const nodeCpu = await nodeDecode(await nodeRuntime('cpu', { threads: 1 }), quick)
    const nodeWasm = await nodeDecode(await wasmRuntime(1), quick)
    log(`node: decode ${nodeCpu.toFixed(0)} tok/s (cpu, 1 thread), ${nodeWasm.toFixed(0)} tok/s (wasm, 1 thread)`)
    // WebGPU before the swarm starts, so neither side shares the cores with it; the browser
    // first, because selectDevice may point VK_ICD_FILENAMES (inherited by chromium) at SwiftShader
    const browserWebgpu = await browserWebgpuDecode(root, quick)
    log(`browser: decode ${tokPerSec(browserWebgpu)} tok/s (WebGPU on ${browserWebgpu.adapter})`)
    const nodeWebgpu = await nodeWebgpuDecode(browserWebgpu.quickSize)
    log(`node: decode ${tokPerSec(nodeWebgpu)} tok/s (WebGPU EP on ${nodeWebgpu.adapter})`)
    const webgpuRatio =
      browserWebgpu.ok && nodeWebgpu.ok && browserWebgpu.quickSize === nodeWebgpu.quickSize
        ? browserWebgpu.tokensPerSecond / nodeWebgpu.tokensPerSecond
        : null

    const { dir: runDir, cleanup } = await toySwarmRun()
    const swarm = await startLocalSwarm({
      runDir,
      peers: 2,
      runtime: await nodeRuntime('cpu'),
      dataDir: join(runDir, 'swarm'),
      roundDurationMs: 6000,
    })
    const web = await serveWebClient({
      root,
      join: () => joinInfoOf(swarm.run, swarm.peers),
    })
    const browser = await launchChromium()
    let browserDecode: { tokensPerSecond: number; threads: number }
    let firstAcceptedS: number | null = null
    try {
      browserDecode = await pageDecode(browser, `${web.url}?bench=decode&device=wasm${quick ? '&quick' : ''}`, 300_000)
      log(`browser: decode ${browserDecode.tokensPerSecond.toFixed(0)} tok/s (wasm, ${browserDecode.threads} thread(s))`)

      const page = await browser.newPage()
      const t0 = performance.now()
      await page.goto(`${web.url}?autojoin&device=wasm`)
      await page.waitForFunction(() => (globalThis as unknown as { murmur: PageState }).murmur.identity !== null, null, {
        timeout: 60_000,
      })
      const tab = (await page.evaluate(pageState)).identity!.address.toLowerCase() as `0x${string}`
      // the swarm ran during the decode benchmark: its buffered lines predate the tab
      const from = Number(swarm.peers[0]!.status()?.round ?? 0n)
      let rounds = 0
      for await (const line of swarm.rounds) {
        if (line.round <= from) continue
        log(`round ${line.round}: groups in the policy by author ${JSON.stringify(line.includedGroupsBy)}`)
        if ((line.includedGroupsBy[tab] ?? 0) > 0) {
          firstAcceptedS = (performance.now() - t0) / 1000
          break
        }
        if (++rounds >= 20) break
      }
      log(`page load → first accepted group: ${firstAcceptedS === null ? 'none in 20 rounds' : `${firstAcceptedS.toFixed(1)} s`}`)
      if (firstAcceptedS === null) {
        const s = await page.evaluate(() => (globalThis as unknown as { murmur: PageState & { log: string[] } }).murmur)
        log(`the tab: errors ${JSON.stringify(s.errors)}, last log lines:\n    ${s.log.slice(-15).join('\n    ')}`)
      }
    } finally {
      await browser.close()
      await web.close()
      await swarm.stop()
      cleanup()
    }
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`
    const within = (gz: number, budget: number) => (gz <= budget ? `✓ ≤ ${kib(budget)}` : `✗ > ${kib(budget)}`)
    return {
      name: 'browser',
      startedAt,
      machine: machineInfo(),
      results: {
        decodeTokPerSec: { browserWasm: browserDecode.tokensPerSecond, nodeCpu, nodeWasm, browserThreads: browserDecode.threads },
        browserVsNodeCpu: browserDecode.tokensPerSecond / nodeCpu,
        webgpu: { browser: browserWebgpu, node: nodeWebgpu, browserVsNode: webgpuRatio },
        firstAcceptedGroupSeconds: firstAcceptedS,
        bundle: sizes,
        budget: BUDGET,
      },
      table: {
        headers: ['measure', 'value', 'target'],
        rows: [
          ['decode tok/s, tiny, batch 8: browser wasm', browserDecode.tokensPerSecond.toFixed(0), ''],
          ['decode tok/s: node onnxruntime CPU (1 thread)', nodeCpu.toFixed(0), ''],
          ['decode tok/s: node onnxruntime-web wasm (1 thread)', nodeWasm.toFixed(0), ''],
          ['browser ÷ node CPU', (browserDecode.tokensPerSecond / nodeCpu).toFixed(2), ''],
          ['decode tok/s, tiny, batch 8: browser WebGPU', tokPerSec(browserWebgpu), ''],
          ['decode tok/s: node onnxruntime WebGPU EP', tokPerSec(nodeWebgpu), ''],
          [
            'browser WebGPU ÷ node WebGPU EP',
            webgpuRatio !== null ? webgpuRatio.toFixed(2) : browserWebgpu.ok && nodeWebgpu.ok ? 'n/a: decoded at different sizes' : 'n/a',
            '',
          ],
          ['WebGPU adapter: browser', browserWebgpu.adapter, ''],
          ['WebGPU adapter: node', nodeWebgpu.adapter, ''],
          ['page load → first group in the policy (s)', firstAcceptedS === null ? 'none' : firstAcceptedS.toFixed(1), '≤ 60 s'],
          ['page JS (gzip)', kib(sizes.pageJs.gz), within(sizes.pageJs.gz, BUDGET.pageJs)],
          ['worker JS, without onnxruntime (gzip)', kib(sizes.workerJs.gz), within(sizes.workerJs.gz, BUDGET.workerJs)],
          ['lazy JS: ethers for the ledger and keystore export (gzip)', kib(sizes.lazyJs.gz), ''],
          ['onnxruntime wasm binary (gzip / raw)', `${kib(sizes.wasm.gz)} / ${kib(sizes.wasm.raw)}`, ''],
          ['onnxruntime WebGPU (JSEP) binary (gzip / raw)', `${kib(sizes.jsep.gz)} / ${kib(sizes.jsep.raw)}`, ''],
          ['a wasm tab downloads (gzip)', kib(sizes.wasmPath.gz), within(sizes.wasmPath.gz, BUDGET.wasmPath)],
          ['a WebGPU tab downloads (gzip)', kib(sizes.webgpuPath.gz), within(sizes.webgpuPath.gz, BUDGET.webgpuPath)],
        ],
      },
      notes: [
        `headless Debian chromium; the tab's wasm runs ${browserDecode.threads} thread(s) (cross-origin isolated, cores − 1, at most 4)`,
        'time to first accepted group includes syncing to the swarm checkpoint and waiting for the next round to begin (rounds of 6 s)',
        'WebGPU: the browser runs on webgpuChromiumArgs() (SwiftShader unless MURMUR_CHROMIUM_GPU=1); node on selectDevice("webgpu"), which uses SwiftShader when the machine has no /dev/dri',
        `WebGPU decode size: browser ${sizeOf(browserWebgpu)}, node ${sizeOf(nodeWebgpu)} (the quick size on a software adapter)`,
        ...[browserWebgpu, nodeWebgpu].flatMap((d, i) => (d.ok ? [] : [`${i === 0 ? 'browser' : 'node'} WebGPU unavailable: ${d.reason}`])),
      ],
    }
  },
}
