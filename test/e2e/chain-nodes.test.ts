/**
 * The ledger across processes: `murmur chain --data-dir` runs as its own process, three
 * `murmur node --rpc --ledger` processes (development keys, all validators) train a few rounds
 * and commit every agreed round on chain; the chain restarts from its data dir and still holds them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LedgerClient, localManifest, MANIFEST_FILE } from '@murmur/node'
import { decodeRunManifest, fromHex, toChecksumAddress, toHex0x } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devTcpAddr, freePort, type MurmurProc, ProcessGroup, until } from '../helpers/node-procs.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
const procs = new ProcessGroup()
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
})
afterAll(() => {
  procs.killAll()
  cleanup?.()
})

/** Starts `murmur chain` on a free port and resolves with its JSON line. */
async function startChain(dataDir?: string): Promise<{ proc: MurmurProc; rpcUrl: string; ledger: string }> {
  const proc = procs.start(['chain', '--port', '0', '--dev-keys', '3', ...(dataDir ? ['--data-dir', dataDir] : []), '--json'])
  await until(
    'the chain',
    () => proc.lines.length > 0,
    60_000,
    () => proc.stderr,
  )
  const { rpcUrl, ledger } = proc.lines[0] as { rpcUrl: string; ledger: string }
  return { proc, rpcUrl, ledger }
}

describe('murmur node processes with a murmur chain process', () => {
  it('commit every agreed round to the ledger, which keeps them across a chain restart', { timeout: 400_000 }, async () => {
    const chainDir = join(runDir, 'chain')
    const chain = await startChain(chainDir)
    const { bytes: manifest } = await localManifest({
      runDir,
      peers: 3,
      roundDurationMs: 5000,
      settings: { chainId: 31337n, ledger: fromHex(chain.ledger) },
    })
    mkdirSync(join(runDir, 'swarm'), { recursive: true })
    writeFileSync(join(runDir, 'swarm', MANIFEST_FILE), manifest)

    const ports = await Promise.all([0, 1, 2].map(() => freePort()))
    const bootstrap = devTcpAddr(ports[0]!, 0)
    const ROUNDS = 3
    const nodes = [0, 1, 2].map((i) =>
      procs.start([
        'node',
        '--run',
        runDir,
        '--dev-key',
        String(i),
        '--data-dir',
        join(runDir, `node-${i}`),
        '--listen',
        `/ip4/127.0.0.1/tcp/${ports[i]}`,
        ...(i === 0 ? ['--min-peers', '2'] : ['--bootstrap', bootstrap]),
        // one node finds the chain by its data dir, the others by URL and address
        ...(i === 0 ? ['--chain', chainDir] : ['--rpc', chain.rpcUrl, '--ledger', chain.ledger]),
        '--rounds',
        String(ROUNDS),
        '--json',
      ]),
    )
    const show = () =>
      [chain.proc, ...nodes].map((n, i) => `--- ${i === 0 ? 'chain' : `node ${i - 1}`}\n${n.stderr.slice(-5000)}`).join('\n')
    const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 240_000).unref())
    const codes = await Promise.race([Promise.all(nodes.map((n) => n.exited)), timeout])
    expect(codes, show()).toEqual([0, 0, 0])
    // the validator that found the run missing first registered it; the others found it there
    expect(
      nodes.filter((n) => /\bregistered run 0x[0-9a-f]{16}… on ledger/.test(n.stderr)),
      show(),
    ).toHaveLength(1)
    for (const n of nodes) expect(n.stderr).toMatch(new RegExp(`ledger ${chain.ledger}: [3-9] round\\(s\\) committed`))

    // every round the nodes closed is on chain, with the policy they agreed on
    const reader = await LedgerClient.connect({ rpcUrl: chain.rpcUrl, ledger: chain.ledger, chainId: 31337n, manifest })
    const last = await reader.lastCommittedRound()
    expect(last, show()).not.toBeNull()
    expect(last!).toBeGreaterThanOrEqual(BigInt(ROUNDS - 1))
    for (let round = 0; round < ROUNDS; round++) {
      const agreed = nodes[0]!.lines.find((l) => l.round === round)?.policyHash
      expect(toHex0x((await reader.roundOf(BigInt(round)))!.policyHash), `round ${round}`).toBe(agreed)
    }
    reader.close()

    // the chain stops and comes back from its data dir with the same ledger and rounds
    chain.proc.child.kill('SIGTERM')
    expect(await chain.proc.exited).toBe(0)
    const again = await startChain(chainDir)
    expect(again.ledger).toBe(chain.ledger)
    expect(again.proc.stderr).toMatch(/restored the chain from .*: \d+ journaled writes replayed/)
    const after = await LedgerClient.connect({ rpcUrl: again.rpcUrl, ledger: again.ledger, chainId: 31337n, manifest })
    expect(await after.lastCommittedRound()).toBe(last)
    after.close()
    again.proc.child.kill('SIGTERM')
    expect(await again.proc.exited).toBe(0)
  })

  it('murmur swarm --rpc --ledger writes a manifest naming the ledger and commits its rounds', { timeout: 300_000 }, async () => {
    const chain = await startChain()
    const dataDir = join(runDir, 'swarm-on-ledger')
    const run = procs.start([
      'swarm',
      runDir,
      '--peers',
      '2',
      '--rounds',
      '2',
      '--round-ms',
      '4000',
      '--eval-every',
      '0',
      '--data-dir',
      dataDir,
      '--rpc',
      chain.rpcUrl,
      '--ledger',
      chain.ledger,
      '--json',
    ])
    const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 200_000).unref())
    expect(await Promise.race([run.exited, timeout]), `${run.stderr}\n--- chain\n${chain.proc.stderr}`).toBe(0)
    expect(run.lines).toHaveLength(2)
    expect(run.stderr).toContain(`ledger ${chain.ledger}: 2 round(s) committed\n`)
    const manifest = new Uint8Array(readFileSync(join(dataDir, MANIFEST_FILE)))
    expect(toChecksumAddress(decodeRunManifest(manifest).ledger)).toBe(chain.ledger)
    const reader = await LedgerClient.connect({ rpcUrl: chain.rpcUrl, ledger: chain.ledger, chainId: 31337n, manifest })
    expect(await reader.lastCommittedRound()).toBe(1n)
    reader.close()
    chain.proc.child.kill('SIGTERM')
    expect(await chain.proc.exited).toBe(0)
  })
})
