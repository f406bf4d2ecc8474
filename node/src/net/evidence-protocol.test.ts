import { deriveSeed, toHex } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { syntheticManifest, syntheticRound } from '../chain/synthetic-round.js'
import {
  ANY_RUN,
  decodeEvidenceIndex,
  decodeEvidenceRequest,
  decodeRoundEvidenceWire,
  encodeEvidenceIndex,
  encodeEvidenceRequest,
  encodeRoundEvidenceWire,
  MAX_EVIDENCE_REQUEST_BYTES,
} from './evidence-protocol.js'

const run = new Uint8Array(32).fill(0xab)
const hex = (b: Uint8Array) => toHex(b)
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'))

const validatorKeys = [1, 2, 3, 4].map((i) => deriveSeed('murmur/test/validator', i))
const manifestBytes = syntheticManifest({ chainId: 31337n, ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3', validatorKeys, quorum: 3 })
const synthetic = syntheticRound({
  manifestBytes,
  round: 5n,
  previousPolicyHash: new Uint8Array(32).fill(6),
  contributorKeys: [1, 2, 3].map((i) => deriveSeed('murmur/test/contributor', i)),
  signerKeys: validatorKeys.slice(0, 3),
}).evidence

describe('EvidenceRequest', () => {
  it('is version ‖ kind ‖ run [‖ u64 round], pinned byte for byte', () => {
    expect(hex(encodeEvidenceRequest({ kind: 'index', run: ANY_RUN }))).toBe(`0100${'00'.repeat(32)}`)
    const round = encodeEvidenceRequest({ kind: 'round', run, round: 0x0102030405n })
    expect(hex(round)).toBe(`0101${'ab'.repeat(32)}0504030201000000`)
    expect(round.length).toBe(MAX_EVIDENCE_REQUEST_BYTES)
    expect(decodeEvidenceRequest(round)).toEqual({ kind: 'round', run, round: 0x0102030405n })
    expect(decodeEvidenceRequest(bytes(`0100${'ab'.repeat(32)}`))).toEqual({ kind: 'index', run })
  })

  it('rejects malformed requests, naming the field and offset', () => {
    const reject = (h: string) => () => decodeEvidenceRequest(bytes(h))
    expect(reject(`0200${'ab'.repeat(32)}`)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceRequest: field "version" at byte 0 is 2, outside [1, 1].]`,
    )
    expect(reject(`0107${'ab'.repeat(32)}`)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceRequest: field "kind" at byte 1 is 7, outside [0, 1].]`,
    )
    expect(reject(`0100${'ab'.repeat(31)}`)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceRequest: field "run" at byte 2 needs 32 bytes but only 31 remain.]`,
    )
    expect(reject(`0100${'ab'.repeat(32)}00`)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceRequest: field "(end)" at byte 34 is followed by 1 trailing bytes.]`,
    )
    expect(reject(`0101${'ab'.repeat(32)}0500`)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceRequest: field "round" at byte 34 needs 8 bytes but only 2 remain.]`,
    )
    expect(reject(`0101${'00'.repeat(32)}0500000000000000`)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceRequest: field "run" at byte 2 is all zeros; a round is asked for by its run id.]`,
    )
    expect(reject('')).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceRequest: field "version" at byte 0 needs 1 bytes but only 0 remain.]`,
    )
  })
})

describe('EvidenceIndex', () => {
  it('is version ‖ manifest ‖ count ‖ rounds ascending, and refuses any other order', () => {
    const index = encodeEvidenceIndex({ manifestBytes: Uint8Array.of(9, 8), rounds: [1n, 7n] })
    expect(hex(index)).toBe('01' + '02000000' + '0908' + '02000000' + '0100000000000000' + '0700000000000000')
    expect(decodeEvidenceIndex(index)).toEqual({ manifestBytes: Uint8Array.of(9, 8), rounds: [1n, 7n] })
    expect(() => encodeEvidenceIndex({ manifestBytes: Uint8Array.of(), rounds: [3n, 3n] })).toThrow(/rounds\[1\] = 3 does not follow 3/)
    const swapped = bytes(`01 00000000 02000000 0700000000000000 0100000000000000`)
    expect(() => decodeEvidenceIndex(swapped)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceIndex: field "rounds[1]" at byte 17 is 1, not above 7 (rounds are listed ascending, once).]`,
    )
    // a count is checked against the bytes left before anything is allocated
    expect(() => decodeEvidenceIndex(bytes('01 00000000 ffff0f00'))).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode EvidenceIndex: field "count" at byte 5 declares 1048575 items but only 0 bytes remain.]`,
    )
  })
})

describe('RoundEvidence on the wire', () => {
  it('round-trips a round; one encoding whatever order the archive gave', () => {
    const wire = encodeRoundEvidenceWire(synthetic)
    const back = decodeRoundEvidenceWire(wire)
    expect(back.round).toBe(5n)
    expect(back.roundResultBody).toEqual(synthetic.roundResultBody)
    expect(back.signatures.map((s) => hex(s.validator))).toEqual(synthetic.signatures.map((s) => hex(s.validator)).sort())
    expect(back.deltas.map(hex).sort()).toEqual(synthetic.deltas.map(hex).sort())
    expect(back.groups.map(hex).sort()).toEqual(synthetic.groups.map(hex).sort())
    const shuffled = {
      ...synthetic,
      signatures: [...synthetic.signatures].reverse(),
      deltas: [...synthetic.deltas].reverse(),
      groups: [...synthetic.groups, synthetic.groups[0]!].reverse(),
    }
    expect(encodeRoundEvidenceWire(shuffled)).toEqual(wire)
    expect(encodeRoundEvidenceWire(back)).toEqual(wire)
  })

  it('rejects lists out of order, counts beyond the bytes and trailing bytes', () => {
    const wire = encodeRoundEvidenceWire(synthetic)
    expect(() => decodeRoundEvidenceWire(Uint8Array.of(...wire, 0))).toThrow(/field "\(end\)" at byte \d+ is followed by 1 trailing bytes/)
    // swap the first two signatures: validators are listed ascending
    const body = synthetic.roundResultBody.length
    const first = 1 + 8 + 4 + body + 4
    const sig = (i: number) =>
      synthetic.signatures.find((s) => hex(s.validator) === [...synthetic.signatures.map((x) => hex(x.validator))].sort()[i])!
    const a = sig(0)
    const b = sig(1)
    const swapped = Uint8Array.of(
      ...wire.subarray(0, first),
      ...b.validator,
      ...new Uint8Array(new Uint32Array([b.envelope.length]).buffer),
      ...b.envelope,
      ...a.validator,
      ...new Uint8Array(new Uint32Array([a.envelope.length]).buffer),
      ...a.envelope,
      ...wire.subarray(first + 2 * (20 + 4) + a.envelope.length + b.envelope.length),
    )
    expect(swapped.length).toBe(wire.length)
    expect(() => decodeRoundEvidenceWire(swapped)).toThrow(
      /field "signatures\[1\]\.validator" at byte \d+ does not follow the previous address in ascending order/,
    )
    const tooMany = Uint8Array.of(...wire.subarray(0, first - 4), 0x01, 0x01, 0, 0)
    expect(() => decodeRoundEvidenceWire(tooMany)).toThrow(/field "signatureCount" at byte \d+ is 257, outside \[0, 256\]/)
    expect(() => decodeRoundEvidenceWire(wire, body - 1)).toThrow(
      new RegExp(`field "roundResult" at byte 9 declares ${body} bytes; the limit is ${body - 1}`),
    )
  })
})
