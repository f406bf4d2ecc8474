/**
 * Lossless JSON for vector values: byte strings as `0x` hex, bigints as `{ "bigint": "123" }`,
 * typed arrays as `{ "u32": [...] }`, `{ "f32": [...] }`, `{ "i8": [...] }`. Numbers stay numbers
 * (float32 values print and parse exactly). Vectors only; nothing hashed goes through JSON.
 */
import { fromHex, toHex0x } from '../src/bytes/bytes.js'

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

export function toJson(v: unknown): Json {
  if (v instanceof Uint8Array) return toHex0x(v)
  if (v instanceof Uint32Array) return { u32: [...v] }
  if (v instanceof Float32Array) return { f32: [...v] }
  if (v instanceof Int8Array) return { i8: [...v] }
  if (typeof v === 'bigint') return { bigint: v.toString() }
  if (Array.isArray(v)) return v.map(toJson)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]))
  return v as Json
}

export function fromJson(j: Json): unknown {
  if (typeof j === 'string' && /^0x([0-9a-f]{2})*$/.test(j)) return fromHex(j)
  if (Array.isArray(j)) return j.map(fromJson)
  if (j !== null && typeof j === 'object') {
    const keys = Object.keys(j)
    if (keys.length === 1) {
      const [k] = keys
      const x = j[k!]
      if (k === 'u32' && Array.isArray(x)) return Uint32Array.from(x as number[])
      if (k === 'f32' && Array.isArray(x)) return Float32Array.from(x as number[])
      if (k === 'i8' && Array.isArray(x)) return Int8Array.from(x as number[])
      if (k === 'bigint' && typeof x === 'string') return BigInt(x)
    }
    return Object.fromEntries(Object.entries(j).map(([k, x]) => [k, fromJson(x)]))
  }
  return j
}
