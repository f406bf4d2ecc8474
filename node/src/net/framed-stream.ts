/**
 * The framing murmur's request/response protocols share (/murmur/blob/1, /murmur/evidence/1):
 * the requester sends a short request and closes its write side; the responder answers
 * `status (u8) [‖ uvarint length ‖ bytes]` and closes. The length is it-length-prefixed's
 * unsigned LEB128, so a requester refuses an oversize answer before reading it, and the bytes go
 * out in chunks small enough for yamux's window.
 */
import type { Stream } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Chunk size of a streamed response: well under yamux's 256 KiB window. */
export const FRAME_CHUNK_BYTES = 64 * 1024

/** A response that breaks the framing or exceeds the limit; `reason` says which. */
export class FrameError extends Error {
  override name = 'FrameError' as const
  constructor(
    readonly reason: 'protocol' | 'too-large',
    message: string,
  ) {
    super(message)
  }
}

/**
 * Reads a request until the requester closes its write side. Returns null as soon as it is
 * longer than `maxBytes` (the rest is not read).
 */
export async function readRequest(stream: Stream, maxBytes: number): Promise<Uint8Array | null> {
  let request = new Uint8Array(0)
  for await (const chunk of stream) {
    const part = chunk.subarray()
    if (request.length + part.length > maxBytes) return null
    const next = new Uint8Array(request.length + part.length)
    next.set(request)
    next.set(part, request.length)
    request = next
  }
  return request
}

/** Sends `data` in FRAME_CHUNK_BYTES pieces, waiting for the stream to drain when it asks to. */
export async function sendChunked(stream: Stream, data: Uint8Array | Uint8ArrayList, signal: AbortSignal): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += FRAME_CHUNK_BYTES) {
    const piece = data.subarray(offset, Math.min(offset + FRAME_CHUNK_BYTES, data.byteLength))
    if (!stream.send(piece)) await stream.onDrain({ signal })
  }
}

/** Sends `status ‖ uvarint length ‖ bytes` (only the status when `bytes` is null). */
export async function sendFramed(stream: Stream, status: number, bytes: Uint8Array | null, signal: AbortSignal): Promise<void> {
  await sendChunked(stream, Uint8Array.of(status), signal)
  if (bytes !== null) await sendChunked(stream, lp.encode.single(bytes, { maxDataLength: bytes.length }), signal)
}

/**
 * Reads `status [‖ uvarint length ‖ bytes]`. `frameLimit(status)` is the largest frame that
 * status may carry, or null when the status comes alone. `who` names the responder in errors.
 * @throws FrameError when the stream ends early or the frame is over its limit.
 */
export async function readFramed(
  stream: Stream,
  frameLimit: (status: number) => number | null,
  who = 'the peer',
): Promise<{ status: number; bytes: Uint8Array | null }> {
  const it = stream[Symbol.asyncIterator]()
  let first: Uint8Array | undefined
  while (first === undefined || first.length === 0) {
    const next = await it.next()
    if (next.done) throw new FrameError('protocol', `${who} closed the stream without a status byte`)
    first = next.value.subarray()
  }
  const status = first[0]!
  const maxBytes = frameLimit(status)
  if (maxBytes === null) return { status, bytes: null }
  const rest = first.subarray(1)
  async function* remainder(): AsyncGenerator<Uint8Array | Uint8ArrayList> {
    if (rest.length > 0) yield rest
    for (;;) {
      const next = await it.next()
      if (next.done) return
      yield next.value
    }
  }
  let length = -1
  try {
    for await (const message of lp.decode(remainder(), {
      maxDataLength: maxBytes,
      onLength: (n) => {
        length = n
      },
    })) {
      return { status, bytes: message.subarray() }
    }
  } catch (err) {
    if (err instanceof Error && err.name === 'InvalidDataLengthError') {
      throw new FrameError('too-large', `${who} offers more than the ${maxBytes} bytes accepted`)
    }
    throw err
  }
  throw new FrameError(
    'protocol',
    length < 0 ? `${who} closed the stream before the length prefix` : `the stream ended before ${length} bytes`,
  )
}
