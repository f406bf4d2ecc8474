/**
 * Exponential backoff for ledger writes. A validator's commit must survive an RPC outage, so the
 * client retries until the caller's deadline or abort signal, never a fixed number of times, and
 * reports every failure so the operator sees the outage while it lasts.
 */
import { LedgerUnavailableError } from './errors.js'

export interface RetryPolicy {
  /** Delay after the first failure; default 500 ms. */
  initialDelayMs: number
  /** Delays stop growing here; default 30 s (a public RPC's rate-limit window). */
  maxDelayMs: number
  /** Growth per failure; default 2. */
  factor: number
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2 }

/** One failed attempt, as reported to the caller's callback before the client waits and retries. */
export interface LedgerFailure {
  /** What the client was doing: `commitRound 3`, `claim 2 0xAb…`, `createRun`. */
  operation: string
  /** 1 for the first failure. */
  attempt: number
  /** A one-line description of what went wrong. */
  message: string
  error: unknown
  /** How long the client waits before the next attempt. */
  retryInMs: number
}

/** A failure worth another attempt that is not a transport failure (an earlier round still pending, a revert without data). */
export class RetryableError extends Error {
  override name = 'RetryableError' as const
}

/** Transport failures (LedgerUnavailableError) and RetryableError are retried; anything else is final. */
const isTransient = (err: unknown) => err instanceof Error && (err.name === 'RetryableError' || err.name === 'LedgerUnavailableError')

export interface RetryingParameters {
  operation: string
  policy: RetryPolicy
  signal?: AbortSignal
  /** Give up after this long; absent: until `signal` aborts. */
  timeoutMs?: number
  /** Named in the error thrown at the deadline. */
  rpcUrl: string
  report: (failure: LedgerFailure) => void
}

/**
 * Runs `attempt` until it succeeds, fails for good, the deadline passes (LedgerUnavailableError
 * with the last failure) or `signal` aborts (its reason). Each transient failure is reported
 * before the wait.
 */
export async function retrying<T>(p: RetryingParameters, attempt: () => Promise<T>): Promise<T> {
  const deadline = p.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + p.timeoutMs
  for (let failures = 1; ; failures++) {
    p.signal?.throwIfAborted()
    try {
      return await attempt()
    } catch (err) {
      if (!isTransient(err)) throw err
      const retryInMs = retryDelayMs(p.policy, failures)
      const message = (err as Error).message
      if (Date.now() + retryInMs > deadline) {
        throw new LedgerUnavailableError(
          `${p.operation} failed ${failures} time(s) within ${p.timeoutMs} ms; the last failure: ${message}`,
          { operation: p.operation, attempts: failures, rpcUrl: p.rpcUrl },
          { cause: err },
        )
      }
      p.report({ operation: p.operation, attempt: failures, message, error: err, retryInMs })
      await delay(retryInMs, p.signal)
    }
  }
}

/** Delay after failure number `attempt` (1-based): initial · factor^(attempt−1), capped. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1))
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** `promise`, or a rejection with `onTimeout()` after `ms` (the request itself is left to finish). */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!Number.isFinite(ms)) return promise
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
