/**
 * Auditing a live swarm over libp2p: a swarm of three validators on a real local EVM commits a
 * few rounds, and `murmur audit --from-peers` fetches the evidence from the running peers over
 * /murmur/evidence/1 and re-derives every leaf against the chain. A peer that serves altered
 * bytes fails the audit, naming the contributor and field.
 */
import { join } from 'node:path'
import {
  createMurmurHost,
  devKey,
  directoryEvidenceArchive,
  EVIDENCE_DIR,
  type EvidenceArchive,
  evidenceService,
  LedgerClient,
  listEvidenceRounds,
  type MurmurHost,
  nodeRuntime,
  run,
  startLocalSwarm,
} from '@murmur/node'
import {
  addressFromPrivateKey,
  decodeRoundResult,
  decodeScoredGroup,
  decodeSignedMessage,
  deriveSeed,
  toChecksumAddress,
} from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalLedger, localLedger, swarmLedgerOptions } from '../helpers/local-ledger.js'
import { toySwarmRun } from '../helpers/swarm-run.js'

let runDir: string
let cleanup: () => void
let chain: LocalLedger
beforeAll(async () => {
  ;({ dir: runDir, cleanup } = await toySwarmRun())
  chain = await localLedger([0, 1, 2].map(devKey))
})
afterAll(async () => {
  await chain?.stop()
  cleanup?.()
})

async function audit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) }
  const code = await run(['node', 'murmur', 'audit', ...args, '--rpc', chain.rpcUrl, '--ledger', chain.ledger, '--json'], io)
  return { code, stdout, stderr }
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!)

/** A host serving `archive` over /murmur/evidence/1, as a validator would (but lying, in the test). */
async function servingHost(archive: EvidenceArchive): Promise<MurmurHost> {
  const host = await createMurmurHost({
    privateKey: deriveSeed('murmur/test/swarm-evidence/liar'),
    runId: new Uint8Array(32).fill(1),
    validate: () => ({ ok: true }),
    transports: ['tcp'],
    discovery: false,
  })
  await evidenceService()({
    archive,
    logger: host.libp2p.logger,
    handle: (p, h, o) => host.libp2p.handle(p, h, o),
    unhandle: (p) => host.libp2p.unhandle(p),
  }).start()
  return host
}

describe('murmur audit --from-peers against a running swarm', () => {
  it('fetches committed rounds from the validators over libp2p and finds every leaf on chain', async () => {
    const runtime = await nodeRuntime('cpu')
    const dataDir = join(runDir, 'swarm-evidence')
    // three validators and a worker that inflates a reward in every group it signs: the
    // validators list it as an offender (a fraud proof the archive keeps), and it has no leaf
    const swarm = await startLocalSwarm({
      runDir,
      peers: 4,
      validators: 3,
      runtime,
      dataDir,
      roundDurationMs: 5000,
      faults: (i) => (i === 3 ? { wrongReward: true } : undefined),
      ...swarmLedgerOptions(chain),
    })
    const forger = toChecksumAddress(addressFromPrivateKey(devKey(3)))
    let liar: MurmurHost | undefined
    let hider: MurmurHost | undefined
    try {
      const lines = []
      for await (const line of swarm.rounds) {
        lines.push(line)
        if (lines.length >= 3) break
      }
      // rounds 0 and 1 on chain, and in peer 0's archive (written in the background)
      const reader = await LedgerClient.connect({ rpcUrl: chain.rpcUrl, ledger: chain.ledger, manifest: swarm.run.manifestBytes })
      const archive = join(dataDir, 'peer-0', EVIDENCE_DIR)
      const deadline = Date.now() + 30_000
      let kept: bigint[] = []
      while (Date.now() < deadline) {
        kept = await listEvidenceRounds(archive)
        if (((await reader.lastCommittedRound()) ?? -1n) >= 1n && kept.includes(0n) && kept.includes(1n)) break
        await new Promise((r) => setTimeout(r, 250))
      }
      reader.close()
      expect(kept).toEqual(expect.arrayContaining([0n, 1n]))

      // the swarm keeps running while it is audited: peer 0 first, peer 1 if peer 0 fails
      const peers = [0, 1].map((i) => swarm.peers[i]!.multiaddrs().find((a) => !a.includes('/ws'))!)
      const r = await audit('--from-peers', ...peers, '--round', '0')
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const report = lastJson(r.stdout)
      expect(report).toMatchObject({ ok: true, problems: [], fetched: [{ round: 0, from: peers[0], attempts: [] }] })
      expect(report.rounds[0]).toMatchObject({ round: 0, ok: true, committed: true })
      expect(report.rounds[0].signers).toBeGreaterThanOrEqual(2)
      const one = lastJson((await audit('--from-peers', ...peers, '--round', '1')).stdout)
      expect(one).toMatchObject({ ok: true, rounds: [{ round: 1, ok: true, committed: true }] })

      // the forger's offense: proven by the archived group, so the round audits clean ...
      const honest = directoryEvidenceArchive(archive)
      let offended: bigint | undefined
      for (const round of kept) {
        const e = await honest.round(round)
        if (offended === undefined && e && decodeRoundResult(e.roundResultBody).offenses.length > 0) offended = round
      }
      expect(offended, 'a kept round that lists an offense').toBeDefined()
      const proved = lastJson((await audit('--from-peers', ...peers, '--round', String(offended))).stdout)
      expect(proved.ok).toBe(true)
      expect(proved.rounds[0].offenses).toContainEqual(expect.objectContaining({ kind: 'reward-mismatch', offender: forger, proven: true }))
      expect(proved.contributors.map((c: { address: string }) => c.address)).not.toContain(forger)
      // ... and an archive without the proof does not back the validators' word: the audit fails by name
      hider = await servingHost({
        ...honest,
        async round(round) {
          const e = await honest.round(round)
          return e && { ...e, offenses: [] }
        },
      })
      const hidden = await audit('--from-peers', hider.multiaddrs()[0]!.toString(), '--round', String(offended))
      expect(hidden.code).toBe(1)
      expect(lastJson(hidden.stdout).problems).toContainEqual(expect.objectContaining({ field: 'offenses', contributor: forger }))

      // a peer serving peer 0's archive with one group's bytes altered: the audit fails, by name
      const altered = { author: '' }
      liar = await servingHost({
        ...honest,
        async round(round) {
          const e = await honest.round(round)
          if (!e || e.groups.length === 0) return e
          const [first, ...rest] = e.groups
          const bad = first!.slice()
          bad[bad.length - 70]! ^= 1
          altered.author = toChecksumAddress(decodeScoredGroup(decodeSignedMessage(first!).body).author)
          return { ...e, groups: [bad, ...rest] }
        },
      })
      let target: bigint | undefined
      for (const round of kept) if (target === undefined && ((await honest.round(round))?.groups.length ?? 0) > 0) target = round
      expect(target, 'a kept round whose deltas trained on groups').toBeDefined()
      if (target !== undefined) {
        const lying = await audit('--from-peers', liar.multiaddrs()[0]!.toString(), ...peers, '--round', String(target))
        expect(lying.code).toBe(1)
        const bad = lastJson(lying.stdout)
        expect(bad.ok).toBe(false)
        expect(bad.fetched[0].from).toBe(liar.multiaddrs()[0]!.toString())
        // the delta that trained on the group finds it missing; the group's author loses its credit
        const problems: { field: string; contributor: string | null }[] = bad.problems
        expect(problems.find((p) => p.field === 'groups')?.contributor).toMatch(/^0x[0-9a-fA-F]{40}$/)
        expect(problems.filter((p) => p.contributor === altered.author).map((p) => p.field)).toContain('credit')
      }
    } finally {
      await liar?.stop()
      await hider?.stop()
      await swarm.stop()
    }
  })
})
