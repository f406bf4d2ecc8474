/**
 * BlobService: serves this peer's BlobStore over /murmur/blob/1 and fetches blobs by hash from
 * the peers that announced them. Each request has a timeout; requests share a concurrency bound;
 * a holder that sends bytes not matching the hash (or more than announced, or a broken frame) is
 * penalised and the next holder is tried. When none delivers: {@link BlobUnavailableError}.
 */
import type { AbortOptions, ComponentLogger, Logger, PeerId, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { contentHash, equalBytes, toHex } from '@murmur/protocol'
import { BLOB_HASH_BYTES, BLOB_PROTOCOL, BLOB_STATUS, blobStatusName, DEFAULT_MAX_BLOB_BYTES } from './blob-protocol.js'
import type { BlobStore } from './blob-store.js'
import { type BlobAttempt, BlobUnavailableError, NetError } from './errors.js'
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
}

export interface BlobFetchOptions extends AbortOptions {
  /** The announced size: a larger answer is refused before it is read. */
  maxBytes?: number
  /**
   * How an answer proves itself; default: its sha256 is the requested hash. A signed message
   * fetched by its id checks that the envelope's body hashes to that id instead.
   */
  verify?: (bytes: Uint8Array) => boolean
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
  private readonly log: Logger
  private inFlight = 0
  private readonly waiting: Array<() => void> = []
  private readonly served = { requests: 0, bytes: 0 }
  private readonly fetched = { blobs: 0, bytes: 0 }

  constructor(components: BlobServiceComponents, init: BlobServiceInit) {
    this.components = components
    this.requestTimeoutMs = init.requestTimeoutMs ?? 30_000
    this.maxConcurrent = init.maxConcurrentRequests ?? 4
    this.maxInboundStreams = init.maxInboundStreams ?? 32
    this.maxBlobBytes = init.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES
    this.storeFetched = init.storeFetched ?? true
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

  /** Blobs and bytes this peer fetched from others (verified against their hash). */
  fetchStats(): { blobs: number; bytes: number } {
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
    const attempts: BlobAttempt[] = []
    for (const peer of holders) {
      if (peer.equals(this.components.peerId)) continue
      options.signal?.throwIfAborted()
      try {
        const bytes = await this.withSlot(() => this.request(peer, hash, maxBytes, options.signal, options.verify))
        this.fetched.blobs++
        this.fetched.bytes += bytes.length
        if (this.storeFetched) await (options.verify ? this.components.store.putAs(hash, bytes) : this.components.store.put(bytes))
        return bytes
      } catch (err) {
        if (options.signal?.aborted) throw err
        const reason = err instanceof HolderFailure ? err.reason : 'dial'
        const detail = err instanceof Error ? err.message : String(err)
        attempts.push({ peer: peer.toString(), reason, detail })
        this.log('blob %s from %p failed: %s: %s', toHex(hash).slice(0, 16), peer, reason, detail)
        if (reason === 'hash-mismatch' || reason === 'protocol' || reason === 'too-large') {
          this.components.penalise?.(peer, reason)
        }
      }
    }
    throw new BlobUnavailableError({ hash: `0x${toHex(hash)}`, attempts })
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
  ): Promise<Uint8Array> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs)
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout
    const timedOut = () => new HolderFailure('timeout', `no complete answer within ${this.requestTimeoutMs} ms`)
    let stream: Stream
    try {
      stream = await this.components.dialProtocol(peer, BLOB_PROTOCOL, { signal })
    } catch (err) {
      if (timeout.aborted) throw timedOut()
      throw new HolderFailure('dial', err instanceof Error ? err.message : String(err))
    }
    const onAbort = () => stream.abort(new NetError('blob request aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      stream.send(hash)
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
      throw new HolderFailure('protocol', err instanceof Error ? err.message : String(err))
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
      const request = await readRequest(stream, BLOB_HASH_BYTES)
      if (request === null || request.length !== BLOB_HASH_BYTES) {
        stream.send(Uint8Array.of(BLOB_STATUS.badRequest))
      } else {
        const bytes = await this.components.store.get(request)
        if (bytes === undefined) stream.send(Uint8Array.of(BLOB_STATUS.notFound))
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
