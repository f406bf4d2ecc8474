/**
 * /murmur/evidence/1: ask a validator for the signed evidence it keeps (src/chain/evidence.ts),
 * so `murmur audit --from-peers` can audit a round without a copy of anyone's data dir.
 *
 *   request  = EvidenceRequest (34 or 42 bytes), then the requester closes its write side
 *   response = status (u8) ‖ uvarint length ‖ bytes
 *
 * With status OK the bytes are an EvidenceIndex (the run manifest and the rounds kept) or a
 * RoundEvidence (one round's signed bytes, as stored); with any other status they are a UTF-8
 * reason. This file is the codec, without I/O; docs/PROTOCOL.md has every byte. Nothing here is
 * hashed or signed: the requester files the envelopes it receives by their ids and audits them
 * exactly as a local archive, so a peer that lies fails the audit, naming what it altered.
 */
import { ByteReader, ByteWriter, compareBytes, MAX_GOSSIP_MESSAGE_BYTES, MAX_VALIDATORS, toHex } from '@murmur/protocol'
import { NetError } from './errors.js'

export const EVIDENCE_PROTOCOL = '/murmur/evidence/1'

/** Version byte of the request, the index and the round evidence. */
export const EVIDENCE_WIRE_VERSION = 1

export const EVIDENCE_REQUEST_KIND = { index: 0, round: 1 } as const

/** An index request is 1 + 1 + 32 bytes; a round request adds the u64 round. */
export const MAX_EVIDENCE_REQUEST_BYTES = 42

/** Default largest response: a round of thousands of deltas and their groups fits. */
export const DEFAULT_MAX_EVIDENCE_BYTES = 64 * 1024 * 1024

/** A manifest is two ≤ 64 KiB blobs, ≤ 64 bootstrap addresses and ≤ 256 validators: well under this. */
export const MAX_EVIDENCE_MANIFEST_BYTES = 1024 * 1024

/** Rounds one index lists (8 MiB of u64). */
export const MAX_EVIDENCE_INDEX_ROUNDS = 1 << 20

/** Longest reason text a non-OK status carries. */
export const MAX_EVIDENCE_REASON_BYTES = 1024

export const EVIDENCE_STATUS = {
  ok: 0,
  /** The peer keeps this run but not this round (or, asked for any run, keeps none). */
  notFound: 1,
  /** The answer would be larger than the peer serves. */
  tooLarge: 2,
  /** The request does not decode; the reason says where. */
  badRequest: 3,
  /** The peer keeps another run's evidence. */
  otherRun: 4,
  /** The peer's archive could not be read (a damaged file); the reason names it. */
  unavailable: 5,
} as const

export type EvidenceStatus = (typeof EVIDENCE_STATUS)[keyof typeof EVIDENCE_STATUS]

export function evidenceStatusName(status: number): string {
  const entry = Object.entries(EVIDENCE_STATUS).find(([, v]) => v === status)
  return entry ? entry[0] : `unknown status ${status}`
}

/** 32 zero bytes: in an index request, "whichever run you keep". */
export const ANY_RUN = new Uint8Array(32)

export type EvidenceRequest = { kind: 'index'; run: Uint8Array } | { kind: 'round'; run: Uint8Array; round: bigint }

export interface EvidenceIndex {
  /** The archive's manifest.bin; its hash is the run id. */
  manifestBytes: Uint8Array
  /** Rounds with evidence, ascending. */
  rounds: bigint[]
}

/** One round's evidence on the wire: src/chain/evidence.ts's RoundEvidence without the manifest. */
export interface WireRoundEvidence {
  round: bigint
  roundResultBody: Uint8Array
  signatures: { validator: Uint8Array; envelope: Uint8Array }[]
  deltas: Uint8Array[]
  groups: Uint8Array[]
  /** The signed messages proving the RoundResult's offenses. */
  offenses: Uint8Array[]
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0)

export function encodeEvidenceRequest(request: EvidenceRequest): Uint8Array {
  const w = new ByteWriter()
    .u8('version', EVIDENCE_WIRE_VERSION)
    .u8('kind', EVIDENCE_REQUEST_KIND[request.kind])
    .fixed('run', request.run, 32)
  if (request.kind === 'round') w.u64('round', request.round)
  return w.finish()
}

/** @throws MessageDecodeError naming the field and offset (the server sends it back as the reason). */
export function decodeEvidenceRequest(bytes: Uint8Array): EvidenceRequest {
  const r = new ByteReader(bytes, 'EvidenceRequest')
  r.range('version', 8, EVIDENCE_WIRE_VERSION, EVIDENCE_WIRE_VERSION)
  const kind = r.range('kind', 8, 0, 1)
  const at = r.offset
  const run = r.fixed('run', 32)
  if (kind === EVIDENCE_REQUEST_KIND.index) {
    r.end()
    return { kind: 'index', run }
  }
  if (isZero(run)) r.fail('run', 'is all zeros; a round is asked for by its run id', at)
  const round = r.u64('round')
  r.end()
  return { kind: 'round', run, round }
}

export function encodeEvidenceIndex(index: EvidenceIndex): Uint8Array {
  const w = new ByteWriter()
    .u8('version', EVIDENCE_WIRE_VERSION)
    .bytes('manifest', index.manifestBytes, MAX_EVIDENCE_MANIFEST_BYTES)
    .u32('count', index.rounds.length)
  let previous = -1n
  for (const [i, round] of index.rounds.entries()) {
    if (round <= previous)
      throw new NetError(`rounds[${i}] = ${round} does not follow ${previous}; an index lists rounds ascending, once.`, { round })
    w.u64(`rounds[${i}]`, round)
    previous = round
  }
  return w.finish()
}

export function decodeEvidenceIndex(bytes: Uint8Array): EvidenceIndex {
  const r = new ByteReader(bytes, 'EvidenceIndex')
  r.range('version', 8, EVIDENCE_WIRE_VERSION, EVIDENCE_WIRE_VERSION)
  const manifestBytes = r.bytesField('manifest', MAX_EVIDENCE_MANIFEST_BYTES)
  const count = r.count('count', 0, MAX_EVIDENCE_INDEX_ROUNDS, 8)
  const rounds: bigint[] = []
  for (let i = 0; i < count; i++) {
    const at = r.offset
    const round = r.u64(`rounds[${i}]`)
    if (i > 0 && round <= rounds[i - 1]!)
      r.fail(`rounds[${i}]`, `is ${round}, not above ${rounds[i - 1]} (rounds are listed ascending, once)`, at)
    rounds.push(round)
  }
  r.end()
  return { manifestBytes, rounds }
}

/** Signatures by validator address; deltas, groups and offense proofs by their bytes: one encoding per round. */
export function encodeRoundEvidenceWire(e: WireRoundEvidence, maxBytes = DEFAULT_MAX_EVIDENCE_BYTES): Uint8Array {
  const signatures = [...e.signatures].sort((a, b) => compareBytes(a.validator, b.validator))
  const w = new ByteWriter()
    .u8('version', EVIDENCE_WIRE_VERSION)
    .u64('round', e.round)
    .bytes('roundResult', e.roundResultBody, maxBytes)
    .u32('signatureCount', signatures.length)
  for (const [i, s] of signatures.entries()) {
    if (i > 0 && compareBytes(signatures[i - 1]!.validator, s.validator) === 0)
      throw new NetError(`Two signatures of validator 0x${toHex(s.validator)}; a round keeps one per validator.`)
    w.fixed(`signatures[${i}].validator`, s.validator, 20).bytes(`signatures[${i}].envelope`, s.envelope, MAX_GOSSIP_MESSAGE_BYTES)
  }
  for (const [name, list] of [
    ['delta', e.deltas],
    ['group', e.groups],
    ['offense', e.offenses],
  ] as const) {
    const sorted = uniqueSorted(list)
    w.u32(`${name}Count`, sorted.length)
    for (const [i, envelope] of sorted.entries()) w.bytes(`${name}s[${i}]`, envelope, MAX_GOSSIP_MESSAGE_BYTES)
  }
  return w.finish()
}

function uniqueSorted(list: readonly Uint8Array[]): Uint8Array[] {
  const sorted = [...list].sort(compareBytes)
  return sorted.filter((b, i) => i === 0 || compareBytes(sorted[i - 1]!, b) !== 0)
}

export function decodeRoundEvidenceWire(bytes: Uint8Array, maxBytes = DEFAULT_MAX_EVIDENCE_BYTES): WireRoundEvidence {
  const r = new ByteReader(bytes, 'RoundEvidence')
  r.range('version', 8, EVIDENCE_WIRE_VERSION, EVIDENCE_WIRE_VERSION)
  const round = r.u64('round')
  const roundResultBody = r.bytesField('roundResult', maxBytes)
  const signatureCount = r.count('signatureCount', 0, MAX_VALIDATORS, 24)
  const signatures: WireRoundEvidence['signatures'] = []
  for (let i = 0; i < signatureCount; i++) {
    const at = r.offset
    const validator = r.fixed(`signatures[${i}].validator`, 20)
    if (i > 0 && compareBytes(signatures[i - 1]!.validator, validator) >= 0)
      r.fail(`signatures[${i}].validator`, 'does not follow the previous address in ascending order', at)
    signatures.push({ validator, envelope: r.bytesField(`signatures[${i}].envelope`, MAX_GOSSIP_MESSAGE_BYTES) })
  }
  const list = (name: string): Uint8Array[] => {
    const count = r.count(`${name}Count`, 0, MAX_EVIDENCE_INDEX_ROUNDS, 4)
    const out: Uint8Array[] = []
    for (let i = 0; i < count; i++) {
      const at = r.offset
      const envelope = r.bytesField(`${name}s[${i}]`, MAX_GOSSIP_MESSAGE_BYTES)
      if (i > 0 && compareBytes(out[i - 1]!, envelope) >= 0)
        r.fail(`${name}s[${i}]`, 'does not follow the previous envelope in ascending byte order', at)
      out.push(envelope)
    }
    return out
  }
  const deltas = list('delta')
  const groups = list('group')
  const offenses = list('offense')
  r.end()
  return { round, roundResultBody, signatures, deltas, groups, offenses }
}
