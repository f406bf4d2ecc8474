/**
 * Errors of the chain shell (ledger client, evidence archive, audit). Matched by `name`, never by
 * `instanceof` (STYLE.md §4). Each carries `details` with the values its message names, and an
 * `exitCode` so the CLI prints the message alone: 1 when the job failed, 3 when the user's input
 * (an archive, a manifest, an address) is wrong.
 */

export class ChainError extends Error {
  override name = 'ChainError'
  readonly details: Readonly<Record<string, unknown>>
  readonly exitCode: number
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.details = details
    this.exitCode = options?.exitCode ?? 1
  }
}

/** A ledger transaction or call reverted with one of the contract's custom errors (or without data). */
export class LedgerRevertError extends ChainError {
  override name = 'LedgerRevertError' as const
  /** The custom error's name (`LedgerQuorumNotReached`, …), or `unknown` when the revert carried no data. */
  get reason(): string {
    return this.details.reason as string
  }
}

/** The chain holds something other than what the caller has: a run with other validators, a round committed with other data. */
export class LedgerConflictError extends ChainError {
  override name = 'LedgerConflictError' as const
  /** The field that differs (`quorum`, `policyHash`, …). */
  get field(): string {
    return this.details.field as string
  }
}

/** The JSON-RPC endpoint did not answer (refused, timed out, failed) until the deadline or abort. */
export class LedgerUnavailableError extends ChainError {
  override name = 'LedgerUnavailableError' as const
}

/** Bad local input to the ledger client: an address, a key, a missing run. */
export class LedgerUsageError extends ChainError {
  override name = 'LedgerUsageError' as const
}

/** An evidence archive that is missing, malformed or not content-addressed as it claims. */
export class EvidenceFormatError extends ChainError {
  override name = 'EvidenceFormatError' as const
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, details, { ...options, exitCode: 3 })
  }
}
