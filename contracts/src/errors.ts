/** A local chain could not start, or a request to it could not be served. Matched by `name`. */
export class LocalChainError extends Error {
  override name = 'LocalChainError' as const
  readonly details: Readonly<Record<string, unknown>>
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.details = details
  }
}
