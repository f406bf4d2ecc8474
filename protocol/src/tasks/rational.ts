// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Exact rational numbers over bigint, for answer comparison and the countdown evaluator.
 * Always reduced, with a positive denominator, so structural equality is numeric equality.
 */

export interface Rational {
  readonly num: bigint
  readonly den: bigint // > 0, gcd(|num|, den) = 1
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

/** num/den reduced; `den` must be non-zero (callers check before dividing). */
export function rational(num: bigint, den = 1n): Rational {
  if (den < 0n) {
    num = -num
    den = -den
  }
  const g = gcd(num, den)
  return g > 1n ? { num: num / g, den: den / g } : { num, den }
}

export const addRational = (a: Rational, b: Rational): Rational => rational(a.num * b.den + b.num * a.den, a.den * b.den)
export const subRational = (a: Rational, b: Rational): Rational => rational(a.num * b.den - b.num * a.den, a.den * b.den)
export const mulRational = (a: Rational, b: Rational): Rational => rational(a.num * b.num, a.den * b.den)

/** a / b, or null when b is zero. */
export function divRational(a: Rational, b: Rational): Rational | null {
  if (b.num === 0n) return null
  return rational(a.num * b.den, a.den * b.num)
}

export const equalRational = (a: Rational, b: Rational): boolean => a.num === b.num && a.den === b.den

/** "7", "-7/2": the reduced fraction as text. */
export const formatRational = (r: Rational): string => (r.den === 1n ? `${r.num}` : `${r.num}/${r.den}`)
