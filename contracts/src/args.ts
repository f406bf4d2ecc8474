/**
 * Arguments of the ledger's transactions built from protocol values, so every caller (node, tests,
 * bench) passes the same bytes the validators signed.
 */
import { type CreditEntry, decodeRoundResult, hashRoundResult, toChecksumAddress, toHex0x } from '@murmur/protocol'

export type Hex = `0x${string}`

export type CommitRoundArgs = [
  runId: Hex,
  round: bigint,
  previousPolicyHash: Hex,
  policyHash: Hex,
  contributionsRoot: Hex,
  resultDigest: Hex,
  signatures: Hex[],
]

export type ClaimArgs = [
  runId: Hex,
  round: bigint,
  contributor: string,
  acceptedGroups: number,
  acceptedDeltas: number,
  credit: bigint,
  proof: Hex[],
]

/**
 * `commitRound` arguments for a RoundResult's canonical bytes, exactly as the validators signed
 * them, and their 65-byte signatures. `resultDigest` is `hashRoundResult(body)`, the typed
 * message's `digest`.
 */
export function commitRoundArgs(body: Uint8Array, signatures: readonly Uint8Array[]): CommitRoundArgs {
  const rr = decodeRoundResult(body)
  return [
    toHex0x(rr.run),
    rr.round,
    toHex0x(rr.previousPolicyHash),
    toHex0x(rr.newPolicyHash),
    toHex0x(rr.contributionsRoot),
    toHex0x(hashRoundResult(body)),
    signatures.map((s) => toHex0x(s)),
  ]
}

/** `claim` arguments for one credit entry of `round` and its proof (`ContributionsTree.proof`). */
export function claimArgs(run: Uint8Array, round: bigint, entry: CreditEntry, proof: readonly Uint8Array[]): ClaimArgs {
  return [
    toHex0x(run),
    round,
    toChecksumAddress(entry.contributor),
    entry.acceptedGroups,
    entry.acceptedDeltas,
    entry.credit,
    proof.map((p) => toHex0x(p)),
  ]
}
