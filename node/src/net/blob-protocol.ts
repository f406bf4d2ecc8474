/**
 * /murmur/blob/1: fetch content-addressed bytes from one peer over a direct stream.
 *
 *   request  = key (32 bytes) [ ‖ offset (u64 BE) ‖ length (u32 BE) ], then the requester
 *              closes its write side; without the range the whole blob is asked for
 *   response = status (u8) [ ‖ uvarint length ‖ bytes, when status = OK ]
 *
 * The response bytes are streamed in chunks of BLOB_CHUNK_BYTES; the length prefix is
 * it-length-prefixed's unsigned varint, so the requester can refuse an oversize answer before
 * reading it. The requester checks sha256(bytes) = request; the holder is never trusted. A
 * ranged request (a big checkpoint fetched in pieces from several holders at once) is checked
 * when the pieces are joined: sha256 of the whole; on a mismatch the requester falls back to
 * whole-blob requests, one holder at a time, which say who lied.
 */
import { FRAME_CHUNK_BYTES } from './framed-stream.js'

export const BLOB_PROTOCOL = '/murmur/blob/1'

export const BLOB_HASH_BYTES = 32

/** A ranged request: key ‖ offset (u64) ‖ length (u32). */
export const BLOB_RANGE_REQUEST_BYTES = BLOB_HASH_BYTES + 8 + 4

/** Piece size of a multi-holder fetch: big enough to amortise a stream, small enough to spread. */
export const BLOB_PIECE_BYTES = 1024 * 1024

/** Blobs at least this long are fetched in pieces when several holders are known. */
export const BLOB_MULTI_HOLDER_MIN_BYTES = 4 * BLOB_PIECE_BYTES

export function encodeBlobRequest(key: Uint8Array, range?: { offset: number; length: number }): Uint8Array {
  if (range === undefined) return key
  const out = new Uint8Array(BLOB_RANGE_REQUEST_BYTES)
  out.set(key)
  const view = new DataView(out.buffer)
  view.setBigUint64(BLOB_HASH_BYTES, BigInt(range.offset))
  view.setUint32(BLOB_HASH_BYTES + 8, range.length)
  return out
}

/** The key and optional range of a request, or null when it is neither form. */
export function decodeBlobRequest(bytes: Uint8Array): { key: Uint8Array; range?: { offset: number; length: number } } | null {
  if (bytes.length === BLOB_HASH_BYTES) return { key: bytes }
  if (bytes.length !== BLOB_RANGE_REQUEST_BYTES) return null
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const offset = view.getBigUint64(BLOB_HASH_BYTES)
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) return null
  return { key: bytes.subarray(0, BLOB_HASH_BYTES), range: { offset: Number(offset), length: view.getUint32(BLOB_HASH_BYTES + 8) } }
}

/** Chunk size of a streamed response: well under yamux's 256 KiB window (framed-stream.ts). */
export const BLOB_CHUNK_BYTES = FRAME_CHUNK_BYTES

/** Default largest blob one request may return: a 64M-parameter dense float32 delta or small checkpoint. */
export const DEFAULT_MAX_BLOB_BYTES = 512 * 1024 * 1024

export const BLOB_STATUS = {
  ok: 0,
  notFound: 1,
  tooLarge: 2,
  badRequest: 3,
} as const

export type BlobStatus = (typeof BLOB_STATUS)[keyof typeof BLOB_STATUS]

export function blobStatusName(status: number): string {
  const entry = Object.entries(BLOB_STATUS).find(([, v]) => v === status)
  return entry ? entry[0] : `unknown status ${status}`
}
