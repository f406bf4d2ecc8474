/**
 * Who sends a round's `commitRound`. Every validator holding a quorum of signatures could, but one
 * transaction is enough: submitter k of round r is validators[(r + k) mod n] (the rotation of the
 * proposal slots, docs/PROTOCOL.md "Rounds"). Submitter 0 commits at once; submitter k waits k
 * fallback delays and commits only if the round is still uncommitted, so a dead or partitioned
 * submitter costs one delay, and a commit sent twice is harmless (the client is idempotent).
 */
import { type Address, compareBytes } from '@murmur/protocol'
import { LedgerUsageError } from './errors.js'

/** validators[(round + attempt) mod n], in manifest order. */
export function submitterOf(validators: readonly Address[], round: bigint, attempt: number): Address {
  if (validators.length === 0) throw new LedgerUsageError('submitterOf needs at least one validator.')
  if (round < 0n) throw new LedgerUsageError(`round must be ≥ 0, got ${round}.`, { round })
  if (!Number.isSafeInteger(attempt) || attempt < 0)
    throw new LedgerUsageError(`attempt must be an integer ≥ 0, got ${attempt}.`, { attempt })
  const n = BigInt(validators.length)
  return validators[Number((round + BigInt(attempt)) % n)]!
}

/** The attempt k at which `validator` submits `round` (so it waits k fallback delays), or null if it is no validator. */
export function submitterRank(validators: readonly Address[], round: bigint, validator: Address): number | null {
  const index = validators.findIndex((v) => compareBytes(v, validator) === 0)
  if (index < 0) return null
  const n = BigInt(validators.length)
  return Number((((BigInt(index) - round) % n) + n) % n)
}
