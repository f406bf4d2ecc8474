import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { deriveSeed, hashRunManifest } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EvidenceFormatError } from '../chain/errors.js'
import { directoryEvidenceArchive, type EvidenceArchive, writeRoundEvidence } from '../chain/evidence.js'
import { syntheticManifest, syntheticRound } from '../chain/synthetic-round.js'
import { EvidenceClient } from './evidence-client.js'
import {
  decodeEvidenceIndex,
  decodeRoundEvidenceWire,
  EVIDENCE_PROTOCOL,
  EVIDENCE_STATUS,
  encodeEvidenceRequest,
  MAX_EVIDENCE_REASON_BYTES,
} from './evidence-protocol.js'
import { EvidenceService, evidenceService } from './evidence-service.js'
import { readFramed } from './framed-stream.js'
import { createMurmurHost, type MurmurHost } from './host.js'

const validatorKeys = [1, 2, 3, 4].map((i) => deriveSeed('murmur/test/validator', i))
const manifestBytes = syntheticManifest({ chainId: 31337n, ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3', validatorKeys, quorum: 3 })
const runId = hashRunManifest(manifestBytes)
const otherRun = new Uint8Array(32).fill(3)
const round = (r: bigint) =>
  syntheticRound({
    manifestBytes,
    round: r,
    previousPolicyHash: new Uint8Array(32).fill(Number(r) + 1),
    contributorKeys: [1, 2, 3].map((i) => deriveSeed('murmur/test/contributor', i)),
    signerKeys: validatorKeys.slice(0, 3),
  }).evidence

const logger = { forComponent: () => Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) }
const offline = (archive: EvidenceArchive, init = {}) =>
  new EvidenceService({ archive, logger: logger as never, handle: async () => {}, unhandle: async () => {} }, init)
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

let dir: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-evidence-service-'))
  await writeRoundEvidence(dir, round(2n))
  await writeRoundEvidence(dir, round(3n))
})

describe('EvidenceService.answer', () => {
  it('answers the index and a round from the archive', async () => {
    const service = offline(directoryEvidenceArchive(dir))
    const index = await service.answer(encodeEvidenceRequest({ kind: 'index', run: new Uint8Array(32) }))
    expect(index.status).toBe(EVIDENCE_STATUS.ok)
    expect(decodeEvidenceIndex(index.bytes)).toEqual({ manifestBytes, rounds: [2n, 3n] })
    const r3 = await service.answer(encodeEvidenceRequest({ kind: 'round', run: runId, round: 3n }))
    expect(r3.status).toBe(EVIDENCE_STATUS.ok)
    expect(decodeRoundEvidenceWire(r3.bytes).roundResultBody).toEqual(round(3n).roundResultBody)
  })

  it('refuses malformed, oversized, other-run and unknown-round requests with a reason', async () => {
    const service = offline(directoryEvidenceArchive(dir))
    const answer = async (bytes: Uint8Array | null) => {
      const a = await service.answer(bytes)
      return [a.status, text(a.bytes)]
    }
    expect(await answer(Uint8Array.of(1, 9))).toEqual([
      EVIDENCE_STATUS.badRequest,
      'Cannot decode EvidenceRequest: field "kind" at byte 1 is 9, outside [0, 1].',
    ])
    expect(await answer(null)).toEqual([EVIDENCE_STATUS.badRequest, 'A request is at most 42 bytes (MAX_EVIDENCE_REQUEST_BYTES).'])
    expect(await answer(encodeEvidenceRequest({ kind: 'round', run: otherRun, round: 2n }))).toEqual([
      EVIDENCE_STATUS.otherRun,
      `This peer keeps the evidence of run 0x${Buffer.from(runId).toString('hex')}, not of run 0x${'03'.repeat(32)}.`,
    ])
    expect(await answer(encodeEvidenceRequest({ kind: 'round', run: runId, round: 9n }))).toEqual([
      EVIDENCE_STATUS.notFound,
      'This peer keeps no evidence of round 9 (rounds kept: 2, from 2 to 3).',
    ])
    const empty = offline(directoryEvidenceArchive(join(dir, 'nothing-here')))
    const none = await empty.answer(encodeEvidenceRequest({ kind: 'index', run: runId }))
    expect([none.status, text(none.bytes)]).toEqual([EVIDENCE_STATUS.notFound, 'This peer keeps no evidence yet.'])
    const small = offline(directoryEvidenceArchive(dir), { maxResponseBytes: 1000 })
    const big = await small.answer(encodeEvidenceRequest({ kind: 'round', run: runId, round: 2n }))
    expect(big.status).toBe(EVIDENCE_STATUS.tooLarge)
    expect(text(big.bytes)).toMatch(/^Round 2's evidence (is \d+ bytes; this peer serves at most 1000\.|does not fit a response: .*)$/)
  })

  it('reports a damaged archive as unavailable, with a reason no longer than the limit', async () => {
    const damaged: EvidenceArchive = {
      ...directoryEvidenceArchive(dir),
      round: async () => {
        throw new EvidenceFormatError(`groups/${'ab'.repeat(32)}.bin holds a ScoredGroup whose id differs ${'!'.repeat(2000)}`)
      },
    }
    const a = await offline(damaged).answer(encodeEvidenceRequest({ kind: 'round', run: runId, round: 2n }))
    expect(a.status).toBe(EVIDENCE_STATUS.unavailable)
    expect(a.bytes.length).toBe(MAX_EVIDENCE_REASON_BYTES)
    expect(text(a.bytes)).toMatch(/^This peer cannot read its evidence archive: groups\/[0-9a-f]{64}\.bin holds a ScoredGroup/)
  })
})

describe('/murmur/evidence/1 over loopback', () => {
  const hosts: MurmurHost[] = []
  let server: MurmurHost
  let client: EvidenceClient
  const startHost = async (label: string) => {
    const h = await createMurmurHost({
      privateKey: deriveSeed('murmur/test/evidence/key', label),
      runId,
      validate: () => ({ ok: true }),
      transports: ['tcp'],
      discovery: false,
    })
    hosts.push(h)
    return h
  }
  const serve = async (host: MurmurHost, archive: EvidenceArchive) => {
    const s = evidenceService()({
      archive,
      logger: host.libp2p.logger,
      handle: (p, h, o) => host.libp2p.handle(p, h, o),
      unhandle: (p) => host.libp2p.unhandle(p),
    })
    await s.start()
    return s
  }
  /** Sends raw bytes as a request and reads the status and frame. */
  const raw = async (from: Libp2p, to: PeerId, bytes: Uint8Array) => {
    const stream = await from.dialProtocol(to, EVIDENCE_PROTOCOL)
    stream.send(bytes)
    await stream.close()
    const { status, bytes: frame } = await readFramed(stream, () => 4096)
    return [status, text(frame!)]
  }

  beforeAll(async () => {
    server = await startHost('server')
    await serve(server, directoryEvidenceArchive(dir))
    client = await EvidenceClient.start({ timeoutMs: 5000 })
  })
  afterAll(async () => {
    await client?.stop()
    await Promise.all(hosts.map((h) => h.stop()))
  })

  it('serves the index and rounds to an EvidenceClient', async () => {
    const addr = server.multiaddrs()[0]!
    const index = await client.index(addr)
    expect(index.rounds).toEqual([2n, 3n])
    expect(Uint8Array.from(index.manifestBytes)).toEqual(manifestBytes)
    const r2 = await client.round(addr, runId, 2n)
    expect(Uint8Array.from(r2.roundResultBody)).toEqual(round(2n).roundResultBody)
    expect(r2.deltas.length).toBe(round(2n).deltas.length)
    await expect(client.round(addr, runId, 8n)).rejects.toMatchObject({
      name: 'EvidenceRequestError',
      reason: 'not-found',
      message: `Evidence request to ${addr} failed: not-found (This peer keeps no evidence of round 8 (rounds kept: 2, from 2 to 3).).`,
    })
    await expect(client.index(addr, otherRun)).rejects.toMatchObject({ reason: 'other-run' })
  })

  it('answers junk with badRequest and a reason, and keeps serving', async () => {
    const asker = await startHost('asker')
    await asker.dial(server.multiaddrs()[0]!)
    expect(await raw(asker.libp2p, server.peerId, Uint8Array.of(7))).toEqual([
      EVIDENCE_STATUS.badRequest,
      'Cannot decode EvidenceRequest: field "version" at byte 0 is 7, outside [1, 1].',
    ])
    expect(await raw(asker.libp2p, server.peerId, new Uint8Array(1000))).toEqual([
      EVIDENCE_STATUS.badRequest,
      'A request is at most 42 bytes (MAX_EVIDENCE_REQUEST_BYTES).',
    ])
    expect((await client.index(server.multiaddrs()[0]!)).rounds).toEqual([2n, 3n])
  })

  it('gives up on a peer that never answers, and on an answer over the size limit', async () => {
    const silent = await startHost('silent')
    await silent.libp2p.handle(EVIDENCE_PROTOCOL, () => new Promise<void>(() => {}))
    const quick = await EvidenceClient.start({ timeoutMs: 500 })
    const small = await EvidenceClient.start({ maxBytes: 1000 })
    try {
      await expect(quick.index(silent.multiaddrs()[0]!)).rejects.toMatchObject({
        reason: 'timeout',
        message: expect.stringMatching(/failed: timeout \(no complete answer within 500 ms\)\.$/),
      })
      await expect(small.round(server.multiaddrs()[0]!, runId, 2n)).rejects.toMatchObject({
        reason: 'too-large',
        message: expect.stringMatching(/the peer offers more than the 1000 bytes accepted/),
      })
      await expect(quick.index(EvidenceClient.peerAddress('/ip4/127.0.0.1/tcp/9'))).rejects.toMatchObject({ reason: 'dial' })
    } finally {
      await quick.stop()
      await small.stop()
    }
    expect(() => EvidenceClient.peerAddress('not-an-address')).toThrowErrorMatchingInlineSnapshot(
      `[NetError: "not-an-address" is not a multiaddr (e.g. /ip4/203.0.113.7/tcp/4001/p2p/16Uiu2…).]`,
    )
  })
})
