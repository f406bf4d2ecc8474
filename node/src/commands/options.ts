/** Flag parsers shared by the commands: each rejects bad input with a CliUsageError naming the flag. */
import { seedFromInteger } from '@murmur/protocol'
import { InvalidArgumentError as CommanderInvalidArgument } from 'commander'
import { CliUsageError } from '../errors.js'

/** Parses an integer flag, rejecting anything that is not a safe integer within [min, max]. */
export function intOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value)
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new CommanderInvalidArgument(`${name} must be an integer in [${min}, ${max}], got "${value}".`)
    }
    return n
  }
}

/** `--seed`: a decimal integer in [0, 2^64) (mapped through seedFromInteger), or 0x + 64 hex digits used as the seed itself. */
export function parseSeed(value: string): Uint8Array {
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return Uint8Array.from(Buffer.from(value.slice(2), 'hex'))
  if (/^\d+$/.test(value) && BigInt(value) < 1n << 64n) return seedFromInteger(BigInt(value))
  throw new CliUsageError(`--seed must be an integer in [0, 2^64) or 0x followed by 64 hex digits, got "${value}".`)
}

/** "1,2,3" → [1, 2, 3]; every entry a non-negative integer. */
export function parseTokenList(flag: string, value: string): number[] {
  const parts = value.split(',').map((s) => s.trim())
  if (value.trim() === '' || parts.some((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)))) {
    throw new CliUsageError(`${flag} must be comma-separated token ids (non-negative integers), got "${value}".`)
  }
  return parts.map(Number)
}

/** Parses a round number flag: a decimal integer in [0, 2^64). */
export function roundOption(name: string) {
  return (value: string): bigint => {
    if (!/^\d+$/.test(value) || BigInt(value) >= 1n << 64n)
      throw new CommanderInvalidArgument(`${name} must be an integer in [0, 2^64), got "${value}".`)
    return BigInt(value)
  }
}
