/**
 * From an ethers error to what the ledger said: a decoded custom error with its arguments and a
 * sentence saying what it means (docs/PROTOCOL.md, "Ledger contract" → Errors), or a transport
 * failure worth retrying.
 */
import { CONTRIBUTION_LEDGER_ABI } from '@murmur/contracts'
import { Interface, isError } from 'ethers'

const LEDGER_INTERFACE = new Interface(CONTRIBUTION_LEDGER_ABI)

/** What each custom error means, from the contract's NatSpec; the message adds the values. */
const MEANINGS: Readonly<Record<string, string>> = {
  LedgerRunExists: 'the run id is taken; runs are write-once',
  LedgerInvalidValidatorCount: 'a run needs 1 to 256 validators',
  LedgerValidatorsNotAscending: 'validators must be non-zero and strictly ascending',
  LedgerInvalidQuorum: 'the quorum must lie in [1, validator count]',
  LedgerUnknownRun: 'no such run on this ledger; create it first (ensureRun)',
  LedgerRoundAlreadyCommitted: 'the round is already committed',
  LedgerRoundOutOfOrder: 'an earlier round is not committed yet',
  LedgerPolicyHashMismatch: 'the result does not start from the last committed policy (or genesis)',
  LedgerQuorumNotReached: 'fewer signatures than the quorum',
  LedgerInvalidSignature: 'a signature is not 65 bytes, is high-s, or has a bad v',
  LedgerNotValidator:
    "a signature recovers to an address outside the run's validator set (also what a signature over other fields, another run, chain or ledger gives)",
  LedgerDuplicateSigner: 'a validator signed twice',
  LedgerRoundNotCommitted: 'the round has no result yet',
  LedgerNoRoundCommitted: 'no round is committed yet',
  LedgerAlreadyClaimed: 'this contributor already claimed this round',
  LedgerInvalidProof: "the leaf is not in the round's tree (a forged leaf, a wrong proof, or an empty round)",
  LedgerCreditOverflow: "the contributor's credit in the run would exceed 2^96 - 1, the width of the ledger's credit field",
}

export interface DecodedRevert {
  /** Custom error name, or `unknown` when the revert carried no decodable data. */
  name: string
  args: Record<string, unknown>
  /** `LedgerQuorumNotReached(runId=0x…, signatures=2, quorum=3): fewer signatures than the quorum` */
  text: string
}

function formatValue(v: unknown): string {
  return typeof v === 'bigint' ? v.toString() : String(v)
}

/** Decodes revert data of the ledger (a 4-byte selector and ABI-encoded arguments). */
export function decodeLedgerRevert(data: string | null | undefined): DecodedRevert {
  if (!data || data === '0x')
    return { name: 'unknown', args: {}, text: 'reverted without data (out of gas, or not a ledger at this address)' }
  let parsed: ReturnType<Interface['parseError']> = null
  try {
    parsed = LEDGER_INTERFACE.parseError(data)
  } catch {
    parsed = null
  }
  if (!parsed) return { name: 'unknown', args: {}, text: `reverted with data ${data.slice(0, 74)} that is no ledger error` }
  const args: Record<string, unknown> = {}
  parsed.fragment.inputs.forEach((input, i) => {
    args[input.name || `arg${i}`] = parsed.args[i]
  })
  const list = Object.entries(args)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(', ')
  const meaning = MEANINGS[parsed.name]
  return { name: parsed.name, args, text: `${parsed.name}(${list})${meaning ? `: ${meaning}` : ''}` }
}

/** The revert of an ethers error, or null when the error is not a revert (a transport failure). */
export function revertOf(err: unknown): DecodedRevert | null {
  if (!isError(err, 'CALL_EXCEPTION')) return null
  return decodeLedgerRevert(err.data)
}

/** One line for an ethers (or any) error: its short message and code, without the request dump. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { shortMessage?: string; code?: unknown }
    const text = e.shortMessage ?? e.message.split('\n')[0] ?? e.message
    return typeof e.code === 'string' && !text.includes(e.code) ? `${text} (${e.code})` : text
  }
  return String(err)
}
