/**
 * BlobService: serves this peer's BlobStore over /murmur/blob/1 and fetches blobs by hash from
 * the peers that announced them. Each request has a timeout; requests share a concurrency bound;
 * a holder that sends bytes not matching the hash (or more than announced, or a broken frame) is
 * penalised and the next holder is tried. When none delivers: {@link BlobUnavailableError}.
 * A big blob whose size is known (a checkpoint) is fetched in pieces from several holders at
 * once; a holder that fails a piece is dropped and its pieces go to the others.
 */
import type { AbortOptions, ComponentLogger, Logger, PeerId, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { contentHash, equalBytes, toHex } from '@murmur/protocol'
import {
  BLOB_HASH_BYTES,
  BLOB_MULTI_HOLDER_MIN_BYTES,
  BLOB_PIECE_BYTES,
  BLOB_PROTOCOL,
  BLOB_RANGE_REQUEST_BYTES,
  BLOB_STATUS,
  blobStatusName,
  DEFAULT_MAX_BLOB_BYTES,
  decodeBlobRequest,
  encodeBlobRequest,
} from './blob-protocol.js'
import type { BlobStore } from './blob-store.js'
import { type BlobAttempt, BlobUnavailableError, failureText, NetError } from './errors.js'
import { FrameError, readFramed, readRequest, sendFramed } from './framed-stream.js'

export interface BlobServiceComponents {
  store: BlobStore
  peerId: PeerId
  logger: ComponentLogger
  handle(protocol: string, handler: (stream: Stream) => void | Promise<void>, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string): Promise<void>
  dialProtocol(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream>
  /** Called when a holder misbehaves (wrong bytes, broken frame); the host lowers its score. */
  penalise?(peer: PeerId, reason: BlobAttempt['reason']): void
}

export interface BlobServiceInit {
  /** Per request (dial, request, whole response). */
  requestTimeoutMs?: number
  /** Outbound requests in flight at once, across all fetches. */
  maxConcurrentRequests?: number
  maxInboundStreams?: number
  /** Largest blob served or accepted when the caller gives no size. */
  maxBlobBytes?: number
  /** Keep fetched blobs in the store, so this peer serves them too (default true). */
  storeFetched?: boolean
  /**
   * The attack suite's slow holder: accept every request and never answer (the stream stays
   * open until the requester gives up). An honest peer never sets it.
   */
  stallServing?: boolean
}

export interface BlobFetchOptions extends AbortOptions {
  /** The announced size: a larger answer is refused before it is read. */
  maxBytes?: number
  /**
   * How an answer proves itself; default: its sha256 is the requested hash. A signed message
   * fetched by its id checks that the envelope's body hashes to that id instead.
   */
  verify?: (bytes: Uint8Array) => boolean
  /**
   * The exact size, when known (a checkpoint announcement says it): a blob this big with
   * several holders is fetched in pieces from all of them at once.
   */
  sizeBytes?: number
  /** Keep the fetched bytes in the store (default: the service's `storeFetched`). */
  store?: boolean
  /** Per request, instead of the service's `requestTimeoutMs` (a round's delta cannot wait 30 s). */
  timeoutMs?: number
}

export function blobService(init: BlobServiceInit = {}) {
  return (components: BlobServiceComponents) => new BlobService(components, init)
}

class HolderFailure extends Error {
  override name = 'HolderFailure'
  constructor(
    readonly reason: BlobAttempt['reason'],
    detail: string,
  ) {
    super(detail)
  }
}

export class BlobService {
  private readonly components: BlobServiceComponents
  private readonly requestTimeoutMs: number
  private readonly maxConcurrent: number
  private readonly maxInboundStreams: number
  private readonly maxBlobBytes: number
  private readonly storeFetched: boolean
  private readonly stallServing: boolean
  private readonly log: Logger
  private inFlight = 0
  private readonly waiting: Array<() => void> = []
  private readonly served = { requests: 0, bytes: 0 }
  private readonly fetched = { blobs: 0, bytes: 0, pieces: 0 }

  constructor(components: BlobServiceComponents, init: BlobServiceInit) {
    this.components = components
    this.requestTimeoutMs = init.requestTimeoutMs ?? 30_000
    this.maxConcurrent = init.maxConcurrentRequests ?? 4
    this.maxInboundStreams = init.maxInboundStreams ?? 32
    this.maxBlobBytes = init.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES
    this.storeFetched = init.storeFetched ?? true
    this.stallServing = init.stallServing ?? false
    this.log = components.logger.forComponent('murmur:blob')
  }

  async start(): Promise<void> {
    await this.components.handle(BLOB_PROTOCOL, (stream) => this.serve(stream), {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxConcurrent * 2,
    })
  }

  async stop(): Promise<void> {
    await this.components.unhandle(BLOB_PROTOCOL)
  }

  get store(): BlobStore {
    return this.components.store
  }

  /** Requests and bytes this peer served. */
  stats(): { requests: number; bytes: number } {
    return { ...this.served }
  }

  /** Blobs and bytes this peer fetched from others (verified against their hash), and pieces of multi-holder fetches. */
  fetchStats(): { blobs: number; bytes: number; pieces: number } {
    return { ...this.fetched }
  }

  /**
   * Fetches the blob whose sha256 is `hash`, trying `holders` in order until one delivers bytes
   * that hash to it. Throws {@link BlobUnavailableError} listing every attempt when none does.
   */
  async fetch(hash: Uint8Array, holders: readonly PeerId[], options: BlobFetchOptions = {}): Promise<Uint8Array> {
    if (hash.length !== BLOB_HASH_BYTES) throw new NetError(`A blob hash is ${BLOB_HASH_BYTES} bytes (sha256), got ${hash.length}.`)
    const local = await this.components.store.get(hash)
    if (local !== undefined) return local
    const maxBytes = Math.min(options.maxBytes ?? this.maxBlobBytes, this.maxBlobBytes)
    const keep = async (bytes: Uint8Array) => {
      this.fetched.blobs++
      this.fetched.bytes += bytes.length
      if (options.store ?? this.storeFetched)
        await (options.verify ? this.components.store.putAs(hash, bytes) : this.components.store.put(bytes))
      return bytes
    }
    const remote = holders.filter((p, i) => !p.equals(this.components.peerId) && holders.findIndex((q) => q.equals(p)) === i)
    const size = options.sizeBytes
    if (size !== undefined && size >= BLOB_MULTI_HOLDER_MIN_BYTES && size <= maxBytes && remote.length > 1 && !options.verify) {
      const bytes = await this.fetchPieces(hash, remote, size, options.signal)
      if (bytes) return keep(bytes)
    }
    const attempts: BlobAttempt[] = []
    for (const peer of remote) {
      options.signal?.throwIfAborted()
      try {
        return await keep(
          await this.withSlot(() => this.request(peer, hash, maxBytes, options.signal, options.verify, undefined, options.timeoutMs)),
        )
      } catch (err) {
        if (options.signal?.aborted) throw err
        const reason = err instanceof HolderFailure ? err.reason : 'dial'
        const detail = failureText(err)
        attempts.push({ peer: peer.toString(), reason, detail })
        this.log('blob %s from %p failed: %s: %s', toHex(hash).slice(0, 16), peer, reason, detail)
        if (reason === 'hash-mismatch' || reason === 'protocol' || reason === 'too-large') {
          this.components.penalise?.(peer, reason)
        }
      }
    }
    throw new BlobUnavailableError({ hash: `0x${toHex(hash)}`, attempts })
  }

  /**
   * `size` bytes in BLOB_PIECE_BYTES pieces, each holder working through the queue of pieces
   * (at most the concurrency bound at once); a holder whose piece fails leaves and its piece goes
   * back to the queue. Null when the holders could not deliver every piece, or the joined bytes
   * do not hash to `hash`: the caller then asks holders for the whole blob one at a time, which
   * tells an honest holder from a liar.
   */
  private async fetchPieces(hash: Uint8Array, holders: readonly PeerId[], size: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    const out = new Uint8Array(size)
    const queue = Array.from({ length: Math.ceil(size / BLOB_PIECE_BYTES) }, (_, i) => i)
    let left = queue.length
    const worker = async (peer: PeerId): Promise<void> => {
      for (let piece = queue.shift(); piece !== undefined; piece = queue.shift()) {
        const offset = piece * BLOB_PIECE_BYTES
        const length = Math.min(BLOB_PIECE_BYTES, size - offset)
        try {
          const bytes = await this.withSlot(() => this.request(peer, hash, length, signal, () => true, { offset, length }))
          if (bytes.length !== length) throw new HolderFailure('protocol', `${bytes.length} bytes for a ${length}-byte piece`)
          out.set(bytes, offset)
          this.fetched.pieces++
          left--
        } catch (err) {
          queue.push(piece)
          this.log('piece %d of blob %s from %p failed: %s', piece, toHex(hash).slice(0, 16), peer, (err as Error).message)
          return
        }
      }
    }
    await Promise.all(holders.slice(0, this.maxConcurrent).map(worker))
    signal?.throwIfAborted()
    if (left > 0) return null
    if (!equalBytes(contentHash(out), hash)) {
      this.log('blob %s joined from %d holders does not hash to its key; asking for it whole', toHex(hash).slice(0, 16), holders.length)
      return null
    }
    return out
  }

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.inFlight >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.inFlight++
    try {
      return await fn()
    } finally {
      this.inFlight--
      this.waiting.shift()?.()
    }
  }

  private async request(
    peer: PeerId,
    hash: Uint8Array,
    maxBytes: number,
    outer?: AbortSignal,
    verify?: (bytes: Uint8Array) => boolean,
    range?: { offset: number; length: number },
    timeoutMs = this.requestTimeoutMs,
  ): Promise<Uint8Array> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout
    const timedOut = () => new HolderFailure('timeout', `no complete answer within ${timeoutMs} ms`)
    let stream: Stream
    try {
      stream = await this.components.dialProtocol(peer, BLOB_PROTOCOL, { signal })
    } catch (err) {
      if (timeout.aborted) throw timedOut()
      throw new HolderFailure('dial', failureText(err))
    }
    const onAbort = () => stream.abort(new NetError('blob request aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      stream.send(encodeBlobRequest(hash, range))
      await stream.close({ signal })
      const bytes = await readResponse(stream, maxBytes)
      if (verify && !verify(bytes)) throw new HolderFailure('hash-mismatch', `${bytes.length} bytes that are not the requested message`)
      if (!verify && !equalBytes(contentHash(bytes), hash)) {
        throw new HolderFailure('hash-mismatch', `${bytes.length} bytes whose sha256 is 0x${toHex(contentHash(bytes)).slice(0, 16)}…`)
      }
      return bytes
    } catch (err) {
      if (timeout.aborted && !(err instanceof HolderFailure && err.reason === 'hash-mismatch')) throw timedOut()
      if (err instanceof HolderFailure) throw err
      throw new HolderFailure('protocol', failureText(err))
    } finally {
      signal.removeEventListener('abort', onAbort)
      if (stream.status === 'open') stream.abort(new NetError('blob request finished'))
    }
  }

  private async serve(stream: Stream): Promise<void> {
    const signal = AbortSignal.timeout(this.requestTimeoutMs)
    const onAbort = () => stream.abort(new NetError('blob response timed out'))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const raw = await readRequest(stream, BLOB_RANGE_REQUEST_BYTES)
      if (this.stallServing) {
        // the slow holder: hold the stream, answer nothing, until the requester or our timeout ends it
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
        return
      }
      const request = raw === null ? null : decodeBlobRequest(raw)
      if (request === null) {
        stream.send(Uint8Array.of(BLOB_STATUS.badRequest))
      } else {
        const { key, range } = request
        const blob = await this.components.store.get(key)
        const bytes = blob === undefined || range === undefined ? blob : blob.subarray(range.offset, range.offset + range.length)
        if (blob === undefined || bytes === undefined) stream.send(Uint8Array.of(BLOB_STATUS.notFound))
        else if (range !== undefined && (range.length === 0 || range.offset + range.length > blob.length))
          stream.send(Uint8Array.of(BLOB_STATUS.badRequest))
        else if (bytes.length > this.maxBlobBytes) stream.send(Uint8Array.of(BLOB_STATUS.tooLarge))
        else {
          await sendFramed(stream, BLOB_STATUS.ok, bytes, signal)
          this.served.requests++
          this.served.bytes += bytes.length
        }
      }
      await stream.close({ signal })
    } catch (err) {
      this.log('serving a blob request failed: %e', err)
      stream.abort(err instanceof Error ? err : new NetError(String(err)))
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }
}

/** Reads `status ‖ uvarint length ‖ bytes` from a response stream. */
async function readResponse(stream: Stream, maxBytes: number): Promise<Uint8Array> {
  let response: { status: number; bytes: Uint8Array | null }
  try {
    response = await readFramed(stream, (status) => (status === BLOB_STATUS.ok ? maxBytes : null), 'the holder')
  } catch (err) {
    if (err instanceof FrameError) throw new HolderFailure(err.reason, err.message)
    throw err
  }
  const { status, bytes } = response
  if (status === BLOB_STATUS.notFound) throw new HolderFailure('not-found', 'the holder does not have it')
  if (status === BLOB_STATUS.tooLarge) throw new HolderFailure('refused', 'the holder refuses to serve a blob this large')
  if (status !== BLOB_STATUS.ok || bytes === null) throw new HolderFailure('protocol', `the holder answered ${blobStatusName(status)}`)
  return bytes
}
