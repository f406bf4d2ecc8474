import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { alice, bob, domain, POLICY_0, sampleDelta, samplePayloadBytes } from '../../vectors/fixtures.js'
import { compareBytes } from '../bytes/bytes.js'
import type { Delta } from '../messages/delta.js'
import { encodeDeltaPayload, hashDeltaPayload } from '../messages/delta-payload.js'
import { encodeSignedMessage, signMessage } from '../messages/signed.js'
import { type DeltaExpectation, verifyDelta, verifyDeltaHeader } from './delta.js'

const groups = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)].sort(compareBytes)
const known = new Set(groups.map((g) => g.join(',')))
const expected: DeltaExpectation = {
  domain,
  round: 0n,
  basePolicyHash: POLICY_0,
  maxNorm: 100,
  numel: 16,
  isValidGroup: (g) => known.has(g.join(',')),
}

const signed = (d: Delta, key = bob.privateKey) => encodeSignedMessage(signMessage('Delta', d, domain, key))
const show = (v: { ok: boolean; reason?: string; detail?: string }) => (v.ok ? 'ok' : `${v.reason}: ${v.detail}`)

describe('verifyDelta', () => {
  it('accepts an honest delta with its payload', () => {
    expect(show(verifyDelta({ message: signed(sampleDelta(groups)), payload: samplePayloadBytes, expected }))).toBe('ok')
  })

  it('rejects a delta built on another policy or over the norm bound', () => {
    expect(
      show(verifyDeltaHeader({ message: signed(sampleDelta(groups)), expected: { ...expected, basePolicyHash: new Uint8Array(32) } })),
    ).toMatch(/^wrong-policy/)
    expect(
      show(verifyDeltaHeader({ message: signed(sampleDelta(groups)), expected: { ...expected, maxNorm: 0.5 } })),
    ).toMatchInlineSnapshot(`"over-norm: delta declares norm 1.4375786781311035; the run allows 0.5"`)
  })

  it('rejects a delta that references a group this peer did not accept', () => {
    const extra = [...groups, new Uint8Array(32).fill(9)].sort(compareBytes)
    expect(show(verifyDeltaHeader({ message: signed(sampleDelta(extra)), expected }))).toMatch(/^unknown-group: /)
  })

  it('rejects a header signed by another key than its author', () => {
    const d = { ...sampleDelta(groups), author: alice.address }
    const v = verifyDeltaHeader({ message: signed(d, alice.privateKey), expected })
    expect(v.ok).toBe(true)
    const m = signMessage('Delta', d, domain, alice.privateKey)
    m.signature = signMessage('Delta', sampleDelta(groups), domain, bob.privateKey).signature
    expect(show(verifyDeltaHeader({ message: m, expected }))).toMatch(/^wrong-signer: /)
  })

  it('checks declared size, hash, numel and norm against the payload', () => {
    const m = signed(sampleDelta(groups))
    expect(show(verifyDelta({ message: m, payload: samplePayloadBytes.subarray(1), expected }))).toMatchInlineSnapshot(
      `"size-mismatch: payload is 33 bytes; the header declares 34"`,
    )
    const flipped = samplePayloadBytes.slice()
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1
    expect(show(verifyDelta({ message: m, payload: flipped, expected }))).toMatch(/^payload-hash-mismatch: /)
    expect(show(verifyDelta({ message: m, payload: samplePayloadBytes, expected: { ...expected, numel: 17 } }))).toMatchInlineSnapshot(
      `"wrong-numel: payload covers 16 values; the model has 17"`,
    )
    const lying = { ...sampleDelta(groups), norm: 0.25 }
    expect(show(verifyDelta({ message: signed(lying), payload: samplePayloadBytes, expected }))).toMatch(/^norm-mismatch: /)
  })

  it('rejects a payload that decodes to non-finite values', () => {
    const p = encodeDeltaPayload({
      format: 'topk-int8',
      numel: 16,
      chunkSize: 1,
      indices: Uint32Array.of(0),
      scales: Float32Array.of(3e38),
      quantized: Int8Array.of(127),
    })
    const d = { ...sampleDelta(groups), payloadHash: hashDeltaPayload(p), payloadSizeBytes: p.length, norm: 1 }
    expect(show(verifyDelta({ message: signed(d), payload: p, expected }))).toMatchInlineSnapshot(
      `"non-finite: value 0 decodes to Infinity"`,
    )
  })

  it('rejects a malformed envelope and a wrong kind without throwing', () => {
    expect(show(verifyDeltaHeader({ message: Uint8Array.of(1, 2, 3), expected }))).toMatch(/^malformed: /)
    const notDelta = encodeSignedMessage({ kind: 'ScoredGroup', body: new Uint8Array(0), signature: new Uint8Array(65) })
    expect(show(verifyDeltaHeader({ message: notDelta, expected }))).toMatch(/^wrong-kind: /)
  })

  it('never throws on arbitrary headers or payload bytes', () => {
    const good = signed(sampleDelta(groups))
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (junk, i, x) => {
        const flipped = good.slice()
        flipped[i] = flipped[i]! ^ x
        for (const message of [junk, flipped]) expect(typeof verifyDeltaHeader({ message, expected }).ok).toBe('boolean')
        expect(typeof verifyDelta({ message: good, payload: junk, expected }).ok).toBe('boolean')
      }),
      { numRuns: 150 },
    )
  })
})
