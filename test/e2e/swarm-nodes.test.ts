/**
 * The swarm as separate `murmur node` processes on loopback: four peers join by manifest, one
 * is killed with SIGKILL mid-run, the other three keep closing rounds and hold the same policy
 * hash after every round; the killed one restarts from its data dir, syncs and catches up.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { devKey, localManifest, MANIFEST_FILE } from '@murmur/node'
import { peerIdFromPublicKey, peerIdToString, publicKeyFromPrivateKey } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { murmurBin, repoRoot } from '../helpers/cli.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
const children: ChildProcessWithoutNullStreams[] = []
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
  const { bytes } = await localManifest({ runDir, peers: 4, roundDurationMs: 5000 })
  mkdirSync(join(runDir, 'swarm'), { recursive: true })
  writeFileSync(join(runDir, 'swarm', MANIFEST_FILE), bytes)
})
afterAll(() => {
  for (const c of children) c.kill('SIGKILL')
  cleanup?.()
})

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

interface NodeProc {
  child: ChildProcessWithoutNullStreams
  reports: { round: number; policyHash: string }[]
  stderr: string
  exited: Promise<number | null>
}

function startNode(args: string[]): NodeProc {
  const child = spawn(process.execPath, [murmurBin, 'node', ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  const proc: NodeProc = { child, reports: [], stderr: '', exited: new Promise((r) => child.on('close', (code) => r(code))) }
  let buffer = ''
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString()
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      if (line.startsWith('{')) proc.reports.push(JSON.parse(line))
    }
  })
  child.stderr.on('data', (d: Buffer) => (proc.stderr += d.toString()))
  return proc
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('murmur node processes on loopback', () => {
  it('agree on θ every round; a SIGKILLed peer does not stall the others and resumes from disk', { timeout: 400_000 }, async () => {
    const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()))
    const bootstrap = `/ip4/127.0.0.1/tcp/${ports[0]}/p2p/${peerIdToString(peerIdFromPublicKey(publicKeyFromPrivateKey(devKey(0))))}`
    const args = (i: number, rounds: number) => [
      '--run',
      runDir,
      '--dev-key',
      String(i),
      '--data-dir',
      join(runDir, `node-${i}`),
      '--listen',
      `/ip4/127.0.0.1/tcp/${ports[i]}`,
      ...(i === 0 ? [] : ['--bootstrap', bootstrap]),
      '--rounds',
      String(rounds),
      '--min-peers',
      i === 0 && rounds === 5 ? '3' : '0',
      '--json',
    ]
    const nodes = [0, 1, 2, 3].map((i) => startNode([...args(i, 5), '--debug']))
    const show = () => nodes.map((n, i) => `--- node ${i}\n${n.stderr.slice(-5000)}`).join('\n')
    // after two rounds everywhere, node 3 dies mid-round
    await until('two closed rounds on every node', () => nodes.every((n) => n.reports.length >= 2), 150_000).catch((err) => {
      throw new Error(`${(err as Error).message}\n${show()}`)
    })
    await new Promise((r) => setTimeout(r, 2000))
    nodes[3]!.child.kill('SIGKILL')
    expect(await nodes[3]!.exited).toBe(null)
    const phase1 = new Promise<string>((r) => setTimeout(() => r('timeout'), 120_000).unref())
    const codes = await Promise.race([Promise.all(nodes.slice(0, 3).map((n) => n.exited)), phase1])
    expect(codes, show()).toEqual([0, 0, 0])
    for (let round = 0; round < 5; round++) {
      const hashes = nodes.slice(0, 3).map((n) => n.reports.find((r) => r.round === round)?.policyHash)
      expect(
        hashes.every((h) => h !== undefined && h === hashes[0]),
        `round ${round}: ${hashes.join(' ')}`,
      ).toBe(true)
    }
    expect(new Set(nodes[0]!.reports.map((r) => r.policyHash)).size).toBeGreaterThan(1)
    // the killed node restarts on its data dir: it resumes from its newest checkpoint
    const restarted = startNode([...args(3, 1), '--debug'])
    const again = [0, 1, 2].map((i) => startNode([...args(i, 2), '--debug']))
    const all = [restarted, ...again]
    const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 120_000).unref())
    const restartCodes = await Promise.race([Promise.all(all.map((n) => n.exited)), timeout])
    expect(restartCodes, all.map((n) => n.stderr.slice(-6000)).join('\n---\n')).toEqual([0, 0, 0, 0])
    expect(restarted.stderr).toMatch(/resuming from round \d+/)
    const last = restarted.reports.at(-1)!
    const peerReport = again[0]!.reports.find((r) => r.round === last.round)
    expect(peerReport?.policyHash).toBe(last.policyHash)
  })
})
