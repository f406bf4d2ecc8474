/**
 * Does the chain hold the manifest's run, and a round as the caller has it? `createRun` is permissionless, so the chain does not
 * prove that a run's validators, quorum and genesis are the manifest's; peers (and `murmur audit`)
 * compare them before they trust the ledger (docs/PROTOCOL.md, "Ledger contract").
 */
import { equalBytes, hashRoundResult, parseAddress, type RoundResult, type RunManifest, toChecksumAddress, toHex0x } from '@murmur/protocol'

export interface RunMismatch {
  field: 'ledger' | 'chainId' | 'genesisPolicyHash' | 'quorum' | 'validatorCount' | 'validators'
  manifest: string
  chain: string
  message: string
}

/** The registration `runOf` returns, as the ledger client decodes it. */
export interface RegisteredRun {
  quorum: number
  validatorCount: number
  genesisPolicyHash: Uint8Array
}

/**
 * The manifest's EIP-712 domain names a ledger and a chain: signatures made in it verify on that
 * ledger only, so a client pointed at another one can never commit the run.
 */
export function domainMismatches(manifest: RunManifest, where: { ledger: string; chainId: bigint }): RunMismatch[] {
  const out: RunMismatch[] = []
  const ledger = toChecksumAddress(manifest.ledger)
  if (!equalBytes(manifest.ledger, parseAddress(where.ledger))) {
    out.push({
      field: 'ledger',
      manifest: ledger,
      chain: where.ledger,
      message: `the manifest names ledger ${ledger}, but this client talks to ${where.ledger}; signatures in the manifest's EIP-712 domain verify only on ${ledger}`,
    })
  }
  if (manifest.chainId !== where.chainId) {
    out.push({
      field: 'chainId',
      manifest: String(manifest.chainId),
      chain: String(where.chainId),
      message: `the manifest names chain ${manifest.chainId}, but the RPC serves chain ${where.chainId}`,
    })
  }
  return out
}

/** Fields of the registered run that differ from the manifest; `isValidator[i]` is the chain's answer for manifest.validators[i]. */
export function registrationMismatches(manifest: RunManifest, run: RegisteredRun, isValidator: readonly boolean[]): RunMismatch[] {
  const out: RunMismatch[] = []
  if (!equalBytes(run.genesisPolicyHash, manifest.genesisPolicyHash)) {
    const [m, c] = [toHex0x(manifest.genesisPolicyHash), toHex0x(run.genesisPolicyHash)]
    out.push({ field: 'genesisPolicyHash', manifest: m, chain: c, message: `genesisPolicyHash is ${c} on-chain, ${m} in the manifest` })
  }
  if (run.quorum !== manifest.quorum) {
    out.push({
      field: 'quorum',
      manifest: String(manifest.quorum),
      chain: String(run.quorum),
      message: `quorum is ${run.quorum} on-chain, ${manifest.quorum} in the manifest`,
    })
  }
  if (run.validatorCount !== manifest.validators.length) {
    out.push({
      field: 'validatorCount',
      manifest: String(manifest.validators.length),
      chain: String(run.validatorCount),
      message: `the run has ${run.validatorCount} validators on-chain, ${manifest.validators.length} in the manifest`,
    })
  }
  const missing = manifest.validators.filter((_, i) => !isValidator[i]).map(toChecksumAddress)
  if (missing.length > 0) {
    out.push({
      field: 'validators',
      manifest: missing.join(','),
      chain: '',
      message: `the manifest's validator(s) ${missing.join(', ')} are not validators of the run on-chain`,
    })
  }
  return out
}

/** What the ledger stores for a committed round, with the digest its RoundCommitted event carries. */
export interface CommittedRound {
  previousPolicyHash: Uint8Array
  policyHash: Uint8Array
  contributionsRoot: Uint8Array
  /** hashRoundResult of the committed body, from its RoundCommitted event (null if the node has no such log). */
  resultDigest: Uint8Array | null
}

export interface RoundMismatch {
  field: 'previousPolicyHash' | 'policyHash' | 'contributionsRoot' | 'resultDigest'
  onChain: string
  ours: string
  message: string
}

/** The first field where the chain's committed round differs from `result` (whose bytes are `body`), or null. */
export function roundMismatch(result: RoundResult, body: Uint8Array, onChain: CommittedRound): RoundMismatch | null {
  const fields: [RoundMismatch['field'], Uint8Array, Uint8Array | null][] = [
    ['previousPolicyHash', result.previousPolicyHash, onChain.previousPolicyHash],
    ['policyHash', result.newPolicyHash, onChain.policyHash],
    ['contributionsRoot', result.contributionsRoot, onChain.contributionsRoot],
    ['resultDigest', hashRoundResult(body), onChain.resultDigest],
  ]
  for (const [field, ours, theirs] of fields) {
    if (theirs !== null && !equalBytes(ours, theirs)) {
      const [c, o] = [toHex0x(theirs), toHex0x(ours)]
      return {
        field,
        onChain: c,
        ours: o,
        message: `Round ${result.round} of run ${toHex0x(result.run)} is already committed with ${field} ${c}, not this RoundResult's ${o}.`,
      }
    }
  }
  return null
}
