import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deriveSeed, hashRunManifest } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { EvidenceRequestError } from '../net/errors.js'
import type { WireRoundEvidence } from '../net/evidence-protocol.js'
import { listEvidenceRounds, readEvidenceManifest, readRoundEvidence } from './evidence.js'
import { type EvidenceSource, fetchPeerEvidence } from './peer-evidence.js'
import { syntheticManifest, syntheticRound } from './synthetic-round.js'

const validatorKeys = [1, 2, 3, 4].map((i) => deriveSeed('murmur/test/validator', i))
const manifestBytes = syntheticManifest({ chainId: 31337n, ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3', validatorKeys, quorum: 3 })
const round = (r: bigint) =>
  syntheticRound({
    manifestBytes,
    round: r,
    previousPolicyHash: new Uint8Array(32).fill(Number(r) + 1),
    contributorKeys: [1, 2].map((i) => deriveSeed('murmur/test/contributor', i)),
    signerKeys: validatorKeys.slice(0, 3),
  }).evidence
const tmp = () => mkdtempSync(join(tmpdir(), 'murmur-peer-evidence-'))
const refuse = (peer: string, reason: 'unavailable' | 'dial', detail: string) => new EvidenceRequestError({ peer, reason, detail })

/** Peers a (unreachable), b (lists 0 and 1, but fails to read round 1), c (lists 1 and 2). */
const source: EvidenceSource<string> = {
  async index(peer) {
    if (peer === 'a') throw refuse('a', 'dial', 'connection refused')
    return { manifestBytes, rounds: peer === 'b' ? [0n, 1n] : [1n, 2n] }
  },
  async round(peer, _run, r): Promise<WireRoundEvidence> {
    if (peer === 'b' && r === 1n) throw refuse('b', 'unavailable', 'a damaged file')
    return round(r)
  },
}

describe('fetchPeerEvidence', () => {
  it('takes each round from the first peer that delivers it and records who failed before', async () => {
    const dir = tmp()
    const fetched = await fetchPeerEvidence({ source, peers: ['a', 'b', 'c'], rounds: 'all', dir })
    expect(fetched.runId).toEqual(hashRunManifest(manifestBytes))
    expect(fetched.runFrom).toBe('b')
    const dial = { peer: 'a', reason: 'dial', detail: 'connection refused' }
    expect(fetched.rounds).toEqual([
      { round: 0n, from: 'b', attempts: [dial] },
      { round: 1n, from: 'c', attempts: [dial, { peer: 'b', reason: 'unavailable', detail: 'a damaged file' }] },
      { round: 2n, from: 'c', attempts: [dial, { peer: 'b', reason: 'not-found', detail: 'its index does not list round 2' }] },
    ])
    expect(await readEvidenceManifest(dir)).toEqual(manifestBytes)
    expect(await listEvidenceRounds(dir)).toEqual([0n, 1n, 2n])
    expect((await readRoundEvidence(dir, 1n)).roundResultBody).toEqual(round(1n).roundResultBody)
  })

  it('treats malformed evidence as that peer failing, and names every peer when none has an index', async () => {
    const broken: EvidenceSource<string> = {
      ...source,
      async round(peer, run, r) {
        const e = await source.round(peer, run, r)
        return peer === 'b' ? { ...e, deltas: [Uint8Array.of(1, 2, 3)] } : e
      },
    }
    const fetched = await fetchPeerEvidence({ source: broken, peers: ['b', 'c'], rounds: [0n, 1n], dir: tmp() })
    expect(fetched.rounds[0]).toMatchObject({ round: 0n, from: null, attempts: [{ peer: 'b', reason: 'protocol' }, { peer: 'c' }] })
    expect(fetched.rounds[0]!.attempts[0]!.detail).toMatch(/^its evidence is malformed: deltas\[0\] is not a signed Delta/)
    expect(fetched.rounds[1]).toMatchObject({ round: 1n, from: 'c' })
    await expect(fetchPeerEvidence({ source, peers: ['a'], rounds: 'all', dir: tmp() })).rejects.toThrowErrorMatchingInlineSnapshot(
      `[EvidenceUnavailableError: No peer delivered an evidence index (1 tried): a: dial (connection refused).]`,
    )
  })
})
