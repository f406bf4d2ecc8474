// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * RoundResult: what validators sign when round `round` closes (DESIGN.md §3 step 5): the policy
 * before and after, the included deltas, those of them the delta screen left out of the
 * aggregate (aggregate/screen.ts; their authors forfeit the round's credit), the offenses the
 * proposer proves (verify/offense.ts; their offenders forfeit the round's credit too), and every
 * contributor's credit. `contributionsRoot` is
 * the OpenZeppelin-standard Merkle root over `credits` (merkle/contributions.ts); the ledger
 * stores it, and each contributor proves its own leaf.
 */
import { compareBytes } from '../bytes/bytes.js'
import { ByteReader } from '../bytes/reader.js'
import { ByteWriter } from '../bytes/writer.js'
import { MAX_ROUND_CONTRIBUTORS, MAX_ROUND_DELTAS, MAX_ROUND_OFFENSES, PROTOCOL_VERSION } from '../constants.js'
import type { Eip712Message } from '../crypto/eip712.js'
import type { Address } from '../crypto/identity.js'
import { InvalidArgumentError } from '../errors.js'
import { MESSAGE_TAGS, taggedKeccak } from './tagged-hash.js'

/** One contributor's accepted work and credit in a round: one Merkle leaf. */
export interface CreditEntry {
  contributor: Address
  acceptedGroups: number
  acceptedDeltas: number
  credit: bigint
}

/**
 * What an offense proves, by the signed message that is its evidence (verify/offense.ts):
 * - `reward-mismatch` (1): a ScoredGroup of this round or the one before whose declared rewards
 *   the task verifier does not give; `id` is the group's id (hashScoredGroup).
 * - `wrong-result` (2): a RoundResult of the round before, signed by `offender`, that lists the
 *   same deltas as the committed one but another θ_{r+1} or another screened set, which the
 *   deterministic aggregation rules out; `id` is that RoundResult's id (hashRoundResult).
 * - `replay-mismatch` (3): a ScoredGroup of this round, on this round's policy, with a
 *   completion that fails the replay by more than OFFENSE_REPLAY_TOLERANCE_SCALE × the
 *   tolerances (not sampled from the policy: hand-written, or from another policy or seed).
 * - `invalid-payload` (4): a Delta of this round or the one before whose payload (the bytes
 *   its payloadHash names) fails verifyDeltaPayload: malformed, non-finite, of another size or
 *   numel, or another norm than the header declares; `id` is the Delta's id (hashDelta).
 */
export const OFFENSE_KINDS = { 'reward-mismatch': 1, 'wrong-result': 2, 'replay-mismatch': 3, 'invalid-payload': 4 } as const
export type OffenseKind = keyof typeof OFFENSE_KINDS
const KIND_OF_CODE = new Map(Object.entries(OFFENSE_KINDS).map(([k, v]) => [v as number, k as OffenseKind]))

/** A provable misbehaviour: `offender` signed the message `id`, which shows it (see OffenseKind). */
export interface Offense {
  kind: OffenseKind
  offender: Address
  id: Uint8Array
}

/** Offense order: by offender, then id (an id alone is not unique: validators may sign one wrong body alike). */
export function compareOffenses(a: Offense, b: Offense): number {
  return compareBytes(a.offender, b.offender) || compareBytes(a.id, b.id)
}

export interface RoundResult {
  run: Uint8Array
  round: bigint
  previousPolicyHash: Uint8Array
  newPolicyHash: Uint8Array
  contributionsRoot: Uint8Array
  /** Included Delta ids (hashDelta), strictly ascending: the aggregation order. */
  deltas: Uint8Array[]
  /** The included deltas the screen left out of Δ̄_r, strictly ascending: a subset of `deltas`. */
  screened: Uint8Array[]
  /** Proven offenses, strictly ascending by (offender, id): every offender forfeits the round. */
  offenses: Offense[]
  /** Strictly ascending by contributor. */
  credits: CreditEntry[]
}

const TYPE = 'RoundResult'

export function encodeRoundResult(rr: RoundResult): Uint8Array {
  if (rr.deltas.length > MAX_ROUND_DELTAS) throw new InvalidArgumentError(`A RoundResult lists at most ${MAX_ROUND_DELTAS} deltas.`)
  if (rr.credits.length > MAX_ROUND_CONTRIBUTORS)
    throw new InvalidArgumentError(`A RoundResult credits at most ${MAX_ROUND_CONTRIBUTORS} contributors.`)
  for (let i = 1; i < rr.deltas.length; i++) {
    if (compareBytes(rr.deltas[i - 1]!, rr.deltas[i]!) >= 0)
      throw new InvalidArgumentError('RoundResult.deltas must be strictly ascending.')
  }
  // both lists ascend, so one forward walk over `deltas` finds each screened id (as decoding does)
  for (let i = 0, k = 0; i < rr.screened.length; i++) {
    if (i > 0 && compareBytes(rr.screened[i - 1]!, rr.screened[i]!) >= 0)
      throw new InvalidArgumentError('RoundResult.screened must be strictly ascending.')
    while (k < rr.deltas.length && compareBytes(rr.deltas[k]!, rr.screened[i]!) < 0) k++
    if (k === rr.deltas.length || compareBytes(rr.deltas[k]!, rr.screened[i]!) !== 0)
      throw new InvalidArgumentError('RoundResult.screened may only list included deltas.')
  }
  if (rr.offenses.length > MAX_ROUND_OFFENSES) throw new InvalidArgumentError(`A RoundResult lists at most ${MAX_ROUND_OFFENSES} offenses.`)
  for (let i = 1; i < rr.offenses.length; i++) {
    if (compareOffenses(rr.offenses[i - 1]!, rr.offenses[i]!) >= 0)
      throw new InvalidArgumentError('RoundResult.offenses must be strictly ascending by (offender, id).')
  }
  for (let i = 1; i < rr.credits.length; i++) {
    if (compareBytes(rr.credits[i - 1]!.contributor, rr.credits[i]!.contributor) >= 0) {
      throw new InvalidArgumentError('RoundResult.credits must be strictly ascending by contributor.')
    }
  }
  const w = new ByteWriter()
    .u8('version', PROTOCOL_VERSION)
    .fixed('run', rr.run, 32)
    .u64('round', rr.round)
    .fixed('previousPolicyHash', rr.previousPolicyHash, 32)
    .fixed('newPolicyHash', rr.newPolicyHash, 32)
    .fixed('contributionsRoot', rr.contributionsRoot, 32)
    .u32('deltas', rr.deltas.length)
  for (const [i, d] of rr.deltas.entries()) w.fixed(`deltas[${i}]`, d, 32)
  w.u32('screened', rr.screened.length)
  for (const [i, d] of rr.screened.entries()) w.fixed(`screened[${i}]`, d, 32)
  w.u32('offenses', rr.offenses.length)
  rr.offenses.forEach((o, i) => {
    w.u8(`offenses[${i}].kind`, OFFENSE_KINDS[o.kind]).fixed(`offenses[${i}].offender`, o.offender, 20).fixed(`offenses[${i}].id`, o.id, 32)
  })
  w.u32('credits', rr.credits.length)
  rr.credits.forEach((c, i) => {
    w.fixed(`credits[${i}].contributor`, c.contributor, 20)
      .u32(`credits[${i}].acceptedGroups`, c.acceptedGroups)
      .u32(`credits[${i}].acceptedDeltas`, c.acceptedDeltas)
      .u256(`credits[${i}].credit`, c.credit)
  })
  return w.finish()
}

export function decodeRoundResult(bytes: Uint8Array): RoundResult {
  const r = new ByteReader(bytes, TYPE)
  r.range('version', 8, PROTOCOL_VERSION, PROTOCOL_VERSION)
  const run = r.fixed('run', 32)
  const round = r.u64('round')
  const previousPolicyHash = r.fixed('previousPolicyHash', 32)
  const newPolicyHash = r.fixed('newPolicyHash', 32)
  const contributionsRoot = r.fixed('contributionsRoot', 32)
  const nDeltas = r.count('deltas', 0, MAX_ROUND_DELTAS, 32)
  const deltas: Uint8Array[] = []
  for (let i = 0; i < nDeltas; i++) {
    const at = r.offset
    const d = r.fixed(`deltas[${i}]`, 32)
    if (i > 0 && compareBytes(deltas[i - 1]!, d) >= 0) r.fail(`deltas[${i}]`, 'is not strictly above the previous delta id', at)
    deltas.push(d)
  }
  const nScreened = r.count('screened', 0, nDeltas, 32)
  const screened: Uint8Array[] = []
  // both lists ascend, so one forward walk over `deltas` checks that each screened id is included
  let k = 0
  for (let i = 0; i < nScreened; i++) {
    const at = r.offset
    const d = r.fixed(`screened[${i}]`, 32)
    if (i > 0 && compareBytes(screened[i - 1]!, d) >= 0) r.fail(`screened[${i}]`, 'is not strictly above the previous screened id', at)
    while (k < nDeltas && compareBytes(deltas[k]!, d) < 0) k++
    if (k === nDeltas || compareBytes(deltas[k]!, d) !== 0) r.fail(`screened[${i}]`, 'is not one of the included deltas', at)
    screened.push(d)
  }
  const nOffenses = r.count('offenses', 0, MAX_ROUND_OFFENSES, 53)
  const offenses: Offense[] = []
  for (let i = 0; i < nOffenses; i++) {
    const at = r.offset
    const code = r.u8(`offenses[${i}].kind`)
    const kind =
      KIND_OF_CODE.get(code) ??
      r.fail(`offenses[${i}].kind`, `is ${code}, not a known offense kind (${Object.values(OFFENSE_KINDS).join(', ')})`, at)
    const o: Offense = { kind, offender: r.fixed(`offenses[${i}].offender`, 20), id: r.fixed(`offenses[${i}].id`, 32) }
    if (i > 0 && compareOffenses(offenses[i - 1]!, o) >= 0)
      r.fail(`offenses[${i}]`, 'is not strictly above the previous offense by (offender, id)', at)
    offenses.push(o)
  }
  const nCredits = r.count('credits', 0, MAX_ROUND_CONTRIBUTORS, 60)
  const credits: CreditEntry[] = []
  for (let i = 0; i < nCredits; i++) {
    const at = r.offset
    const contributor = r.fixed(`credits[${i}].contributor`, 20)
    if (i > 0 && compareBytes(credits[i - 1]!.contributor, contributor) >= 0)
      r.fail(`credits[${i}].contributor`, 'is not strictly above the previous contributor', at)
    credits.push({
      contributor,
      acceptedGroups: r.u32(`credits[${i}].acceptedGroups`),
      acceptedDeltas: r.u32(`credits[${i}].acceptedDeltas`),
      credit: r.u256(`credits[${i}].credit`),
    })
  }
  r.end()
  return { run, round, previousPolicyHash, newPolicyHash, contributionsRoot, deltas, screened, offenses, credits }
}

export function hashRoundResult(bytes: Uint8Array): Uint8Array {
  return taggedKeccak(MESSAGE_TAGS.RoundResult, bytes)
}

export function roundResultTypedMessage(rr: RoundResult, digest: Uint8Array): Eip712Message<'RoundResult'> {
  return {
    run: rr.run,
    round: rr.round,
    previousPolicyHash: rr.previousPolicyHash,
    newPolicyHash: rr.newPolicyHash,
    contributionsRoot: rr.contributionsRoot,
    digest,
  }
}
