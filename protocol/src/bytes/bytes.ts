// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/** Small byte helpers shared by codecs, crypto and tests. */
import { InvalidArgumentError } from '../errors.js'

/** Lexicographic comparison of two byte strings (shorter prefix first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Parses hex with or without `0x`; throws InvalidArgumentError on odd length or non-hex digits. */
export function fromHex(hex: string): Uint8Array {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new InvalidArgumentError(`Not a hex string: "${hex.slice(0, 80)}".`)
  const out = new Uint8Array(h.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** `0x`-prefixed lower-case hex. */
export function toHex0x(bytes: Uint8Array): `0x${string}` {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return `0x${s}`
}

/** u32le(len(tag)) ‖ utf8(tag): the domain-separation prefix murmur puts before hashed bytes. */
export function lengthPrefixedTag(tag: string): Uint8Array {
  const t = new TextEncoder().encode(tag)
  const out = new Uint8Array(4 + t.length)
  new DataView(out.buffer).setUint32(0, t.length, true)
  out.set(t, 4)
  return out
}
