/**
 * A validator's book of fraud proofs (protocol verify/offense.ts): the signed messages it caught
 * that prove an offense, kept until a round's RoundResult can list them, and the check of the
 * offenses another validator's proposal lists. An offender forfeits the round whose RoundResult
 * lists it; the proofs travel with the round (served over /murmur/blob/1 under
 * offenseEvidenceKey, and kept in the evidence archive) so endorsers and auditors can check them.
 *
 * What it records:
 * - a ScoredGroup this peer's verifier rejected for `reward-mismatch` (of round r, listable in
 *   rounds r and r + 1);
 * - a RoundResult of the round just committed, signed by a validator over the committed deltas
 *   with another θ or screened set (`wrong-result`, listable in the next round only), whether it
 *   arrived before the quorum or after;
 * - a ScoredGroup of the current round whose sampled replay failed here and whose full replay
 *   fails at twice the offense tolerance (`replay-mismatch`, listable in its round only): the
 *   margin makes every validator's check, at the offense tolerance, agree with this one;
 * - a Delta whose payload, fetched by its hash, failed verification (`invalid-payload`,
 *   listable in its round and the next); the caller keeps the payload to serve it.
 */
import {
  compareOffenses,
  contentHash,
  decodeRoundResult,
  decodeSignedMessage,
  type Eip712Domain,
  encodeSignedMessage,
  equalBytes,
  hashRoundResult,
  MAX_ROUND_OFFENSES,
  type Offense,
  type Rejection,
  type ReplayChecker,
  type RewardOracle,
  type RoundResult,
  recoverSigner,
  type SignedMessage,
  signingDigest,
  toHex,
  verifyOffense,
} from '@murmur/protocol'

/** The blob key an offense's evidence is served under: one RoundResult id may prove several signers. */
export function offenseEvidenceKey(o: Pick<Offense, 'offender' | 'id'>): Uint8Array {
  const b = new Uint8Array(52)
  b.set(o.offender, 0)
  b.set(o.id, 20)
  return contentHash(b)
}

const keyOf = (o: Pick<Offense, 'offender' | 'id'>) => `${toHex(o.offender)}${toHex(o.id)}`

export interface Proof {
  offense: Offense
  /** The signed envelope that proves it. */
  envelope: Uint8Array
  /** The round of the offending message. */
  round: bigint
}

/** What a round's offenses are checked against: its number, θ_round's hash and a replay of θ_round. */
export interface OffenseRound {
  round: bigint
  policyHash: Uint8Array | null
  /** θ_{round−1}, where this peer holds its policy: the round's early groups are sampled on it. */
  previousPolicyHash?: Uint8Array | null
  /** Replays θ_round (and θ_{round−1}) at OFFENSE_REPLAY_TOLERANCE_SCALE × the run's tolerances. */
  replayChecker?: ReplayChecker
  /** The payload bytes a delta names, held or fetched (`invalid-payload`). */
  payloadOf?: (hash: Uint8Array) => Promise<Uint8Array | null>
  numel?: number
}

/** Where a proof came from: this peer's own checks, or the `offenses` gossip topic. */
export type ProofOrigin = 'own' | 'gossip'

export class OffenseBook {
  private readonly proofs = new Map<string, Proof>()
  /** The committed RoundResult of the last round that closed with a quorum here. */
  private committed: RoundResult | null = null

  constructor(
    private readonly ctx: {
      domain: Eip712Domain
      rewardOracle: RewardOracle
      /** Called with every proof this book starts keeping (to serve it, and to gossip an own one). */
      onProof?: (p: Proof, origin: ProofOrigin) => void
    },
  ) {}

  /** The committed RoundResult `wrong-result` offenses of the next round are judged against. */
  get lastCommitted(): RoundResult | null {
    return this.committed
  }

  /** A group the verifier rejected for a reward mismatch: proof against its author. */
  noteForgedGroup(signed: SignedMessage): Proof {
    const { id, value } = signingDigest('ScoredGroup', signed.body, this.ctx.domain)
    return this.add({
      offense: { kind: 'reward-mismatch', offender: value.author, id },
      envelope: encodeSignedMessage(signed),
      round: value.round,
    })
  }

  /** A delta (its signed envelope) whose payload failed verification here: proof against its author. */
  noteInvalidPayload(envelope: Uint8Array): Proof {
    const signed = decodeSignedMessage(envelope)
    const { id, value } = signingDigest('Delta', signed.body, this.ctx.domain)
    return this.add({ offense: { kind: 'invalid-payload', offender: value.author, id }, envelope, round: value.round })
  }

  /**
   * A group whose sampled replay failed here: replayed whole with `strict` (θ of its round at
   * twice the offense tolerance); proof against its author when a completion still fails.
   */
  async noteReplayMismatch(signed: SignedMessage, strict: ReplayChecker): Promise<Proof | null> {
    const { id, value } = signingDigest('ScoredGroup', signed.body, this.ctx.domain)
    const offense: Offense = { kind: 'replay-mismatch', offender: value.author, id }
    // one proof per offender is enough: no second full replay for its other groups
    if (this.holds('replay-mismatch', value.author, value.round)) return null
    const res = await strict.check({ group: value, completionIndices: value.completions.map((_, k) => k) })
    if (res.ok || res.unavailable) return null
    return this.add({ offense, envelope: encodeSignedMessage(signed), round: value.round })
  }

  /**
   * A RoundResult signed for the last committed round: proof against its signer when it is
   * wrong (verifyOffense decides), null otherwise (also when its signature does not recover).
   */
  async noteRoundResult(signed: SignedMessage): Promise<Proof | null> {
    const committed = this.committed
    if (!committed) return null
    let rr: RoundResult
    try {
      rr = decodeRoundResult(signed.body)
    } catch {
      return null
    }
    if (rr.round !== committed.round) return null
    const signer = recoverSigner(signingDigest('RoundResult', signed.body, this.ctx.domain).digest, signed.signature)
    if (!signer.ok) return null
    const offense: Offense = { kind: 'wrong-result', offender: signer.address, id: hashRoundResult(signed.body) }
    if (this.proofs.has(keyOf(offense))) return null
    const v = await verifyOffense(offense, signed, { ...this.ctx, round: committed.round + 1n, previous: committed, policyHash: null })
    return v.ok ? this.add({ offense, envelope: encodeSignedMessage(signed), round: rr.round }) : null
  }

  /**
   * Keeps one proof per offender and kind (one is enough to forfeit the round; a flood of forged
   * messages costs this peer one proof, not one each). Returns the proof kept.
   */
  private add(p: Proof, origin: ProofOrigin = 'own'): Proof {
    for (const q of this.proofs.values())
      if (q.offense.kind === p.offense.kind && equalBytes(q.offense.offender, p.offense.offender) && q.round >= p.round) return q
    for (const [k, q] of this.proofs)
      if (q.offense.kind === p.offense.kind && equalBytes(q.offense.offender, p.offense.offender)) this.proofs.delete(k)
    this.proofs.set(keyOf(p.offense), p)
    this.ctx.onProof?.(p, origin)
    return p
  }

  /** Whether this peer holds a group proof (reward or replay) against `author` of round `round` or later. */
  holdsGroupProof(author: Uint8Array, round: bigint): boolean {
    return this.holds('reward-mismatch', author, round) || this.holds('replay-mismatch', author, round)
  }

  /**
   * A group from the `offenses` topic: kept when it proves a `reward-mismatch` or (with `at`'s
   * replay of θ_round) a `replay-mismatch` offense of its author; otherwise why not.
   */
  async noteProvenGroup(signed: SignedMessage, at: OffenseRound): Promise<{ ok: true; proof: Proof } | Rejection> {
    const { id, value } = signingDigest('ScoredGroup', signed.body, this.ctx.domain)
    let why: Rejection | null = null
    for (const kind of ['reward-mismatch', 'replay-mismatch'] as const) {
      const offense: Offense = { kind, offender: value.author, id }
      const v = await verifyOffense(offense, signed, { ...this.ctx, ...at, previous: this.committed })
      if (v.ok) return { ok: true, proof: this.add({ offense, envelope: encodeSignedMessage(signed), round: value.round }, 'gossip') }
      why = v
    }
    return why!
  }

  /** Whether this peer already holds a proof of `kind` against `offender` of round `round` or later. */
  private holds(kind: Offense['kind'], offender: Uint8Array, round: bigint): boolean {
    for (const q of this.proofs.values())
      if (q.offense.kind === kind && equalBytes(q.offense.offender, offender) && q.round >= round) return true
    return false
  }

  /**
   * Round `result.round` committed with `result`: its listed offenses are spent, proofs too old
   * for the next round are dropped, and `result` becomes what the next round's `wrong-result`
   * offenses are judged against.
   */
  onCommitted(result: RoundResult): void {
    this.committed = result
    for (const o of result.offenses) this.proofs.delete(keyOf(o))
    const next = result.round + 1n
    for (const [k, p] of this.proofs) if (p.round + 1n < next) this.proofs.delete(k)
  }

  /** A round closed without a quorum here: nothing can be judged against it. */
  onUncommitted(round: bigint): void {
    this.committed = null
    for (const [k, p] of this.proofs) if (p.round + 1n < round + 1n) this.proofs.delete(k)
  }

  /** The evidence this peer holds for `o`, if any. */
  evidence(o: Pick<Offense, 'offender' | 'id'>): Uint8Array | undefined {
    return this.proofs.get(keyOf(o))?.envelope
  }

  /** The offenses this peer can prove in `at`'s RoundResult, in RoundResult order, capped. */
  async listable(at: OffenseRound): Promise<{ offense: Offense; envelope: Uint8Array }[]> {
    const out: Proof[] = []
    for (const p of this.proofs.values()) {
      const v = await verifyOffense(p.offense, p.envelope, { ...this.ctx, ...at, previous: this.committed })
      if (v.ok) out.push(p)
    }
    // one offense per offender forfeits its round: list the first of each, in RoundResult order
    out.sort((a, b) => compareOffenses(a.offense, b.offense))
    return out.filter((p, i) => i === 0 || !equalBytes(out[i - 1]!.offense.offender, p.offense.offender)).slice(0, MAX_ROUND_OFFENSES)
  }

  /**
   * Checks the offenses a proposal for `at.round` lists: each must be proven by evidence this peer
   * holds or `fetch` gets (by offenseEvidenceKey). Returns their envelopes (this peer's archive
   * of the round keeps them) when all hold, else why not.
   */
  async check(
    at: OffenseRound,
    offenses: readonly Offense[],
    fetch: (o: Offense) => Promise<Uint8Array | null>,
  ): Promise<{ ok: true; envelopes: Uint8Array[] } | { ok: false; why: string }> {
    const envelopes: Uint8Array[] = []
    for (const o of offenses) {
      const what = `the ${o.kind} offense of ${toHex(o.offender).slice(0, 10)}… (message ${toHex(o.id).slice(0, 12)}…)`
      const envelope = this.evidence(o) ?? (await fetch(o))
      if (!envelope) return { ok: false, why: `${what} comes without evidence: no peer served it` }
      const v = await verifyOffense(o, envelope, { ...this.ctx, ...at, previous: this.committed })
      if (!v.ok) return { ok: false, why: `${what} does not hold: ${v.reason}: ${v.detail}` }
      envelopes.push(envelope)
    }
    return { ok: true, envelopes }
  }
}
