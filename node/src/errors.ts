/** Errors the CLI reports as a one-line message with a specific exit code (never a stack). */
export class CliUsageError extends Error {
  override name = 'CliUsageError' as const
  readonly exitCode = 2
}

export class CliError extends Error {
  override name = 'CliError' as const
  readonly exitCode: number
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options)
    this.exitCode = exitCode
  }
}

/** Exit codes: 0 ok, 1 the job failed, 2 bad usage (flags, arguments), 3 bad input data. */
export const EXIT = { ok: 0, failure: 1, usage: 2, input: 3 } as const
