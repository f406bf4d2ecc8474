/**
 * `murmur setup cuda`: installs onnxruntime-node's CUDA execution provider, which the npm package
 * does not ship. It checks first (the installer supports this platform, an NVIDIA driver, the CUDA
 * 12 and cuDNN 9 libraries, a writable native folder, a route to the installer's feed), then runs
 * onnxruntime-node's own installer with ONNXRUNTIME_NODE_INSTALL=cuda12 and proves the result with
 * a real CUDA session. Its only network traffic goes to the host that installer downloads from (or
 * the proxy it would use), and the reachability check gives up after FEED_TIMEOUT_MS.
 */
import { execFile, spawn } from 'node:child_process'
import { Resolver } from 'node:dns/promises'
import { constants } from 'node:fs'
import { access, readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { isIP, Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { Command } from 'commander'
import type { CliIo } from '../cli.js'
import { CliError, CliUsageError } from '../errors.js'
import { ortNativeDir, selectDevice } from '../runtime/device.js'
import type { Check, CheckStatus } from './doctor.js'

/** The value of onnxruntime-node's install flag that selects the CUDA 12 EP (script/install-utils.js, parseInstallFlag). */
export const CUDA_INSTALL_FLAG = 'cuda12'
/** The environment variable the installer reads first; it wins over .npmrc's `onnxruntime-node-install=skip`. */
export const INSTALL_ENV = 'ONNXRUNTIME_NODE_INSTALL'
/** The two files the CUDA EP needs next to onnxruntime's own library (script/install-metadata.js). */
export const PROVIDER_FILES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'] as const
/** The whole feed check, DNS and TCP connect together: offline must fail fast. */
export const FEED_TIMEOUT_MS = 4000
/** CUDA 12.x needs an NVIDIA driver ≥ 525.60.13 on Linux (CUDA 12.0 release notes, table 3). */
const MIN_DRIVER: readonly [number, number, number] = [525, 60, 13]

export interface CudaLibrary {
  soname: string
  what: string
  /** Debian/Ubuntu packages that ship it, then the package in NVIDIA's CUDA apt repository. */
  apt: string
  /** NVIDIA's pip wheel and the folder under site-packages/ that holds the library. */
  pip: { wheel: string; dir: string }
}

/**
 * What ORT's CUDA 12 provider loads: cuBLAS(Lt), cuRAND and the CUDA runtime are on its link line
 * and cuDNN 9 is opened at run time (onnxruntime cmake/onnxruntime_providers_cuda.cmake).
 */
export const CUDA_LIBRARIES: readonly CudaLibrary[] = [
  {
    soname: 'libcudart.so.12',
    what: 'the CUDA 12 runtime',
    apt: 'libcudart12, or cuda-cudart-12-x from NVIDIA’s CUDA repository',
    pip: { wheel: 'nvidia-cuda-runtime-cu12', dir: 'nvidia/cuda_runtime/lib' },
  },
  {
    soname: 'libcublas.so.12',
    what: 'cuBLAS 12',
    apt: 'libcublas12, or libcublas-12-x from NVIDIA’s CUDA repository',
    pip: { wheel: 'nvidia-cublas-cu12', dir: 'nvidia/cublas/lib' },
  },
  {
    soname: 'libcublasLt.so.12',
    what: 'cuBLASLt 12',
    apt: 'libcublaslt12, or libcublas-12-x from NVIDIA’s CUDA repository',
    pip: { wheel: 'nvidia-cublas-cu12', dir: 'nvidia/cublas/lib' },
  },
  {
    soname: 'libcurand.so.10',
    what: 'cuRAND (CUDA 12)',
    apt: 'libcurand10, or libcurand-12-x from NVIDIA’s CUDA repository',
    pip: { wheel: 'nvidia-curand-cu12', dir: 'nvidia/curand/lib' },
  },
  {
    soname: 'libcudnn.so.9',
    what: 'cuDNN 9',
    apt: 'libcudnn9-cuda-12 from NVIDIA’s CUDA repository',
    pip: { wheel: 'nvidia-cudnn-cu12', dir: 'nvidia/cudnn/lib' },
  },
]

/** What onnxruntime-node's installer would do on this platform, read from its own metadata. */
export interface CudaInstaller {
  /** onnxruntime-node's version. */
  version: string
  /** script/install.js */
  script: string
  /** `platform/arch` pairs whose installer offers cuda12. */
  platforms: string[]
  /** The NuGet package and version it downloads here, and the feed index URLs it asks; absent where unsupported. */
  source?: { name: string; version: string; feeds: string[] }
}

interface InstallMetadata {
  requirements: Record<string, string[]>
  manifests: Record<string, Record<string, { package: string; path: string }>>
  packages: Record<string, { name: string; versions: { feed: string; version: string }[] }>
  feeds: Record<string, { type: string; index: string }>
}

/** Pure: the installer's CUDA offer for `platform` (e.g. "linux/x64") from script/install-metadata.js. */
export function describeInstaller(metadata: InstallMetadata, platform: string, version: string, script: string): CudaInstaller {
  const platforms = Object.keys(metadata.requirements)
    .filter((p) => metadata.requirements[p]?.includes(CUDA_INSTALL_FLAG))
    .sort()
  const manifest = metadata.manifests[`${platform}:${CUDA_INSTALL_FLAG}`]
  const pkg = manifest && metadata.packages[Object.values(manifest)[0]?.package ?? '']
  if (!platforms.includes(platform) || !pkg?.versions[0]) return { version, script, platforms }
  const feeds = [...new Set(pkg.versions.map((v) => metadata.feeds[v.feed]?.index).filter((u): u is string => !!u))]
  return { version, script, platforms, source: { name: pkg.name, version: pkg.versions[0].version, feeds } }
}

/** Reads the installed onnxruntime-node's installer metadata. @throws when the package or its script is missing. */
export async function readInstaller(platform: string): Promise<CudaInstaller> {
  const require = createRequire(import.meta.url)
  const dir = dirname(require.resolve('onnxruntime-node/package.json'))
  const { version } = require(join(dir, 'package.json')) as { version: string }
  const script = join(dir, 'script', 'install.js')
  await access(script)
  const metadata = require(join(dir, 'script', 'install-metadata.js')) as InstallMetadata
  return describeInstaller(metadata, platform, version, script)
}

/** Pure: finds each soname in `ldconfig -p` output (x86-64 entries) and in directory listings, in that order. */
export function findLibraries({
  names,
  ldconfig,
  dirs,
}: {
  names: readonly string[]
  ldconfig: string
  dirs: readonly { dir: string; entries: readonly string[] }[]
}): { name: string; path: string | null }[] {
  const cached = new Map<string, string>()
  for (const line of ldconfig.split('\n')) {
    // "\tlibcudart.so.12 (libc6,x86-64) => /usr/local/cuda/lib64/libcudart.so.12"
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(.+?)\s*$/.exec(line)
    if (m?.[2]?.includes('x86-64') && !cached.has(m[1]!)) cached.set(m[1]!, m[3]!)
  }
  return names.map((name) => {
    const inDir = dirs.find((d) => d.entries.includes(name))
    return { name, path: cached.get(name) ?? (inDir ? join(inDir.dir, name) : null) }
  })
}

/** Pure: the driver check from /proc/driver/nvidia/version's text and nvidia-smi's path (either may be absent). */
export function checkDriver({ procVersion, nvidiaSmi }: { procVersion: string | null; nvidiaSmi: string | null }): Check {
  const name = 'nvidia driver'
  if (procVersion === null && nvidiaSmi === null)
    return {
      name,
      status: 'fail',
      detail: 'none found: no nvidia-smi on PATH and no /proc/driver/nvidia/version',
      hint: 'install NVIDIA’s driver (Debian: nvidia-driver; Ubuntu: `sudo ubuntu-drivers install`) and reboot; in a container, start it with the NVIDIA Container Toolkit (`--gpus all`)',
    }
  const m = procVersion === null ? null : /Kernel Module\b.*?\s(\d+)\.(\d+)(?:\.(\d+))?\s/.exec(procVersion)
  if (!m) return { name, status: 'ok', detail: nvidiaSmi ? `nvidia-smi at ${nvidiaSmi}` : 'loaded (/proc/driver/nvidia/version)' }
  const got = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]
  const version = m.slice(1).filter(Boolean).join('.')
  const cmp = got.map((n, i) => n - MIN_DRIVER[i]!).find((d) => d !== 0) ?? 0
  return cmp < 0
    ? {
        name,
        status: 'fail',
        detail: `${version} is older than ${MIN_DRIVER.join('.')}, the oldest driver CUDA 12 runs on`,
        hint: 'update the NVIDIA driver',
      }
    : { name, status: 'ok', detail: `${version} (≥ ${MIN_DRIVER.join('.')}, CUDA 12)` }
}

/** Pure: one check per library, each missing one named with what to install. */
export function checkLibraries(found: readonly { name: string; path: string | null }[], searched: string): Check[] {
  return CUDA_LIBRARIES.map((lib) => {
    const path = found.find((f) => f.name === lib.soname)?.path ?? null
    return path
      ? { name: lib.soname, status: 'ok' as const, detail: `${lib.what} at ${path}` }
      : {
          name: lib.soname,
          status: 'fail' as const,
          detail: `${lib.what} is missing: not in ${searched}`,
          hint: `install ${lib.apt}; or \`pip install ${lib.pip.wheel}\` and add its site-packages/${lib.pip.dir} to LD_LIBRARY_PATH`,
        }
  })
}

export interface FeedEndpoint {
  host: string
  port: number
  /** The proxy URL global-agent would send the installer through, when one is set. */
  proxy?: string
}

/** Pure: where the installer's first request goes. It honours only global-agent's proxy variables (install.js). */
export function feedEndpoint(feedUrl: string, env: NodeJS.ProcessEnv): FeedEndpoint {
  const proxy = env.GLOBAL_AGENT_HTTPS_PROXY || env.GLOBAL_AGENT_HTTP_PROXY
  if (proxy) {
    const u = new URL(proxy)
    return { host: u.hostname, port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80), proxy }
  }
  const u = new URL(feedUrl)
  return { host: u.hostname, port: Number(u.port) || 443 }
}

/** Opens (and at once closes) a TCP connection; rejects with a Node error carrying `code`. */
export type Connector = (endpoint: { host: string; port: number }, timeoutMs: number) => Promise<void>

function netError(message: string, code: string): Error & { code: string } {
  return Object.assign(new Error(message), { code })
}

/**
 * DNS through c-ares (cancellable, unlike dns.lookup, whose getaddrinfo keeps the process alive
 * until the system resolver gives up), IPv4 first, then a TCP connect; all within `timeoutMs`.
 * The errors say which step failed: "DNS cannot resolve …" or "connecting to … failed".
 */
export const connectTcp: Connector = async ({ host, port }, timeoutMs) => {
  const deadline = performance.now() + timeoutMs
  let addresses = [host]
  if (!isIP(host)) {
    const resolver = new Resolver({ timeout: Math.max(1, Math.floor(timeoutMs / 2)), tries: 1 })
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        resolver.cancel()
        reject(netError(`DNS gave no answer for ${host} within ${timeoutMs} ms`, 'ETIMEDOUT'))
      }, timeoutMs)
    })
    try {
      const [v4, v6] = await Promise.race([Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]), expired])
      addresses = [v4, v6].flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
      if (addresses.length === 0) {
        const code = (v4.status === 'rejected' && (v4.reason as { code?: string }).code) || 'ENOTFOUND'
        const why = code === 'ETIMEOUT' ? 'DNS gave no answer for' : 'DNS cannot resolve'
        throw netError(`${why} ${host} (${code})`, code)
      }
    } finally {
      clearTimeout(timer)
    }
  }
  let last: Error | undefined
  for (const address of addresses.slice(0, 2)) {
    const left = Math.floor(deadline - performance.now())
    if (left <= 0) break
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = new Socket()
        const timer = setTimeout(() => {
          socket.destroy()
          reject(netError(`connecting to ${address}:${port} got no answer within ${timeoutMs} ms`, 'ETIMEDOUT'))
        }, left)
        socket.once('error', (err: Error & { code?: string }) => {
          clearTimeout(timer)
          socket.destroy()
          reject(netError(`connecting to ${address}:${port} failed (${err.code ?? err.message})`, err.code ?? 'ECONNFAILED'))
        })
        socket.connect(port, address, () => {
          clearTimeout(timer)
          socket.destroy()
          resolve()
        })
      })
      return
    } catch (err) {
      last = err as Error
    }
  }
  throw last ?? netError(`connecting to ${host}:${port} got no answer within ${timeoutMs} ms`, 'ETIMEDOUT')
}

/** Pure: the feed check from a connect attempt's outcome. */
export function checkFeed(
  endpoint: FeedEndpoint,
  outcome: { ok: true; ms: number } | { ok: false; ms: number; message: string },
  offline: { nativeDir: string; source: string },
): Check {
  const target = `${endpoint.host}:${endpoint.port}`
  const via = endpoint.proxy ? ` (the proxy in GLOBAL_AGENT_HTTPS_PROXY/GLOBAL_AGENT_HTTP_PROXY)` : ''
  if (outcome.ok) return { name: 'feed', status: 'ok', detail: `${target}${via} accepts connections (${Math.round(outcome.ms)} ms)` }
  return {
    name: 'feed',
    status: 'fail',
    detail: `no route to ${target}${via}: ${outcome.message}, after ${Math.round(outcome.ms)} ms`,
    hint:
      `this machine has no route to ${endpoint.host}, where onnxruntime-node's installer downloads ${offline.source}. ` +
      `Run \`murmur setup cuda\` on a machine with internet access, or copy ${PROVIDER_FILES.join(' and ')} ` +
      `(runtimes/linux-x64/native/ in that package, a zip) into ${offline.nativeDir}, then run \`murmur doctor\``,
  }
}

/** Everything with effects that setup touches; tests pass fakes. */
export interface SetupComponents {
  platform: string
  arch: string
  env: NodeJS.ProcessEnv
  nativeDir: () => string
  installer: (platform: string) => Promise<CudaInstaller>
  readText: (path: string) => Promise<string | null>
  listDir: (dir: string) => Promise<string[] | null>
  exists: (path: string) => Promise<boolean>
  writable: (dir: string) => Promise<boolean>
  /** `ldconfig -p`'s output, '' when ldconfig is unavailable. */
  ldconfig: () => Promise<string>
  connect: Connector
  /** Runs the installer to completion, streaming its output; resolves to its exit code. */
  runInstaller: (p: { script: string; env: NodeJS.ProcessEnv; output: (text: string) => void }) => Promise<number>
  /** A real CUDA session: null when it ran, else why not. */
  verifyCuda: () => Promise<string | null>
}

export function defaultSetupComponents(): SetupComponents {
  const run = (file: string) =>
    new Promise<string>((resolve) =>
      execFile(file, ['-p'], { timeout: 3000, maxBuffer: 16 * 1024 ** 2 }, (err, stdout) => resolve(err ? '' : stdout)),
    )
  return {
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    nativeDir: ortNativeDir,
    installer: readInstaller,
    readText: (path) => readFile(path, 'utf8').catch(() => null),
    listDir: (dir) => readdir(dir).catch(() => null),
    exists: (path) =>
      access(path).then(
        () => true,
        () => false,
      ),
    writable: (dir) =>
      access(dir, constants.W_OK).then(
        () => true,
        () => false,
      ),
    // /sbin is often not on a user's PATH
    ldconfig: async () => (await run('ldconfig')) || (await run('/sbin/ldconfig')) || (await run('/usr/sbin/ldconfig')),
    connect: connectTcp,
    runInstaller: ({ script, env, output }) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script], { cwd: dirname(dirname(script)), env, stdio: ['ignore', 'pipe', 'pipe'] })
        child.stdout.on('data', (b: Buffer) => output(b.toString()))
        child.stderr.on('data', (b: Buffer) => output(b.toString()))
        child.once('error', reject)
        child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
      }),
    verifyCuda: () =>
      selectDevice('cuda').then(
        () => null,
        (err: Error) => err.message.split('\n')[0] ?? err.message,
      ),
  }
}

/** Every preflight check, in display order; `installer` is what the verify step needs. */
export async function preflightCuda(c: SetupComponents): Promise<{ checks: Check[]; installer?: CudaInstaller }> {
  const platform = `${c.platform}/${c.arch}`
  let installer: CudaInstaller
  try {
    installer = await c.installer(platform)
  } catch (err) {
    const hint = 'reinstall with `npm ci` (onnxruntime-node and its script/ folder are missing)'
    return {
      checks: [{ name: 'platform', status: 'fail', detail: `cannot read onnxruntime-node's installer: ${(err as Error).message}`, hint }],
    }
  }
  if (!installer.source)
    return {
      installer,
      checks: [
        {
          name: 'platform',
          status: 'fail',
          detail: `${platform}: onnxruntime-node ${installer.version}'s installer offers ${CUDA_INSTALL_FLAG} only on ${installer.platforms.join(', ')}`,
          hint: 'run GPU peers on Linux x64; elsewhere use --device webgpu (bundled) or cpu',
        },
      ],
    }
  const checks: Check[] = [
    {
      name: 'platform',
      status: 'ok',
      detail: `${platform}: onnxruntime-node ${installer.version}'s installer offers ${CUDA_INSTALL_FLAG}`,
    },
  ]
  const smiDirs = (c.env.PATH ?? '').split(':').filter(Boolean)
  let nvidiaSmi: string | null = null
  for (const dir of smiDirs) if (!nvidiaSmi && (await c.exists(join(dir, 'nvidia-smi')))) nvidiaSmi = join(dir, 'nvidia-smi')
  checks.push(checkDriver({ procVersion: await c.readText('/proc/driver/nvidia/version'), nvidiaSmi }))

  const nativeDir = c.nativeDir()
  const searchDirs = [...(c.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), nativeDir]
  const dirs = []
  for (const dir of searchDirs) dirs.push({ dir, entries: (await c.listDir(dir)) ?? [] })
  const found = findLibraries({ names: CUDA_LIBRARIES.map((l) => l.soname), ldconfig: await c.ldconfig(), dirs })
  checks.push(...checkLibraries(found, `the ldconfig cache, LD_LIBRARY_PATH or ${nativeDir}`))

  checks.push(
    (await c.writable(nativeDir))
      ? { name: 'native dir', status: 'ok', detail: `${nativeDir} is writable` }
      : {
          name: 'native dir',
          status: 'fail',
          detail: `${nativeDir} is not writable (or missing)`,
          hint: 'run as the user who installed node_modules, or reinstall with `npm ci`',
        },
  )

  const { source } = installer
  let endpoint: FeedEndpoint
  try {
    endpoint = feedEndpoint(source.feeds[0] ?? 'https://api.nuget.org/v3/index.json', c.env)
  } catch (err) {
    const detail = `the installer's feed or proxy is not a URL: ${(err as Error).message}`
    checks.push({ name: 'feed', status: 'fail', detail, hint: 'fix GLOBAL_AGENT_HTTPS_PROXY / GLOBAL_AGENT_HTTP_PROXY' })
    return { checks, installer }
  }
  const started = performance.now()
  let outcome: Parameters<typeof checkFeed>[1]
  try {
    await c.connect(endpoint, FEED_TIMEOUT_MS)
    outcome = { ok: true, ms: performance.now() - started }
  } catch (err) {
    outcome = { ok: false, ms: performance.now() - started, message: err instanceof Error ? err.message : String(err) }
  }
  checks.push(checkFeed(endpoint, outcome, { nativeDir, source: `the NuGet package ${source.name} ${source.version}` }))
  return { checks, installer }
}

export interface SetupResult {
  ok: boolean
  checks: Check[]
  /** The CUDA EP's provider library is in nativeDir when the command ends. */
  installed: boolean
  nativeDir: string
}

/** Preflight, then (unless `check`) the installer and a real CUDA session. */
export async function setupCuda(
  c: SetupComponents,
  o: { check: boolean; force: boolean; output: (text: string) => void },
): Promise<SetupResult> {
  const nativeDir = c.nativeDir()
  const provider = join(nativeDir, PROVIDER_FILES[0])
  const { checks, installer } = await preflightCuda(c)
  const passed = checks.every((x) => x.status !== 'fail')
  const done = async (ok: boolean): Promise<SetupResult> => ({ ok, checks, installed: await c.exists(provider), nativeDir })
  if (o.check || (!passed && !o.force) || !installer?.source) return done(passed)

  o.output(`running ${installer.script} with ${INSTALL_ENV}=${CUDA_INSTALL_FLAG}\n`)
  const code = await c.runInstaller({
    script: installer.script,
    env: { ...c.env, [INSTALL_ENV]: CUDA_INSTALL_FLAG },
    output: o.output,
  })
  checks.push(
    code === 0
      ? { name: 'install', status: 'ok', detail: `${installer.source.name} ${installer.source.version} unpacked` }
      : {
          name: 'install',
          status: 'fail',
          detail: `onnxruntime-node's installer exited with code ${code}`,
          hint: 'its output above says why; rerun with --check to see which prerequisite is missing',
        },
  )
  if (!(await c.exists(provider))) {
    checks.push({
      name: 'cuda ep',
      status: 'fail',
      detail: `${PROVIDER_FILES[0]} is not in ${nativeDir}`,
      hint: 'the install did not finish',
    })
    return done(false)
  }
  const problem = await c.verifyCuda()
  checks.push(
    problem === null
      ? { name: 'cuda ep', status: 'ok', detail: `${PROVIDER_FILES[0]} in ${nativeDir}; a real CUDA session ran` }
      : {
          name: 'cuda ep',
          status: 'fail',
          detail: `installed, but a CUDA session failed: ${problem}`,
          hint: 'see the ✗ lines above; `murmur doctor` repeats this check',
        },
  )
  return done(checks.every((x) => x.status !== 'fail'))
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' }
const TARGETS = ['cuda'] as const

interface SetupOptions {
  json: boolean
  check: boolean
  force: boolean
}

export function setupCommand(io: CliIo, components: () => SetupComponents = defaultSetupComponents): Command {
  return new Command('setup')
    .description('install an optional execution provider: `setup cuda` checks the GPU prerequisites, then fetches the CUDA EP')
    .argument('<target>', `what to set up: ${TARGETS.join(', ')}`)
    .option('--json', 'print the result as one JSON object { ok, checks, installed, nativeDir } (installer output goes to stderr)', false)
    .option('--check', 'run the checks only; install nothing', false)
    .option('--force', 'run the installer even when a check fails', false)
    .action(async (target: string, o: SetupOptions) => {
      if (!(TARGETS as readonly string[]).includes(target))
        throw new CliUsageError(`Unknown setup target "${target}". Use one of: ${TARGETS.join(', ')}.`)
      const r = await setupCuda(components(), { check: o.check, force: o.force, output: o.json ? io.stderr : io.stdout })
      if (o.json) io.stdout(`${JSON.stringify(r)}\n`)
      else {
        const width = Math.max(...r.checks.map((c) => c.name.length))
        for (const c of r.checks) {
          io.stdout(`${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}\n`)
          if (c.hint && c.status !== 'ok') io.stdout(`  ${' '.repeat(width)}  → ${c.hint}\n`)
        }
        const installed = r.checks.some((c) => c.name === 'cuda ep' && c.status === 'ok')
        if (installed) io.stdout('CUDA EP installed: use --device cuda (or auto).\n')
        else if (o.check)
          io.stdout(r.ok ? 'Ready: `murmur setup cuda` can install the CUDA EP here.\n' : 'Not ready: fix the ✗ lines first.\n')
        else if (!r.checks.some((c) => c.name === 'install'))
          io.stdout('Nothing was installed: fix the ✗ lines (or pass --force to try anyway).\n')
      }
      if (!r.ok) throw new CliError(`setup cuda failed (see the ✗ lines).`, 1)
    })
}
