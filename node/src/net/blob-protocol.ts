/**
 * /murmur/blob/1: fetch content-addressed bytes from one peer over a direct stream.
 *
 *   request  = sha256 (32 bytes), then the requester closes its write side
 *   response = status (u8) [ ‖ uvarint length ‖ bytes, when status = OK ]
 *
 * The response bytes are streamed in chunks of BLOB_CHUNK_BYTES; the length prefix is
 * it-length-prefixed's unsigned varint, so the requester can refuse an oversize answer before
 * reading it. The requester checks sha256(bytes) = request; the holder is never trusted.
 */
import { FRAME_CHUNK_BYTES } from './framed-stream.js'

export const BLOB_PROTOCOL = '/murmur/blob/1'

export const BLOB_HASH_BYTES = 32

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
