/**
 * Typed errors of the protocol core. Match on `err.name` (see {@link isProtocolError}), never on
 * `instanceof`: classes are duplicated across bundles and workers.
 */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
  readonly details: Readonly<Record<string, unknown>>
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.details = details
  }
}

/** A caller passed a value outside its documented domain. */
export class InvalidArgumentError extends ProtocolError {
  override name = 'InvalidArgumentError' as const
}

/** Bytes that do not decode to exactly one canonical message. */
export class MessageDecodeError extends ProtocolError {
  override name = 'MessageDecodeError' as const
  constructor(d: { type: string; field: string; offset: number; reason: string }) {
    super(`Cannot decode ${d.type}: field "${d.field}" at byte ${d.offset} ${d.reason}.`, d)
  }
}

/** A graph that cannot be built, differentiated or serialised (shape or dtype mismatch). */
export class GraphError extends ProtocolError {
  override name = 'GraphError' as const
}

/** A model folder, config or weight file that murmur cannot use. */
export class ModelFormatError extends ProtocolError {
  override name = 'ModelFormatError' as const
}

/** The injected runtime failed; `cause` holds the runtime's own error. */
export class RuntimeError extends ProtocolError {
  override name = 'RuntimeError' as const
}

export function isProtocolError<N extends string>(err: unknown, name: N): err is ProtocolError & { name: N } {
  return err instanceof Error && err.name === name
}

/** A task spec that names no family or sets a knob out of range. */
export class TaskSpecError extends ProtocolError {
  override name = 'TaskSpecError' as const
}

/** A question/answer dataset line that cannot be used; `details.line` is 1-based. */
export class DatasetFormatError extends ProtocolError {
  override name = 'DatasetFormatError' as const
  constructor(d: { line: number; reason: string }) {
    super(`Dataset line ${d.line}: ${d.reason}.`, d)
  }
}

/** A tokenizer.json / tokenizer_config.json that murmur cannot use; names the file and field. */
export class TokenizerFormatError extends ProtocolError {
  override name = 'TokenizerFormatError' as const
  constructor(d: { file: string; field: string; reason: string }, options?: { cause?: unknown }) {
    super(`${d.file}: field "${d.field}" ${d.reason}.`, d, options)
  }
}
