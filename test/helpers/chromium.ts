/**
 * Headless Debian chromium through playwright-core (no tool downloads a browser here): a fresh
 * profile, loopback only, no background traffic to Google's hosts (DESIGN.md §7).
 *
 * Environment:
 * - `CHROMIUM_PATH`: the browser binary (default Debian's `/usr/bin/chromium`).
 * - `MURMUR_CHROMIUM_GPU=1`: WebGPU on the machine's GPU (Vulkan) instead of SwiftShader, for the
 *   browser e2e tests and the `browser` benchmark alike (see webgpuChromiumArgs).
 * - `MURMUR_CHROMIUM_ARGS`: extra flags, space-separated, added to every launch.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** test/artifacts: screenshots CI keeps. */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))

/** Whether MURMUR_CHROMIUM_GPU asks for the real GPU adapter. */
const chromiumGpuRequested = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.MURMUR_CHROMIUM_GPU === '1' || env.MURMUR_CHROMIUM_GPU === 'true'

/**
 * The flags that give pages WebGPU: the one set the browser e2e tests and the `browser`
 * benchmark launch with. By default the SwiftShader adapter (software, in Debian's chromium:
 * correct and slow, the same on every machine, so CI needs no GPU); with `MURMUR_CHROMIUM_GPU=1`
 * the GPU through Vulkan, the flags Chrome's "WebGPU in headless Chrome" guide gives for Linux
 * (developer.chrome.com/blog/supercharge-web-ai-testing). On a machine without a usable Vulkan
 * GPU that set still ends on SwiftShader: read the adapter (webgpuAdapterOf) before trusting a
 * number. The developer features fill in `adapter.info.description`, empty otherwise.
 */
export function webgpuChromiumArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const gpu = chromiumGpuRequested(env)
    ? ['--enable-features=Vulkan', '--use-angle=vulkan', '--use-vulkan=native', '--disable-vulkan-surface', '--ignore-gpu-blocklist']
    : ['--use-webgpu-adapter=swiftshader', '--enable-unsafe-swiftshader']
  return ['--enable-unsafe-webgpu', '--enable-webgpu-developer-features', ...gpu]
}

/** MURMUR_CHROMIUM_ARGS split on whitespace. */
const extraChromiumArgs = (env: NodeJS.ProcessEnv = process.env): string[] =>
  (env.MURMUR_CHROMIUM_ARGS ?? '').split(/\s+/).filter((a) => a !== '')

/**
 * The features playwright-core (1.65, `chromiumSwitches`) switches with its own
 * `--enable-features=` and `--disable-features=`, which come before ours. Enabled: its screenshot
 * path, and no accounts.google.com request at start-up. Disabled: among others the start-up
 * requests to Google's hosts (optimization hints, network time, search preconnects) and the
 * media router's LAN discovery.
 */
const PLAYWRIGHT_FEATURES = {
  enable: ['CDPScreenshotNewSurface', 'SkipListAccountsWithoutGaiaCookies'],
  disable: [
    'AvoidUnnecessaryBeforeUnloadCheckSync',
    'DestroyProfileOnBrowserClose',
    'HttpsUpgrades',
    'HttpsFirstBalancedModeAutoEnable',
    'LensOverlay',
    'MediaRouter',
    'PaintHolding',
    'ThirdPartyStoragePartitioning',
    'AvoidCorsURLLoaderRestartOnRedirect',
    'TcpPortRandomizationWin',
    'OptimizationHints',
    'NetworkTimeServiceQuerying',
    'AimEnabled',
    'PreconnectToSearch',
  ],
}

/**
 * One `--enable-features=` and one `--disable-features=` for all of `args` (with playwright's
 * own), each in place of the first: chromium keeps only the last occurrence of a switch, so a
 * later one would drop the others'.
 */
export function mergeFeatureSwitches(args: readonly string[]): string[] {
  let out = [...args]
  for (const kind of ['enable', 'disable'] as const) {
    const prefix = `--${kind}-features=`
    const ours = out.filter((a) => a.startsWith(prefix)).flatMap((a) => a.slice(prefix.length).split(','))
    if (ours.length === 0) continue
    const features = [...PLAYWRIGHT_FEATURES[kind], ...ours]
    const first = out.findIndex((a) => a.startsWith(prefix))
    const merged = `${prefix}${[...new Set(features.filter((f) => f !== ''))].join(',')}`
    out = out.flatMap((a, i) => (i === first ? [merged] : a.startsWith(prefix) ? [] : [a]))
  }
  return out
}

/**
 * WebRTC between tabs of one machine: host candidates with the machine's addresses rather than
 * mDNS names (resolving those would multicast on the LAN), and no STUN server (the page offers
 * none unless the join link names one). Chromium offers no loopback candidate even with
 * `--allow-loopback-in-peer-connection`; packets to the machine's own address stay in the kernel
 * (Linux routes them over `lo`).
 */
export const webrtcChromiumArgs = (): string[] => ['--disable-features=WebRtcHideLocalIpsWithMdns']

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH. .ci/run installs it.`)
  mkdirSync(ARTIFACTS, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: mergeFeatureSwitches([
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
      ...extraChromiumArgs(),
    ]),
  })
}

export const artifact = (name: string) => join(ARTIFACTS, name)

export type WebGpuAdapter =
  | { available: true; vendor: string; architecture: string; description: string; fallback: boolean }
  | { available: false; reason: string }

/**
 * The WebGPU adapter a page gets from `navigator.gpu.requestAdapter()`, the call
 * onnxruntime-web's WebGPU EP makes in the page's worker. The page must be a secure context
 * (http://127.0.0.1 is).
 */
export async function webgpuAdapterOf(page: Page): Promise<WebGpuAdapter> {
  // runs in the page (serialised by playwright): it cannot close over anything here
  return page.evaluate(async (): Promise<WebGpuAdapter> => {
    interface AdapterInfo {
      vendor: string
      architecture: string
      description: string
      isFallbackAdapter?: boolean
    }
    const g = globalThis as unknown as {
      isSecureContext: boolean
      navigator: { gpu?: { requestAdapter(): Promise<{ info: AdapterInfo } | null> } }
    }
    if (!g.isSecureContext) return { available: false, reason: 'the page is not a secure context' }
    const gpu = g.navigator.gpu
    if (!gpu) return { available: false, reason: 'navigator.gpu is undefined (chromium launched without webgpuChromiumArgs()?)' }
    try {
      const adapter = await gpu.requestAdapter()
      if (!adapter) return { available: false, reason: 'navigator.gpu.requestAdapter() returned null: no usable adapter' }
      const { vendor, architecture, description, isFallbackAdapter } = adapter.info
      return { available: true, vendor, architecture, description, fallback: isFallbackAdapter === true }
    } catch (err) {
      return { available: false, reason: `navigator.gpu.requestAdapter() threw: ${err instanceof Error ? err.message : String(err)}` }
    }
  })
}

/** One line for a report: `google swiftshader, SwiftShader Device (Subzero) (fallback adapter)` or `none (why)`. */
export function describeAdapter(a: WebGpuAdapter): string {
  if (!a.available) return `none (${a.reason})`
  const name = [a.vendor, a.architecture].filter((s) => s !== '').join(' ') || 'unnamed'
  return `${name}${a.description ? `, ${a.description}` : ''}${a.fallback ? ' (fallback adapter)' : ''}`
}
