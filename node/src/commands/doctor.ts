/**
 * `murmur doctor`: what this machine can do for a swarm, and what to fix. Every device is proven
 * with a real session (selectDevice), the chain with a real request; nothing is inferred from a
 * package listing. Exit 1 when something murmur needs is missing; optional things only warn.
 */
import { statfs } from 'node:fs/promises'
import { createServer } from 'node:net'
import { freemem, homedir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { JsonRpcProvider } from 'ethers'
import { probeChainId } from '../chain/rpc-probe.js'
import type { CliIo } from '../cli.js'
import { describeEnvironment } from '../environment.js'
import { type DeviceChoice, selectDevice } from '../runtime/device.js'
import { webClientDir } from '../web/serve.js'
import { intOption } from './options.js'

export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface Check {
  name: string
  status: CheckStatus
  detail: string
  /** What to do about a warning or failure. */
  hint?: string
}

interface DoctorOptions {
  rpc?: string
  ledger?: string
  port: number[]
  json: boolean
}

/** murmur's engines field: Node ≥ 20.19 (require(esm) and the APIs libp2p 3 needs, with the polyfill). */
const MIN_NODE: [number, number] = [20, 19]
const GiB = 1024 ** 3

export function checkNodeVersion(version: string): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])
  return ok
    ? { name: 'node', status: 'ok', detail: `${version} (≥ ${MIN_NODE.join('.')})` }
    : {
        name: 'node',
        status: 'fail',
        detail: `${version} is older than ${MIN_NODE.join('.')}`,
        hint: 'install Node.js 20.19 or newer (22 LTS works too)',
      }
}

export function checkDisk(path: string, freeBytes: number): Check {
  const gib = freeBytes / GiB
  const detail = `${gib.toFixed(1)} GiB free at ${path}`
  if (freeBytes < 0.2 * GiB) return { name: 'disk', status: 'fail', detail, hint: 'free some space: checkpoints and evidence need room' }
  if (freeBytes < 2 * GiB)
    return { name: 'disk', status: 'warn', detail, hint: 'a long run keeps checkpoints (newest 5) and every round’s evidence' }
  return { name: 'disk', status: 'ok', detail }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

async function deviceChecks(): Promise<Check[]> {
  const out: Check[] = []
  const purpose: Record<Exclude<DeviceChoice, 'auto'>, string> = {
    cpu: 'onnxruntime-node CPU',
    wasm: 'onnxruntime-web wasm (what browsers run)',
    webgpu: 'onnxruntime-node WebGPU EP',
    cuda: 'onnxruntime-node CUDA EP',
  }
  for (const device of ['cpu', 'wasm', 'webgpu', 'cuda'] as const) {
    try {
      await selectDevice(device)
      out.push({ name: `device ${device}`, status: 'ok', detail: `${purpose[device]}: a real session ran` })
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      out.push({
        name: `device ${device}`,
        // only the CPU is required: every peer can fall back to it
        status: device === 'cpu' ? 'fail' : 'warn',
        detail: `${purpose[device]}: unavailable`,
        hint: message.split('\n')[0],
      })
    }
  }
  return out
}

async function chainChecks(rpc: string | undefined, ledger: string | undefined): Promise<Check[]> {
  if (!rpc) return [{ name: 'chain', status: 'ok', detail: 'not checked (give --rpc URL [--ledger ADDRESS])' }]
  let chainId: bigint
  try {
    chainId = await probeChainId(rpc, 5000)
  } catch (err) {
    return [{ name: 'chain', status: 'fail', detail: `${rpc} unreachable`, hint: (err as Error).message }]
  }
  const out: Check[] = [{ name: 'chain', status: 'ok', detail: `${rpc} answers, chain id ${chainId}` }]
  if (ledger) {
    const provider = new JsonRpcProvider(rpc, Number(chainId), { staticNetwork: true, batchMaxCount: 1 })
    try {
      const code = await provider.getCode(ledger)
      out.push(
        code === '0x'
          ? {
              name: 'ledger',
              status: 'fail',
              detail: `no contract at ${ledger} on chain ${chainId}`,
              hint: 'check --ledger, or deploy one with `murmur chain`',
            }
          : { name: 'ledger', status: 'ok', detail: `contract at ${ledger} (${(code.length - 2) / 2} bytes)` },
      )
    } catch (err) {
      out.push({ name: 'ledger', status: 'fail', detail: `cannot read ${ledger}`, hint: (err as Error).message.slice(0, 200) })
    } finally {
      provider.destroy()
    }
  }
  return out
}

/** Every check, in display order. */
export async function runDoctor(o: Pick<DoctorOptions, 'rpc' | 'ledger' | 'port'>): Promise<Check[]> {
  const env = await describeEnvironment()
  const checks: Check[] = [checkNodeVersion(env.node)]
  checks.push({
    name: 'machine',
    status: 'ok',
    detail: `${env.platform}/${env.arch}, ${env.cpus} cores, ${(freemem() / GiB).toFixed(1)} of ${(totalmem() / GiB).toFixed(1)} GiB memory free`,
  })
  checks.push({ name: 'onnxruntime', status: 'ok', detail: `onnxruntime-node ${env.ort.version}: ${env.ort.backends.join(', ')} bundled` })
  checks.push(...(await deviceChecks()))
  try {
    checks.push({ name: 'web client', status: 'ok', detail: `built at ${await webClientDir()}` })
  } catch (err) {
    checks.push({
      name: 'web client',
      status: 'warn',
      detail: 'not built: `murmur up` and `--serve-web` cannot serve it',
      hint: (err as Error).message,
    })
  }
  checks.push(...(await chainChecks(o.rpc, o.ledger)))
  for (const port of o.port) {
    checks.push(
      (await portFree(port))
        ? { name: `port ${port}`, status: 'ok', detail: 'free on 127.0.0.1' }
        : {
            name: `port ${port}`,
            status: 'warn',
            detail: 'in use on 127.0.0.1',
            hint: 'pick another with the command’s port flag (0 = any free port)',
          },
    )
  }
  const home = process.env.MURMUR_HOME ?? join(homedir(), '.murmur')
  let at = home
  for (;;) {
    try {
      const s = await statfs(at)
      checks.push(checkDisk(at, s.bavail * s.bsize))
      break
    } catch {
      if (dirname(at) === at) break
      at = dirname(at)
    }
  }
  return checks
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' }

export function doctorCommand(io: CliIo): Command {
  const ports = (v: string, prev: number[]) => {
    const n = intOption('--port', 0, 65_535)(v)
    if (n === 0) throw new InvalidArgumentError('give a port number, not 0')
    return [...(prev === DEFAULT_PORTS ? [] : prev), n]
  }
  const DEFAULT_PORTS = [8400, 8545]
  return new Command('doctor')
    .description('check this machine: Node, execution providers (real sessions), the web client, a chain, ports, disk')
    .option('--rpc <url>', 'also check this JSON-RPC endpoint')
    .option('--ledger <address>', 'and that the ledger contract is there (with --rpc)')
    .option('--port <port>', 'check that a port is free on 127.0.0.1 (repeatable; default 8400 and 8545)', ports, DEFAULT_PORTS)
    .option('--json', 'print the checks as one JSON object', false)
    .action(async (o: DoctorOptions) => {
      const checks = await runDoctor(o)
      const ok = checks.every((c) => c.status !== 'fail')
      if (o.json) io.stdout(`${JSON.stringify({ ok, checks })}\n`)
      else {
        const width = Math.max(...checks.map((c) => c.name.length))
        for (const c of checks) {
          io.stdout(`${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}\n`)
          if (c.hint && c.status !== 'ok') io.stdout(`  ${' '.repeat(width)}  → ${c.hint}\n`)
        }
        io.stdout(ok ? 'murmur can run here.\n' : 'murmur cannot run here until the ✗ lines are fixed.\n')
      }
      if (!ok) throw Object.assign(new Error('murmur doctor found a problem (see the ✗ lines).'), { exitCode: 1 })
    })
}
