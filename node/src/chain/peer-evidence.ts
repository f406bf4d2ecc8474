/**
 * `murmur audit --from-peers`: gathers an evidence archive from validators over
 * /murmur/evidence/1 into a local directory, which the audit then reads exactly as it reads a
 * local archive (readRoundEvidence re-checks every file, auditEvidence every signature, reward
 * and credit). The first peer that answers picks the run (its manifest); every round is taken
 * from the first peer, in the order given, that delivers it, the next ones being asked after a
 * failure. What each peer answered is kept, so the report can say where each round came from.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { hashRunManifest } from '@murmur/protocol'
import { type EvidenceAttempt, EvidenceUnavailableError } from '../net/errors.js'
import type { EvidenceIndex, WireRoundEvidence } from '../net/evidence-protocol.js'
import { EVIDENCE_MANIFEST_FILE, writeRoundEvidence } from './evidence.js'

/** What fetching needs of the network (EvidenceClient in src/net/evidence-client.ts). */
export interface EvidenceSource<P> {
  index(peer: P, run?: Uint8Array): Promise<EvidenceIndex>
  round(peer: P, run: Uint8Array, round: bigint): Promise<WireRoundEvidence>
}

export interface FetchedRound {
  round: bigint
  /** The peer whose evidence was kept, or null when none delivered it. */
  from: string | null
  /** The peers asked before (or, when none delivered, all of them) and why each failed. */
  attempts: EvidenceAttempt[]
}

export interface FetchedEvidence {
  manifestBytes: Uint8Array
  runId: Uint8Array
  /** The peer whose index named the run. */
  runFrom: string
  rounds: FetchedRound[]
}

const attemptOf = (peer: string, err: unknown): EvidenceAttempt => {
  const e = err as Error & { reason?: EvidenceAttempt['reason']; details?: { detail?: unknown } }
  if (e?.name === 'EvidenceRequestError' && e.reason && typeof e.details?.detail === 'string')
    return { peer, reason: e.reason, detail: e.details.detail }
  if (e?.name === 'EvidenceFormatError') return { peer, reason: 'protocol', detail: `its evidence is malformed: ${e.message}` }
  throw err
}

/**
 * Fetches the manifest and `rounds` ('all': every round any peer lists) into `dir` (a fresh
 * directory). @throws EvidenceUnavailableError when no peer delivers an index.
 */
export async function fetchPeerEvidence<P extends { toString(): string }>({
  source,
  peers,
  rounds,
  dir,
}: {
  source: EvidenceSource<P>
  peers: readonly P[]
  rounds: readonly bigint[] | 'all'
  dir: string
}): Promise<FetchedEvidence> {
  // the first peer to answer names the run; the others are asked for that run only
  const indexes = new Map<P, EvidenceIndex | EvidenceAttempt>()
  let first: { peer: P; index: EvidenceIndex } | undefined
  for (const peer of peers) {
    try {
      const index = await source.index(peer)
      indexes.set(peer, index)
      first = { peer, index }
      break
    } catch (err) {
      indexes.set(peer, attemptOf(peer.toString(), err))
    }
  }
  if (!first) throw new EvidenceUnavailableError({ what: 'an evidence index', attempts: [...indexes.values()] as EvidenceAttempt[] })
  const { manifestBytes } = first.index
  const runId = hashRunManifest(manifestBytes)
  const rest = peers.filter((p) => !indexes.has(p))
  await Promise.all(
    rest.map(async (peer) => {
      try {
        indexes.set(peer, await source.index(peer, runId))
      } catch (err) {
        indexes.set(peer, attemptOf(peer.toString(), err))
      }
    }),
  )
  await writeFile(join(dir, EVIDENCE_MANIFEST_FILE), manifestBytes)

  const listed = (v: EvidenceIndex | EvidenceAttempt | undefined): v is EvidenceIndex => v !== undefined && 'rounds' in v
  const listedRounds = [...indexes.values()].flatMap((v) => (listed(v) ? v.rounds : []))
  const wanted = rounds === 'all' ? [...new Set(listedRounds)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : rounds
  const fetched: FetchedRound[] = []
  for (const round of wanted) {
    const attempts: EvidenceAttempt[] = []
    let from: string | null = null
    for (const peer of peers) {
      const index = indexes.get(peer)
      const name = peer.toString()
      if (!listed(index)) {
        // a peer whose index failed is not asked again: its failure stands for every round
        if (index) attempts.push(index)
        continue
      }
      if (!index.rounds.includes(round)) {
        attempts.push({ peer: name, reason: 'not-found', detail: `its index does not list round ${round}` })
        continue
      }
      try {
        const e = await source.round(peer, runId, round)
        await writeRoundEvidence(dir, { ...e, manifestBytes })
        from = name
        break
      } catch (err) {
        attempts.push(attemptOf(name, err))
      }
    }
    fetched.push({ round, from, attempts })
  }
  return { manifestBytes, runId, runFrom: first.peer.toString(), rounds: fetched }
}
