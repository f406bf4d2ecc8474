/**
 * The swarm as separate `murmur node` processes on loopback: four peers join by manifest, one
 * is killed with SIGKILL mid-run, the other three keep closing rounds and hold the same policy
 * hash after every round; the killed one restarts from its data dir, syncs and catches up.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { localManifest, MANIFEST_FILE } from '@murmur/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devTcpAddr, freePort, ProcessGroup, until } from '../helpers/node-procs.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
const procs = new ProcessGroup()
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
  const { bytes } = await localManifest({ runDir, peers: 4, roundDurationMs: 5000 })
  mkdirSync(join(runDir, 'swarm'), { recursive: true })
  writeFileSync(join(runDir, 'swarm', MANIFEST_FILE), bytes)
})
afterAll(() => {
  procs.killAll()
  cleanup?.()
})

interface Report {
  round: number
  policyHash: string
}
const startNode = (args: string[]) => procs.start<Report>(['node', ...args])

describe('murmur node processes on loopback', () => {
  it('agree on θ every round; a SIGKILLed peer does not stall the others and resumes from disk', { timeout: 400_000 }, async () => {
    const ports = await Promise.all([0, 1, 2, 3].map(() => freePort()))
    const bootstrap = devTcpAddr(ports[0]!, 0)
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
    await until('two closed rounds on every node', () => nodes.every((n) => n.lines.length >= 2), 150_000, show)
    // what it resumes from: a checkpoint it persisted (written in the background after each round)
    const persisted = () => {
      try {
        return readdirSync(join(runDir, 'node-3', 'checkpoints')).some((d) => /^round-\d{6}$/.test(d))
      } catch {
        return false
      }
    }
    await until('a checkpoint of node 3 on disk', persisted, 60_000, show)
    await new Promise((r) => setTimeout(r, 1000))
    nodes[3]!.child.kill('SIGKILL')
    expect(await nodes[3]!.exited).toBe(null)
    const phase1 = new Promise<string>((r) => setTimeout(() => r('timeout'), 120_000).unref())
    const codes = await Promise.race([Promise.all(nodes.slice(0, 3).map((n) => n.exited)), phase1])
    expect(codes, show()).toEqual([0, 0, 0])
    for (let round = 0; round < 5; round++) {
      const hashes = nodes.slice(0, 3).map((n) => n.lines.find((r) => r.round === round)?.policyHash)
      expect(
        hashes.every((h) => h !== undefined && h === hashes[0]),
        `round ${round}: ${hashes.join(' ')}`,
      ).toBe(true)
    }
    expect(new Set(nodes[0]!.lines.map((r) => r.policyHash)).size).toBeGreaterThan(1)
    // the killed node restarts on its data dir: it resumes from its newest checkpoint
    const restarted = startNode([...args(3, 1), '--debug'])
    const again = [0, 1, 2].map((i) => startNode([...args(i, 2), '--debug']))
    const all = [restarted, ...again]
    const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 120_000).unref())
    const restartCodes = await Promise.race([Promise.all(all.map((n) => n.exited)), timeout])
    expect(restartCodes, all.map((n) => n.stderr.slice(-6000)).join('\n---\n')).toEqual([0, 0, 0, 0])
    expect(restarted.stderr).toMatch(/resuming from round \d+/)
    const last = restarted.lines.at(-1)!
    const peerReport = again[0]!.lines.find((r) => r.round === last.round)
    expect(peerReport?.policyHash).toBe(last.policyHash)
  })
})
