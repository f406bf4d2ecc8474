/**
 * The real `murmur` executable as long-running child processes (nodes, chains, swarms) for the
 * e2e tests: free loopback ports, the processes' JSON lines and stderr, and polling for a state.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { devKey } from '@murmur/node'
import { peerIdFromPublicKey, peerIdToString, publicKeyFromPrivateKey } from '@murmur/protocol'
import { murmurBin, repoRoot } from './cli.js'

/** The PeerId of development key `i` (`murmur node --dev-key i`). */
export const devPeerId = (i: number): string => peerIdToString(peerIdFromPublicKey(publicKeyFromPrivateKey(devKey(i))))

/** The TCP multiaddr of a `murmur node --dev-key i` listening on 127.0.0.1:`port`. */
export const devTcpAddr = (port: number, i: number): string => `/ip4/127.0.0.1/tcp/${port}/p2p/${devPeerId(i)}`

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

export interface MurmurProc<Line = Record<string, unknown>> {
  child: ChildProcessWithoutNullStreams
  /** JSON lines printed on stdout. */
  lines: Line[]
  stderr: string
  exited: Promise<number | null>
}

/** `murmur` processes started by one test file; `killAll` (in afterAll) SIGKILLs every one. */
export class ProcessGroup {
  private readonly children: ChildProcessWithoutNullStreams[] = []

  /** Runs `node node/bin/murmur.js ...args` from the repository root. */
  start<Line = Record<string, unknown>>(args: readonly string[], env: NodeJS.ProcessEnv = {}): MurmurProc<Line> {
    const child = spawn(process.execPath, [murmurBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.children.push(child)
    const proc: MurmurProc<Line> = { child, lines: [], stderr: '', exited: new Promise((r) => child.on('close', (code) => r(code))) }
    let buffer = ''
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString()
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        if (line.startsWith('{')) proc.lines.push(JSON.parse(line))
      }
    })
    child.stderr.on('data', (d: Buffer) => (proc.stderr += d.toString()))
    return proc
  }

  killAll(): void {
    for (const c of this.children) c.kill('SIGKILL')
  }
}

/**
 * Polls `check` every 100 ms until it returns a truthy value, and resolves with it; after
 * `timeoutMs` throws `timed out waiting for <what>`, followed by `detail()` on its own line.
 */
export async function until<T>(
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs: number,
  detail?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${detail ? `\n${detail()}` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
