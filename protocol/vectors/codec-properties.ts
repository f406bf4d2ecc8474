/** The codec properties every message test runs (STYLE.md §9). */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { isProtocolError } from '../src/errors.js'
import { mutated } from './arbitraries.js'

function decodesCanonicallyOrThrowsTyped<T>(bytes: Uint8Array, encode: (v: T) => Uint8Array, decode: (b: Uint8Array) => T): void {
  let value: T
  try {
    value = decode(bytes)
  } catch (err) {
    if (!isProtocolError(err, 'MessageDecodeError')) throw err
    return
  }
  // anything accepted must be canonical: it re-encodes to exactly the bytes given
  expect(encode(value)).toEqual(bytes)
}

export function itHasCanonicalCodec<T>(
  arb: fc.Arbitrary<T>,
  encode: (v: T) => Uint8Array,
  decode: (b: Uint8Array) => T,
  numRuns = 200,
): void {
  it('decode(encode(x)) equals x', () => {
    fc.assert(
      fc.property(arb, (x) => {
        expect(decode(encode(x))).toEqual(x)
      }),
      { numRuns },
    )
  })

  it('random bytes either decode canonically or throw MessageDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => decodesCanonicallyOrThrowsTyped(b, encode, decode)),
      { numRuns: numRuns * 2 },
    )
  })

  it('mutated encodings either decode canonically or throw MessageDecodeError', () => {
    fc.assert(
      fc.property(
        arb.chain((x) => mutated(encode(x))),
        (b) => decodesCanonicallyOrThrowsTyped(b, encode, decode),
      ),
      { numRuns: numRuns * 2 },
    )
  })
}
