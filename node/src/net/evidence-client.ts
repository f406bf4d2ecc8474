/**
 * The requester's side of /murmur/evidence/1: one request to one peer, with a timeout covering
 * the dial, the request and the whole response, and a size limit checked before the response is
 * read. An answer is only decoded and checked against the request (the index's manifest hashes to
 * the run asked for, the round is the round asked for); whether the evidence is true is for the
 * audit to find. EvidenceClient is a short-lived libp2p node for `murmur audit --from-peers`: it
 * listens nowhere, joins no gossip and only dials the peers it is given.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { equalBytes, hashRunManifest, isProtocolError, toHex0x } from '@murmur/protocol'
import { createLibp2p } from 'libp2p'
import { type EvidenceAttempt, EvidenceRequestError, failureText, NetError } from './errors.js'
import {
  ANY_RUN,
  DEFAULT_MAX_EVIDENCE_BYTES,
  decodeEvidenceIndex,
  decodeRoundEvidenceWire,
  EVIDENCE_PROTOCOL,
  EVIDENCE_STATUS,
  type EvidenceIndex,
  type EvidenceRequest,
  encodeEvidenceRequest,
  evidenceStatusName,
  MAX_EVIDENCE_REASON_BYTES,
  type WireRoundEvidence,
} from './evidence-protocol.js'
import { FrameError, readFramed } from './framed-stream.js'
import { ensureWebSocketGlobal } from './websocket-global.js'

export interface EvidenceRequestComponents {
  dialProtocol(peer: PeerId | Multiaddr, protocol: string, options?: AbortOptions): Promise<Stream>
}

export interface EvidenceRequestOptions {
  /** Dial, request and whole response; default 30 s. */
  timeoutMs?: number
  /** Largest response accepted; default DEFAULT_MAX_EVIDENCE_BYTES. */
  maxBytes?: number
  signal?: AbortSignal
}

const STATUS_REASON: Record<number, EvidenceAttempt['reason']> = {
  [EVIDENCE_STATUS.notFound]: 'not-found',
  [EVIDENCE_STATUS.tooLarge]: 'too-large',
  [EVIDENCE_STATUS.badRequest]: 'bad-request',
  [EVIDENCE_STATUS.otherRun]: 'other-run',
  [EVIDENCE_STATUS.unavailable]: 'unavailable',
}

/**
 * Sends one request and returns the OK answer's bytes.
 * @throws EvidenceRequestError with the peer's status and reason, or why no answer came.
 */
export async function requestEvidence(
  components: EvidenceRequestComponents,
  peer: Multiaddr | PeerId,
  request: EvidenceRequest,
  options: EvidenceRequestOptions = {},
): Promise<Uint8Array> {
  const name = peer.toString()
  const timeoutMs = options.timeoutMs ?? 30_000
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_EVIDENCE_BYTES
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  const fail = (reason: EvidenceAttempt['reason'], detail: string, cause?: unknown) =>
    new EvidenceRequestError({ peer: name, reason, detail }, { cause })
  const timedOut = () => fail('timeout', `no complete answer within ${timeoutMs} ms`)
  let stream: Stream
  try {
    stream = await components.dialProtocol(peer, EVIDENCE_PROTOCOL, { signal })
  } catch (err) {
    if (timeout.aborted) throw timedOut()
    throw fail('dial', failureText(err), err)
  }
  const onAbort = () => stream.abort(new NetError('evidence request aborted'))
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    stream.send(encodeEvidenceRequest(request))
    await stream.close({ signal })
    const { status, bytes } = await readFramed(stream, (s) => (s === EVIDENCE_STATUS.ok ? maxBytes : MAX_EVIDENCE_REASON_BYTES))
    if (status === EVIDENCE_STATUS.ok) return bytes!
    const text = new TextDecoder().decode(bytes!)
    throw fail(STATUS_REASON[status] ?? 'protocol', STATUS_REASON[status] ? text : `${evidenceStatusName(status)}: ${text}`)
  } catch (err) {
    if (err instanceof EvidenceRequestError) throw err
    if (timeout.aborted) throw timedOut()
    if (err instanceof FrameError) throw fail(err.reason === 'too-large' ? 'too-large' : 'protocol', err.message)
    throw fail('protocol', failureText(err), err)
  } finally {
    signal.removeEventListener('abort', onAbort)
    if (stream.status === 'open') stream.abort(new NetError('evidence request finished'))
  }
}

/** Decodes a peer's answer with `decode`; bytes that do not decode are the peer's protocol error. */
function decodedFrom<T>(peer: string, what: string, decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    if (isProtocolError(err, 'MessageDecodeError'))
      throw new EvidenceRequestError({ peer, reason: 'protocol', detail: `its ${what} does not decode: ${err.message}` })
    throw err
  }
}

/** The peer's evidence index of `run` (ANY_RUN: of whichever run it keeps); its manifest hashes to `run`. */
export async function fetchEvidenceIndex(
  components: EvidenceRequestComponents,
  peer: Multiaddr | PeerId,
  run: Uint8Array = ANY_RUN,
  options: EvidenceRequestOptions = {},
): Promise<EvidenceIndex> {
  const bytes = await requestEvidence(components, peer, { kind: 'index', run }, options)
  const index = decodedFrom(peer.toString(), 'index', () => decodeEvidenceIndex(bytes))
  const runId = hashRunManifest(index.manifestBytes)
  if (!equalBytes(run, ANY_RUN) && !equalBytes(runId, run))
    throw new EvidenceRequestError({
      peer: peer.toString(),
      reason: 'protocol',
      detail: `it answered with the manifest of run ${toHex0x(runId)} when asked for run ${toHex0x(run)}`,
    })
  return index
}

/** One round's evidence as the peer keeps it (decoded, not verified). */
export async function fetchRoundEvidence(
  components: EvidenceRequestComponents,
  peer: Multiaddr | PeerId,
  run: Uint8Array,
  round: bigint,
  options: EvidenceRequestOptions = {},
): Promise<WireRoundEvidence> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_EVIDENCE_BYTES
  const bytes = await requestEvidence(components, peer, { kind: 'round', run, round }, options)
  const evidence = decodedFrom(peer.toString(), `round ${round} evidence`, () => decodeRoundEvidenceWire(bytes, maxBytes))
  if (evidence.round !== round)
    throw new EvidenceRequestError({
      peer: peer.toString(),
      reason: 'protocol',
      detail: `it answered with round ${evidence.round} when asked for round ${round}`,
    })
  return evidence
}

export interface EvidenceClientInit extends Omit<EvidenceRequestOptions, 'signal'> {}

/** A libp2p node that only asks peers for evidence; `stop` it when done. */
export class EvidenceClient {
  private constructor(
    private readonly libp2p: Libp2p,
    private readonly options: EvidenceClientInit,
  ) {}

  static async start(init: EvidenceClientInit = {}): Promise<EvidenceClient> {
    await ensureWebSocketGlobal()
    const libp2p = await createLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      addresses: { listen: [] },
      transports: [tcp(), webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // validators are often on private or loopback addresses; the auditor dials what it is given
      connectionGater: { denyDialMultiaddr: () => false },
      services: { identify: identify() },
    })
    return new EvidenceClient(libp2p, init)
  }

  /** Parses a `--from-peers` address. @throws NetError naming it. */
  static peerAddress(text: string): Multiaddr {
    try {
      return multiaddr(text)
    } catch (err) {
      throw new NetError(`"${text}" is not a multiaddr (e.g. /ip4/203.0.113.7/tcp/4001/p2p/16Uiu2…).`, { text }, { cause: err })
    }
  }

  index(peer: Multiaddr | PeerId, run: Uint8Array = ANY_RUN, signal?: AbortSignal): Promise<EvidenceIndex> {
    return fetchEvidenceIndex(this.libp2p, peer, run, { ...this.options, signal })
  }

  round(peer: Multiaddr | PeerId, run: Uint8Array, round: bigint, signal?: AbortSignal): Promise<WireRoundEvidence> {
    return fetchRoundEvidence(this.libp2p, peer, run, round, { ...this.options, signal })
  }

  async stop(): Promise<void> {
    await this.libp2p.stop()
  }
}
