/**
 * Verdicts: what a verifier returns for a peer's data. Junk from a peer is normal, not
 * exceptional (STYLE.md §4): verifiers never throw on it; they say why they reject it.
 */
export type RejectReason =
  | 'malformed'
  | 'wrong-kind'
  | 'bad-signature'
  | 'wrong-signer'
  | 'wrong-run'
  | 'wrong-round'
  | 'wrong-policy'
  | 'bad-prompt-index'
  | 'wrong-prompt'
  | 'wrong-group-size'
  | 'too-long'
  | 'reward-mismatch'
  | 'replay-mismatch'
  | 'unknown-group'
  | 'over-norm'
  | 'size-mismatch'
  | 'payload-hash-mismatch'
  | 'malformed-payload'
  | 'wrong-numel'
  | 'non-finite'
  | 'norm-mismatch'
  | 'not-validator'
  | 'wrong-root'
  | 'unknown-device'

export type Rejection = { ok: false; reason: RejectReason; detail: string }
export type Verdict = { ok: true } | Rejection

export function reject(reason: RejectReason, detail: string): Rejection {
  return { ok: false, reason, detail }
}
