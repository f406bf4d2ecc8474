// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Verification of one validator's signed RoundResult: envelope and body decode, run and round,
 * the previous policy, a signer in the run's validator set, and `contributionsRoot` equal to the
 * Merkle root of the listed credits. Quorum counting (distinct validators signing identical
 * bodies) is the caller's, over the ids this returns. Never throws on a peer's bytes.
 */
import { compareBytes, equalBytes, toHex0x } from '../bytes/bytes.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import type { Address } from '../crypto/identity.js'
import { recoverSigner } from '../crypto/verify.js'
import { contributionsRoot } from '../merkle/contributions.js'
import type { RoundResult } from '../messages/round-result.js'
import type { SignedMessage } from '../messages/signed.js'
import { openEnvelope, type Rejection, reject } from './verdict.js'

export interface RoundResultExpectation {
  domain: Eip712Domain
  round: bigint
  previousPolicyHash: Uint8Array
  /** The run's validator set. */
  validators: readonly Address[]
}

export type RoundResultVerdict = { ok: true; result: RoundResult; id: Uint8Array; validator: Address } | Rejection

export function verifyRoundResult({
  message,
  expected,
}: {
  message: Uint8Array | SignedMessage
  expected: RoundResultExpectation
}): RoundResultVerdict {
  const opened = openEnvelope('RoundResult', message, expected.domain)
  if (!opened.ok) return opened
  const { signed, value: result, id, digest } = opened
  if (!equalBytes(result.run, expected.domain.salt))
    return reject('wrong-run', `result is for run ${toHex0x(result.run)}, not ${toHex0x(expected.domain.salt)}`)
  if (result.round !== expected.round) return reject('wrong-round', `result is for round ${result.round}, expected ${expected.round}`)
  if (!equalBytes(result.previousPolicyHash, expected.previousPolicyHash)) {
    return reject(
      'wrong-policy',
      `result starts from ${toHex0x(result.previousPolicyHash)}, round ${expected.round} used ${toHex0x(expected.previousPolicyHash)}`,
    )
  }
  const signer = recoverSigner(digest, signed.signature)
  if (!signer.ok) return reject('bad-signature', `signature is not acceptable: ${signer.problem}`)
  if (!expected.validators.some((v) => compareBytes(v, signer.address) === 0))
    return reject('not-validator', `signed by ${toHex0x(signer.address)}, which is not a validator of this run`)
  const root = contributionsRoot(result.run, result.round, result.credits)
  if (!equalBytes(root, result.contributionsRoot))
    return reject('wrong-root', `credits give root ${toHex0x(root)}; the result declares ${toHex0x(result.contributionsRoot)}`)
  return { ok: true, result, id, validator: signer.address }
}
