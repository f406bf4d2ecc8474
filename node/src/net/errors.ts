/**
 * Errors of the networking layer. Matched by `name` (STYLE.md §4); a peer's junk never throws
 * here — it becomes a verdict, a penalty and a debug log. These are for local mistakes (an
 * oversize publish, a bad key) and for outcomes the caller must handle (no holder delivered).
 */

export class NetError extends Error {
  override name: string = 'NetError'
  readonly details: Readonly<Record<string, unknown>>
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.details = details
  }
}

/**
 * What went wrong, for a log line: an Error's message; a transport's error Event (a WebSocket
 * dial fails with one, whose String() is "[object Event]") by its type; anything else as text.
 */
export function failureText(err: unknown): string {
  if (err instanceof Error) return err.message
  if (typeof Event !== 'undefined' && err instanceof Event)
    return `the transport failed (${err.type} event; the peer's address refused or dropped the connection)`
  return String(err)
}

/** A gossip publish larger than the limit: gossipsub would drop it silently past 4 MiB. */
export class GossipMessageTooLargeError extends NetError {
  override name = 'GossipMessageTooLargeError' as const
  constructor(d: { topic: string; sizeBytes: number; maxBytes: number }) {
    super(
      `Gossip message on ${d.topic} is ${d.sizeBytes} bytes; the limit is ${d.maxBytes} (maxMessageBytes). ` +
        'Announce large payloads by hash and serve them over /murmur/blob/1.',
      d,
    )
  }
}

/** Publishing failed inside gossipsub (wrapped with what we were doing). */
export class GossipPublishError extends NetError {
  override name = 'GossipPublishError' as const
  constructor(d: { topic: string; reason: string }, options?: { cause?: unknown }) {
    super(`Cannot publish on ${d.topic}: ${d.reason}.`, d, options)
  }
}

/** A topic string that is not one of a run's murmur topics. */
export class UnknownTopicError extends NetError {
  override name = 'UnknownTopicError' as const
  constructor(topic: string) {
    super(`"${topic}" is not a murmur topic (/murmur/<64 hex run id>/groups|deltas|round-results|checkpoints|status|offenses).`, { topic })
  }
}

/** The host's key does not give the PeerId protocol/ derives from it (identity drift). */
export class PeerIdentityError extends NetError {
  override name = 'PeerIdentityError' as const
}

/** One holder's failure to deliver a blob, as recorded in {@link BlobUnavailableError}. */
export interface BlobAttempt {
  peer: string
  reason: 'not-found' | 'too-large' | 'hash-mismatch' | 'timeout' | 'protocol' | 'dial' | 'refused'
  detail: string
}

/** No holder delivered the blob: every one was tried (or none was known). */
export class BlobUnavailableError extends NetError {
  override name = 'BlobUnavailableError' as const
  readonly attempts: readonly BlobAttempt[]
  constructor(d: { hash: string; attempts: BlobAttempt[] }) {
    const tried = d.attempts.map((a) => `${a.peer}: ${a.reason} (${a.detail})`).join('; ')
    super(
      d.attempts.length === 0
        ? `No holder is known for blob ${d.hash}; wait for an announcement (Delta or CheckpointAnnouncement) and retry.`
        : `No holder delivered blob ${d.hash} (${d.attempts.length} tried): ${tried}.`,
      d,
    )
    this.attempts = d.attempts
  }
}

/** Narrows an error to {@link BlobUnavailableError} by name (works across duplicated packages). */
export function isBlobUnavailable(err: unknown): err is BlobUnavailableError {
  return err instanceof Error && err.name === 'BlobUnavailableError' && Array.isArray((err as BlobUnavailableError).attempts)
}

/** One peer's failure to answer an evidence request, as recorded by `murmur audit --from-peers`. */
export interface EvidenceAttempt {
  peer: string
  reason: 'not-found' | 'other-run' | 'too-large' | 'bad-request' | 'unavailable' | 'timeout' | 'dial' | 'protocol'
  detail: string
}

/** A peer did not answer one /murmur/evidence/1 request usefully; `reason` classifies it. */
export class EvidenceRequestError extends NetError {
  override name = 'EvidenceRequestError' as const
  readonly reason: EvidenceAttempt['reason']
  constructor(d: { peer: string; reason: EvidenceAttempt['reason']; detail: string }, options?: { cause?: unknown }) {
    super(`Evidence request to ${d.peer} failed: ${d.reason} (${d.detail}).`, d, options)
    this.reason = d.reason
  }
}

/** No peer delivered what was asked for (the run's evidence index, or a round): every one was tried. */
export class EvidenceUnavailableError extends NetError {
  override name = 'EvidenceUnavailableError' as const
  readonly attempts: readonly EvidenceAttempt[]
  constructor(d: { what: string; attempts: EvidenceAttempt[] }) {
    const tried = d.attempts.map((a) => `${a.peer}: ${a.reason} (${a.detail})`).join('; ')
    super(
      d.attempts.length === 0
        ? `No peer to ask for ${d.what}; pass validators' multiaddrs to --from-peers.`
        : `No peer delivered ${d.what} (${d.attempts.length} tried): ${tried}.`,
      d,
    )
    this.attempts = d.attempts
  }
}
