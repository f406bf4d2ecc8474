import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { runCli } from '../testing.js'
import type { Check } from './doctor.js'
import {
  type Connector,
  CUDA_LIBRARIES,
  checkDriver,
  checkLibraries,
  connectTcp,
  defaultSetupComponents,
  FEED_TIMEOUT_MS,
  feedEndpoint,
  findLibraries,
  readInstaller,
  type SetupComponents,
  setupCommand,
} from './setup.js'

const LDCONFIG = `4 libs found in cache \`/etc/ld.so.cache'
\tlibcudart.so.12 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudart.so.12
\tlibcublas.so.12 (libc6) => /usr/lib/i386-linux-gnu/libcublas.so.12
\tlibcurand.so.10 (libc6,x86-64) => /usr/local/cuda/lib64/libcurand.so.10
\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1
`
const ALL_LIBS = `${CUDA_LIBRARIES.map((l) => `\t${l.soname} (libc6,x86-64) => /usr/local/cuda/lib64/${l.soname}`).join('\n')}\n`
const PROC_VERSION = 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n'

const refuse =
  (code: string): Connector =>
  async ({ host }) => {
    throw Object.assign(new Error(`DNS cannot resolve ${host} (${code})`), { code })
  }

/** A GPU machine in miniature: driver, libraries and a temporary native folder; the network is whatever `connect` says. */
function fakeMachine(overrides: Partial<SetupComponents> = {}): SetupComponents & { installs: NodeJS.ProcessEnv[] } {
  const nativeDir = mkdtempSync(join(tmpdir(), 'murmur-ort-native-'))
  const installs: NodeJS.ProcessEnv[] = []
  const real = defaultSetupComponents()
  return {
    ...real,
    platform: 'linux',
    arch: 'x64',
    env: { PATH: '/fake/bin', LD_LIBRARY_PATH: '/fake/lib' },
    nativeDir: () => nativeDir,
    readText: async (path) => (path === '/proc/driver/nvidia/version' ? PROC_VERSION : null),
    listDir: async () => [],
    exists: async (path) => path === '/fake/bin/nvidia-smi' || real.exists(path),
    ldconfig: async () => ALL_LIBS,
    connect: async () => {},
    runInstaller: async ({ env, output }) => {
      installs.push(env)
      output('Downloading https://api.nuget.org/…\n')
      writeFileSync(join(nativeDir, 'libonnxruntime_providers_cuda.so'), '')
      return 0
    },
    verifyCuda: async () => null,
    installs,
    ...overrides,
  }
}

/** Runs `murmur setup …` on injected components; resolves to the output and the error the CLI would map to an exit code. */
async function setup(args: string[], components: SetupComponents) {
  let stdout = ''
  let stderr = ''
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) }
  const program = new Command('murmur').exitOverride()
  program.addCommand(setupCommand(io, () => components))
  for (const c of program.commands) c.exitOverride()
  const started = performance.now()
  try {
    await program.parseAsync(['node', 'murmur', 'setup', ...args])
    return { stdout, stderr, ms: performance.now() - started, error: undefined }
  } catch (err) {
    return { stdout, stderr, ms: performance.now() - started, error: err as Error & { exitCode?: number } }
  }
}

describe('murmur setup cuda', () => {
  it('finds libraries in the ldconfig cache (x86-64 entries only) and in the searched folders', () => {
    const found = findLibraries({
      names: CUDA_LIBRARIES.map((l) => l.soname),
      ldconfig: LDCONFIG,
      dirs: [
        { dir: '/opt/venv/lib/python3.12/site-packages/nvidia/cudnn/lib', entries: ['libcudnn.so.9', 'libcudnn_ops.so.9'] },
        { dir: '/empty', entries: [] },
      ],
    })
    expect(found).toEqual([
      { name: 'libcudart.so.12', path: '/usr/lib/x86_64-linux-gnu/libcudart.so.12' },
      { name: 'libcublas.so.12', path: null }, // only a 32-bit copy is cached
      { name: 'libcublasLt.so.12', path: null },
      { name: 'libcurand.so.10', path: '/usr/local/cuda/lib64/libcurand.so.10' },
      { name: 'libcudnn.so.9', path: '/opt/venv/lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn.so.9' },
    ])
    const checks = checkLibraries(found, 'the ldconfig cache')
    expect(checks.filter((c) => c.status === 'fail').map((c) => c.name)).toEqual(['libcublas.so.12', 'libcublasLt.so.12'])
    expect(checks[1]).toMatchInlineSnapshot(`
      {
        "detail": "cuBLAS 12 is missing: not in the ldconfig cache",
        "hint": "install libcublas12, or libcublas-12-x from NVIDIA’s CUDA repository; or \`pip install nvidia-cublas-cu12\` and add its site-packages/nvidia/cublas/lib to LD_LIBRARY_PATH",
        "name": "libcublas.so.12",
        "status": "fail",
      }
    `)
    expect(findLibraries({ names: ['libcudnn.so.9'], ldconfig: '', dirs: [] })).toEqual([{ name: 'libcudnn.so.9', path: null }])
  })

  it('judges the NVIDIA driver from /proc and nvidia-smi', () => {
    expect(checkDriver({ procVersion: null, nvidiaSmi: null })).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/none found/),
    })
    expect(checkDriver({ procVersion: PROC_VERSION, nvidiaSmi: null })).toMatchObject({
      status: 'ok',
      detail: '550.54.15 (≥ 525.60.13, CUDA 12)',
    })
    expect(checkDriver({ procVersion: PROC_VERSION.replace('550.54.15', '470.239.06'), nvidiaSmi: null })).toMatchObject({
      status: 'fail',
      detail: '470.239.06 is older than 525.60.13, the oldest driver CUDA 12 runs on',
    })
    expect(checkDriver({ procVersion: null, nvidiaSmi: '/usr/lib/wsl/lib/nvidia-smi' })).toMatchObject({ status: 'ok' })
    const open = 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.124.06  Release Build  (dvs-builder@U16-I3-B03-4-3)\n'
    expect(checkDriver({ procVersion: open, nvidiaSmi: null })).toMatchObject({ status: 'ok', detail: '570.124.06 (≥ 525.60.13, CUDA 12)' })
  })

  it('reads what the installed onnxruntime-node installer would fetch, and from where', async () => {
    const linux = await readInstaller('linux/x64')
    expect(linux.platforms).toEqual(['linux/x64'])
    expect(linux.source).toEqual({
      name: 'Microsoft.ML.OnnxRuntime.Gpu.Linux',
      version: linux.version,
      feeds: ['https://api.nuget.org/v3/index.json'],
    })
    expect((await readInstaller('win32/x64')).source).toBeUndefined()
    expect(feedEndpoint('https://api.nuget.org/v3/index.json', {})).toEqual({ host: 'api.nuget.org', port: 443 })
    expect(feedEndpoint('https://api.nuget.org/v3/index.json', { GLOBAL_AGENT_HTTP_PROXY: 'http://proxy.corp:3128' })).toEqual({
      host: 'proxy.corp',
      port: 3128,
      proxy: 'http://proxy.corp:3128',
    })
  })

  it('fails fast offline with exit 1, says there is no route to the feed host and how to install without it', async () => {
    const machine = fakeMachine({ connect: refuse('ENOTFOUND') })
    const r = await setup(['cuda'], machine)
    expect(r.ms).toBeLessThan(2000)
    expect(r.error?.exitCode).toBe(1)
    expect(r.error?.message).toBe('setup cuda failed (see the ✗ lines).')
    expect(machine.installs).toEqual([]) // nothing was attempted
    expect(r.stdout).toMatch(/✗ feed +no route to api\.nuget\.org:443: DNS cannot resolve api\.nuget\.org \(ENOTFOUND\)/)
    expect(r.stdout).toContain('this machine has no route to api.nuget.org')
    expect(r.stdout).toContain(`into ${machine.nativeDir()}`)
    expect(r.stdout).toContain('libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so')
    expect(r.stdout).toMatch(/Nothing was installed/)
  })

  it('fails fast on a closed port, over a real loopback socket', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    await new Promise((resolve) => server.close(resolve)) // the port is now closed
    const started = performance.now()
    await expect(connectTcp({ host: '127.0.0.1', port }, FEED_TIMEOUT_MS)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
      message: `connecting to 127.0.0.1:${port} failed (ECONNREFUSED)`,
    })
    expect(performance.now() - started).toBeLessThan(FEED_TIMEOUT_MS)
  })

  it('--json prints one object { ok, checks, installed, nativeDir } and names each missing library', async () => {
    const machine = fakeMachine({ ldconfig: async () => LDCONFIG, connect: refuse('ENOTFOUND') })
    const r = await setup(['cuda', '--json'], machine)
    expect(r.error?.exitCode).toBe(1)
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: Check[]; installed: boolean; nativeDir: string }
    expect(Object.keys(out)).toEqual(['ok', 'checks', 'installed', 'nativeDir'])
    expect(out).toMatchObject({ ok: false, installed: false, nativeDir: machine.nativeDir() })
    expect(out.checks.map((c) => `${c.status} ${c.name}`)).toEqual([
      'ok platform',
      'ok nvidia driver',
      'ok libcudart.so.12',
      'fail libcublas.so.12',
      'fail libcublasLt.so.12',
      'ok libcurand.so.10',
      'fail libcudnn.so.9',
      'ok native dir',
      'fail feed',
    ])
    for (const c of out.checks) if (c.status === 'fail') expect(c.hint).toBeTruthy()
  })

  it('runs the installer with ONNXRUNTIME_NODE_INSTALL=cuda12, then proves a CUDA session', async () => {
    const machine = fakeMachine()
    const r = await setup(['cuda'], machine)
    expect(r.error).toBeUndefined()
    expect(machine.installs.map((env) => env.ONNXRUNTIME_NODE_INSTALL)).toEqual(['cuda12'])
    expect(r.stdout).toContain('Downloading https://api.nuget.org/…') // the installer's output, streamed
    expect(r.stdout).toMatch(/✓ cuda ep +libonnxruntime_providers_cuda\.so in .*; a real CUDA session ran/)
    expect(r.stdout).toContain('CUDA EP installed: use --device cuda (or auto).')

    const json = await setup(['cuda', '--json'], fakeMachine())
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, installed: true })
    expect(json.stderr).toContain('Downloading') // installer output stays off stdout
  })

  it('--check installs nothing; --force installs despite a failed check and reports a failed verification', async () => {
    const ready = fakeMachine()
    const checked = await setup(['cuda', '--check'], ready)
    expect(checked.error).toBeUndefined()
    expect(ready.installs).toEqual([])
    expect(checked.stdout).toContain('Ready: `murmur setup cuda` can install the CUDA EP here.')

    const broken = fakeMachine({ ldconfig: async () => '', verifyCuda: async () => 'libcudnn.so.9: cannot open shared object file' })
    const forced = await setup(['cuda', '--force', '--json'], broken)
    expect(broken.installs).toHaveLength(1)
    expect(forced.error?.exitCode).toBe(1)
    const out = JSON.parse(forced.stdout) as { ok: boolean; checks: Check[]; installed: boolean }
    expect(out).toMatchObject({ ok: false, installed: true })
    expect(out.checks.at(-1)).toMatchObject({ name: 'cuda ep', status: 'fail', detail: expect.stringContaining('libcudnn.so.9') })
  })

  it('rejects an unknown target with exit 2, naming the supported one', async () => {
    const r = await runCli('setup', 'rocm')
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('murmur: Unknown setup target "rocm". Use one of: cuda.\n')
  })
})
