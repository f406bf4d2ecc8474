/**
 * EvidenceService: a validator serves the signed evidence it keeps (its EvidenceArchive, the
 * files under DATA_DIR/evidence/) over /murmur/evidence/1. Every request is answered with a
 * status and, unless it is OK, a reason; a request that does not decode gets `badRequest` naming
 * the field, an answer larger than the limit `tooLarge`, a damaged archive file `unavailable`.
 * Each stream has a timeout, inbound streams are bounded, and nothing a requester sends can make
 * the handler throw: a failure is logged and the stream aborted.
 */
import type { ComponentLogger, Logger, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { equalBytes, hashRunManifest, isProtocolError, toHex0x } from '@murmur/protocol'
import type { EvidenceArchive } from '../chain/evidence.js'
import { NetError } from './errors.js'
import {
  ANY_RUN,
  DEFAULT_MAX_EVIDENCE_BYTES,
  decodeEvidenceRequest,
  EVIDENCE_PROTOCOL,
  EVIDENCE_STATUS,
  type EvidenceRequest,
  encodeEvidenceIndex,
  encodeRoundEvidenceWire,
  MAX_EVIDENCE_REASON_BYTES,
  MAX_EVIDENCE_REQUEST_BYTES,
} from './evidence-protocol.js'
import { readRequest, sendFramed } from './framed-stream.js'

export interface EvidenceServiceComponents {
  archive: EvidenceArchive
  logger: ComponentLogger
  handle(protocol: string, handler: (stream: Stream) => void | Promise<void>, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string): Promise<void>
}

export interface EvidenceServiceInit {
  /** Per inbound stream: the request, reading the archive and the whole response. */
  requestTimeoutMs?: number
  maxInboundStreams?: number
  /** Largest answer served; a larger one gets `tooLarge`. */
  maxResponseBytes?: number
}

/** What the service answers to one request's bytes. */
export interface EvidenceAnswer {
  status: number
  /** The payload when OK, else the UTF-8 reason. */
  bytes: Uint8Array
}

export function evidenceService(init: EvidenceServiceInit = {}) {
  return (components: EvidenceServiceComponents) => new EvidenceService(components, init)
}

const reason = (status: number, text: string): EvidenceAnswer => ({ status, bytes: utf8Prefix(text, MAX_EVIDENCE_REASON_BYTES) })

/** The UTF-8 bytes of `text`, cut at a character boundary to at most `max` bytes. */
function utf8Prefix(text: string, max: number): Uint8Array {
  const bytes = new TextEncoder().encode(text)
  if (bytes.length <= max) return bytes
  let end = max
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.slice(0, end)
}

export class EvidenceService {
  private readonly components: EvidenceServiceComponents
  private readonly requestTimeoutMs: number
  private readonly maxInboundStreams: number
  private readonly maxResponseBytes: number
  private readonly log: Logger
  private readonly served = { requests: 0, bytes: 0 }

  constructor(components: EvidenceServiceComponents, init: EvidenceServiceInit) {
    this.components = components
    this.requestTimeoutMs = init.requestTimeoutMs ?? 30_000
    this.maxInboundStreams = init.maxInboundStreams ?? 8
    this.maxResponseBytes = init.maxResponseBytes ?? DEFAULT_MAX_EVIDENCE_BYTES
    this.log = components.logger.forComponent('murmur:evidence')
  }

  async start(): Promise<void> {
    await this.components.handle(EVIDENCE_PROTOCOL, (stream) => this.serve(stream), {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: 1,
    })
  }

  async stop(): Promise<void> {
    await this.components.unhandle(EVIDENCE_PROTOCOL)
  }

  /** OK answers served and their bytes. */
  stats(): { requests: number; bytes: number } {
    return { ...this.served }
  }

  /**
   * The answer to a request's bytes (null: the requester sent more than a request can be).
   * Never throws on what a requester sends; an archive that cannot be read is `unavailable`.
   */
  async answer(requestBytes: Uint8Array | null): Promise<EvidenceAnswer> {
    if (requestBytes === null)
      return reason(EVIDENCE_STATUS.badRequest, `A request is at most ${MAX_EVIDENCE_REQUEST_BYTES} bytes (MAX_EVIDENCE_REQUEST_BYTES).`)
    let request: EvidenceRequest
    try {
      request = decodeEvidenceRequest(requestBytes)
    } catch (err) {
      if (isProtocolError(err, 'MessageDecodeError')) return reason(EVIDENCE_STATUS.badRequest, err.message)
      throw err
    }
    try {
      return await this.lookUp(request)
    } catch (err) {
      this.log.error('reading the evidence archive failed: %e', err)
      return reason(EVIDENCE_STATUS.unavailable, `This peer cannot read its evidence archive: ${(err as Error).message}`)
    }
  }

  private async lookUp(request: EvidenceRequest): Promise<EvidenceAnswer> {
    const { archive } = this.components
    const manifestBytes = await archive.manifest()
    if (manifestBytes === null) return reason(EVIDENCE_STATUS.notFound, 'This peer keeps no evidence yet.')
    const runId = hashRunManifest(manifestBytes)
    if (!equalBytes(request.run, ANY_RUN) && !equalBytes(request.run, runId))
      return reason(EVIDENCE_STATUS.otherRun, `This peer keeps the evidence of run ${toHex0x(runId)}, not of run ${toHex0x(request.run)}.`)
    if (request.kind === 'index') return this.sized(encodeEvidenceIndex({ manifestBytes, rounds: await archive.rounds() }), 'The index')
    const evidence = await archive.round(request.round)
    if (evidence === null) {
      const have = await archive.rounds()
      const kept = have.length === 0 ? 'none' : `${have.length}, from ${have[0]} to ${have.at(-1)}`
      return reason(EVIDENCE_STATUS.notFound, `This peer keeps no evidence of round ${request.round} (rounds kept: ${kept}).`)
    }
    let bytes: Uint8Array
    try {
      bytes = encodeRoundEvidenceWire(evidence, this.maxResponseBytes)
    } catch (err) {
      if (isProtocolError(err, 'InvalidArgumentError'))
        return reason(EVIDENCE_STATUS.tooLarge, `Round ${request.round}'s evidence does not fit a response: ${err.message}`)
      throw err
    }
    return this.sized(bytes, `Round ${request.round}'s evidence`)
  }

  private sized(bytes: Uint8Array, what: string): EvidenceAnswer {
    if (bytes.length > this.maxResponseBytes)
      return reason(EVIDENCE_STATUS.tooLarge, `${what} is ${bytes.length} bytes; this peer serves at most ${this.maxResponseBytes}.`)
    return { status: EVIDENCE_STATUS.ok, bytes }
  }

  private async serve(stream: Stream): Promise<void> {
    const signal = AbortSignal.timeout(this.requestTimeoutMs)
    const onAbort = () => stream.abort(new NetError('evidence response timed out'))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const { status, bytes } = await this.answer(await readRequest(stream, MAX_EVIDENCE_REQUEST_BYTES))
      if (status !== EVIDENCE_STATUS.ok) this.log('evidence request answered %d: %s', status, new TextDecoder().decode(bytes))
      await sendFramed(stream, status, bytes, signal)
      await stream.close({ signal })
      if (status === EVIDENCE_STATUS.ok) {
        this.served.requests++
        this.served.bytes += bytes.length
      }
    } catch (err) {
      this.log('serving an evidence request failed: %e', err)
      stream.abort(err instanceof Error ? err : new NetError(String(err)))
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }
}
