/**
 * A peer's claims of its own credit (a swarm peer's autoClaim). A round's claim is owed from the
 * round's close and goes out once the round is on chain; claims go out one at a time, in round
 * order, each after the one before is mined and seen on chain, so a reorg can only drop the latest
 * ones. Before each claim it walks back from the newest claim sent until one is still on chain,
 * and owes again those that are not: the validators' recommit from evidence (SwarmPeer) puts their
 * rounds back, and the claims follow. A claim that fails stays owed for the next pass; none is
 * forgotten but those older than the `kept` newest. (Left: a reorg that drops a claim in the
 * moment between that check and the next send, whose transaction no node re-mines, goes unseen.)
 */
import type { Address, CreditEntry } from '@murmur/protocol'
import { delay } from './retry.js'

/** What the claimer needs of the ledger (LedgerClient has it). */
export interface ClaimLedger {
  lastCommittedRound(): Promise<bigint | null>
  isClaimed(round: bigint, contributor: Address): Promise<boolean>
  claim(
    round: bigint,
    entry: CreditEntry,
    proof: readonly Uint8Array[],
    options?: { signal?: AbortSignal },
  ): Promise<{ status: 'claimed' | 'already' }>
}

export interface ClaimerInit {
  ledger: ClaimLedger
  /** Aborting ends the claimer: a pass in progress returns, and settle() returns at once. */
  signal: AbortSignal
  log: (line: string) => void
  /** Called for each claim transaction that landed (a peer's `claims` counter). */
  onClaimed?: (round: bigint) => void
  /** How often owed claims whose rounds are not on chain yet look again; default 500 ms. */
  pollMs?: number
  /** Claims kept to send again after a reorg: deeper reorgs than this are not repaired; default 64. */
  kept?: number
}

interface Claim {
  round: bigint
  entry: CreditEntry
  proof: readonly Uint8Array[]
  /** Sent and mined; false while owed. */
  sent: boolean
  /** Owed again because a reorg dropped it. */
  lost: boolean
}

export class Claimer {
  readonly #init: ClaimerInit
  /** In round order. */
  #claims: Claim[] = []
  #running: Promise<void> | null = null
  #again = false

  constructor(init: ClaimerInit) {
    this.#init = init
  }

  /** Claims owed: not sent yet, or dropped by a reorg and not sent again yet. */
  get owed(): number {
    return this.#claims.filter((c) => !c.sent).length
  }

  /** Owes the claim of `round` (once: a second call for the round is ignored) and settles. */
  owe(round: bigint, entry: CreditEntry, proof: readonly Uint8Array[]): Promise<void> {
    if (!this.#claims.some((c) => c.round === round)) {
      this.#claims = [...this.#claims, { round, entry, proof, sent: false, lost: false }]
        .sort((a, b) => (a.round < b.round ? -1 : a.round > b.round ? 1 : 0))
        .slice(-(this.#init.kept ?? 64))
    }
    return this.settle()
  }

  /**
   * One claimer at a time: a call while a pass runs asks for another pass after it, and returns
   * when the passes end (no claim owed whose round is on chain, or a failure left for the next
   * call, or the signal aborted). Never rejects: failures are logged.
   */
  settle(): Promise<void> {
    if (this.#running) {
      this.#again = true
      return this.#running
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false
          await this.#pass()
        } while (this.#again && !this.#init.signal.aborted)
      } catch (err) {
        if (!this.#init.signal.aborted) this.#init.log(`claims: ${(err as Error).message}; trying again at the next round`)
      } finally {
        this.#running = null
      }
    })()
    return this.#running
  }

  /**
   * Sends the owed claims whose rounds are on chain, oldest first, one at a time. Before each, it
   * walks back from the newest claim sent until one is still on chain: claims go out one after
   * another, so a reorg drops the newest first, and a claim is only sent after the one before it
   * was seen on chain.
   */
  async #pass(): Promise<void> {
    const { ledger, signal, log } = this.#init
    for (;;) {
      if (signal.aborted) return
      for (const c of this.#claims.filter((x) => x.sent).reverse()) {
        if (await ledger.isClaimed(c.round, c.entry.contributor)) break
        c.sent = false
        c.lost = true
        log(`round ${c.round}: its claim is not on chain any more (a reorg?); it is owed again`)
      }
      const next = this.#claims.find((c) => !c.sent)
      if (!next) return
      // rounds are committed in order: the oldest owed claim waits for its round, the rest for it
      if (next.round > ((await ledger.lastCommittedRound()) ?? -1n)) {
        await delay(this.#init.pollMs ?? 500, signal).catch(() => {})
        continue
      }
      const outcome = await ledger.claim(next.round, next.entry, next.proof, { signal })
      next.sent = true
      if (outcome.status === 'claimed') this.#init.onClaimed?.(next.round)
      log(
        next.lost
          ? `round ${next.round}: its claim is on chain again (${outcome.status})`
          : `round ${next.round}: credit ${next.entry.credit} ${outcome.status}`,
      )
      next.lost = false
    }
  }
}
