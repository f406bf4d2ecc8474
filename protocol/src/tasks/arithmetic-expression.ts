// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * A safe parser and exact evaluator for countdown answers — never `eval`.
 *
 *   expr   := term (('+' | '-') term)*
 *   term   := factor (('*' | '/') factor)*
 *   factor := integer | '(' expr ')'
 *
 * Whitespace between tokens is ignored; `×`/`·` read as `*`, `÷` as `/`, `−`/`–` as `-`.
 * There is no unary minus. Values are exact rationals; every division must have a non-zero
 * divisor and an integer quotient ("division must be exact"), so all values stay integers.
 * Limits keep hostile input cheap: {@link MAX_EXPRESSION_CHARS} characters,
 * {@link MAX_EXPRESSION_DEPTH} nested parentheses, literals of at most 9 digits.
 */
import { addRational, divRational, mulRational, type Rational, rational, subRational } from './rational.js'

export const MAX_EXPRESSION_CHARS = 256
export const MAX_EXPRESSION_DEPTH = 32
const MAX_LITERAL_DIGITS = 9

export type ExpressionResult = { ok: true; value: Rational; literals: readonly number[] } | { ok: false; reason: string }

class ParseFailure {
  constructor(readonly reason: string) {}
}

const ALIASES: Readonly<Record<string, string>> = { '×': '*', '·': '*', '÷': '/', '−': '-', '–': '-' }

/** Parses and evaluates `text`. Never throws. */
export function evaluateExpression(text: string): ExpressionResult {
  if (text.length > MAX_EXPRESSION_CHARS) return { ok: false, reason: `longer than ${MAX_EXPRESSION_CHARS} characters` }
  const src = Array.from(text, (c) => ALIASES[c] ?? c).join('')
  let pos = 0
  const literals: number[] = []

  const skip = () => {
    while (pos < src.length && (src[pos] === ' ' || src[pos] === '\t')) pos++
  }
  const fail = (what: string): never => {
    throw new ParseFailure(pos < src.length ? `${what} at "${src.slice(pos, pos + 8)}" (offset ${pos})` : `${what} at the end`)
  }

  const factor = (depth: number): Rational => {
    skip()
    if (src[pos] === '(') {
      if (depth >= MAX_EXPRESSION_DEPTH) fail(`more than ${MAX_EXPRESSION_DEPTH} nested parentheses`)
      pos++
      const v = expr(depth + 1)
      skip()
      if (src[pos] !== ')') fail('expected ")"')
      pos++
      return v
    }
    const start = pos
    while (pos < src.length && src[pos]! >= '0' && src[pos]! <= '9') pos++
    if (pos === start) fail('expected a number or "("')
    if (pos - start > MAX_LITERAL_DIGITS) {
      pos = start
      fail(`number longer than ${MAX_LITERAL_DIGITS} digits`)
    }
    const n = Number(src.slice(start, pos))
    literals.push(n)
    return rational(BigInt(n))
  }

  const term = (depth: number): Rational => {
    let v = factor(depth)
    for (;;) {
      skip()
      const op = src[pos]
      if (op !== '*' && op !== '/') return v
      pos++
      const rhs = factor(depth)
      if (op === '*') v = mulRational(v, rhs)
      else {
        const q = divRational(v, rhs)
        if (q === null) throw new ParseFailure(`division by zero (${v.num}/0)`)
        if (q.den !== 1n) throw new ParseFailure(`inexact division ${v.num}/${rhs.num}`)
        v = q
      }
    }
  }

  const expr = (depth: number): Rational => {
    let v = term(depth)
    for (;;) {
      skip()
      const op = src[pos]
      if (op !== '+' && op !== '-') return v
      pos++
      const rhs = term(depth)
      v = op === '+' ? addRational(v, rhs) : subRational(v, rhs)
    }
  }

  try {
    const value = expr(0)
    skip()
    if (pos < src.length) fail('unexpected character')
    return { ok: true, value, literals }
  } catch (err) {
    if (err instanceof ParseFailure) return { ok: false, reason: err.reason }
    throw err
  }
}
