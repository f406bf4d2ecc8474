// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Numeric answers as exact rationals. Accepts what graders of GSM8K-style sets accept and
 * nothing that needs judgement:
 *
 * - an optional sign (`+`, `-`, U+2212 minus);
 * - ASCII digits, optionally grouped by commas in threes (`1,234,567`);
 * - an optional decimal part (`3.50`, `.5`, `2.`, `18.0`), compared exactly (3.50 = 7/2);
 * - a simple fraction `a/b` or `\frac{a}{b}` (also `\dfrac`, `\tfrac`), b ≠ 0;
 * - `$` anywhere (currency or TeX math delimiters), one trailing `%` or `\%`, one trailing
 *   sentence period, and surrounding whitespace are dropped.
 *
 * Digits outside ASCII (e.g. fullwidth `４６`, Arabic-Indic) are rejected, never folded:
 * which code points count as digits must not depend on a Unicode table version.
 */
import { type Rational, rational } from './rational.js'

/** Longer answers are rejected before any bigint work, so a hostile completion costs O(length). */
export const MAX_NUMERIC_ANSWER_CHARS = 64

export type NumericAnswer = { ok: true; value: Rational } | { ok: false; reason: string }

const INTEGER = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)`
const DECIMAL = new RegExp(String.raw`^(${INTEGER})?(?:\.(\d*))?$`)
const FRACTION = new RegExp(`^(${INTEGER})/(${INTEGER})$`)
const TEX_FRACTION = /^\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}$/
const NON_ASCII_DIGIT = /\p{Nd}/u

const digits = (s: string): bigint => BigInt(s.replaceAll(',', ''))

/** Parses one numeric answer (already cut out of the completion). Never throws. */
export function parseNumericAnswer(text: string): NumericAnswer {
  if (text.length > MAX_NUMERIC_ANSWER_CHARS) return { ok: false, reason: `longer than ${MAX_NUMERIC_ANSWER_CHARS} characters` }
  let s = text.trim().replaceAll('$', '').replaceAll('\\%', '%').replaceAll('\\!', '').trim()
  if (s.endsWith('%')) s = s.slice(0, -1).trimEnd()
  if (s.endsWith('.')) s = s.slice(0, -1) // a sentence's period; "18." is 18 either way
  let sign = 1n
  if (s.startsWith('-') || s.startsWith('\u2212')) {
    sign = -1n
    s = s.slice(1)
  } else if (s.startsWith('+')) s = s.slice(1)
  if (s === '') return { ok: false, reason: 'no number' }
  for (const ch of s) {
    if (ch >= '0' && ch <= '9') continue
    if (NON_ASCII_DIGIT.test(ch)) return { ok: false, reason: `non-ASCII digit "${ch}"` }
  }
  const tex = TEX_FRACTION.exec(s)
  if (tex) s = `${tex[1]!.trim()}/${tex[2]!.trim()}`
  const frac = FRACTION.exec(s)
  if (frac) {
    const den = digits(frac[2]!)
    if (den === 0n) return { ok: false, reason: 'zero denominator' }
    return { ok: true, value: rational(sign * digits(frac[1]!), den) }
  }
  const dec = DECIMAL.exec(s)
  if (dec && (dec[1] !== undefined || (dec[2] !== undefined && dec[2] !== ''))) {
    const whole = dec[1] === undefined ? 0n : digits(dec[1])
    const fracDigits = dec[2] ?? ''
    const scale = 10n ** BigInt(fracDigits.length)
    return { ok: true, value: rational(sign * (whole * scale + (fracDigits === '' ? 0n : BigInt(fracDigits))), scale) }
  }
  return { ok: false, reason: `not a number: "${text.trim()}"` }
}

/** True when both texts parse and are the same rational number. */
export function numericAnswersEqual(a: string, b: string): boolean {
  const x = parseNumericAnswer(a)
  const y = parseNumericAnswer(b)
  return x.ok && y.ok && x.value.num === y.value.num && x.value.den === y.value.den
}
