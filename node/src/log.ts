/**
 * Structured logs for long-running commands (`murmur node`, `murmur swarm`, `murmur up`'s
 * peers): pino, one JSON object per line with `--log-format json` (for log shippers), or
 * pino-pretty's one human line per record (the default; coloured on a terminal). Both go to
 * stderr synchronously, so a crash loses nothing and stdout stays free for `--json` results.
 */
import { Option } from 'commander'
import { type Logger, pino } from 'pino'
import { prettyFactory } from 'pino-pretty'

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export const LOG_FORMATS = ['pretty', 'json'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

export interface LogOptions {
  logLevel: LogLevel
  logFormat: LogFormat
}

/** `--log-level` and `--log-format`, for every command that logs (env MURMUR_<COMMAND>_LOG_LEVEL etc. via config). */
export function logOptions(defaultLevel: LogLevel = 'info'): Option[] {
  return [
    new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]).default(defaultLevel),
    new Option('--log-format <format>', 'pretty: one human line per record; json: one JSON object per line')
      .choices([...LOG_FORMATS])
      .default('pretty'),
  ]
}

/** A logger writing each record to `write` (the CLI's stderr), pretty or JSON, synchronously. */
export function createLogger({ logLevel, logFormat }: LogOptions, write: (chunk: string) => void, colorize = false): Logger {
  if (logFormat === 'json') return pino({ level: logLevel }, { write })
  const pretty = prettyFactory({ colorize, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' })
  return pino({ level: logLevel }, { write: (line: string) => write(pretty(line)) })
}

/**
 * A `(line) => void` logger for code that reports in lines (the swarm peer's `log`): each line
 * becomes a record at `info`, or `warn` when it reports a failure or a rejection.
 */
export function lineLogger(log: Logger, fields: Record<string, unknown> = {}): (line: string) => void {
  const child = Object.keys(fields).length ? log.child(fields) : log
  return (line) => {
    if (/\b(failed|rejected|cannot|could not|does not (verify|reproduce)|error)\b/i.test(line)) child.warn(line)
    else child.info(line)
  }
}
