/**
 * Passwords come from MURMUR_PASSWORD or an interactive prompt on a terminal with echo off;
 * never from argv, never logged. Without either, commands fail with a one-line explanation.
 */
import { CliError, EXIT } from '../errors.js'

export interface PasswordSource {
  env: NodeJS.ProcessEnv
  /** True when a human can be prompted (stdin and stderr are terminals). */
  interactive: boolean
  /** Reads one line without echo after writing `prompt` to the terminal. */
  prompt: (prompt: string) => Promise<string>
}

/** The process's own source: its environment and, on a TTY, a no-echo prompt. */
export function processPasswordSource(): PasswordSource {
  return { env: process.env, interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY), prompt: promptHidden }
}

/**
 * Gets a password from `envName` or the prompt. With `confirm`, a prompted password is asked twice
 * and must match; new passwords must not be empty.
 */
export async function getPassword(
  source: PasswordSource,
  { envName = 'MURMUR_PASSWORD', label, confirm = false }: { envName?: string; label: string; confirm?: boolean },
): Promise<string> {
  const fromEnv = source.env[envName]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (!source.interactive)
    throw new CliError(`No password for ${label}: set ${envName} or run this command in a terminal to be prompted.`, EXIT.usage)
  const password = await source.prompt(`Password for ${label}: `)
  if (confirm) {
    if (password === '') throw new CliError('The password must not be empty.', EXIT.usage)
    if ((await source.prompt('Repeat the password: ')) !== password) throw new CliError('The passwords do not match.', EXIT.usage)
  }
  return password
}

/** Reads a line from the TTY in raw mode, echoing nothing. Ctrl-C aborts. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  return new Promise((resolve, reject) => {
    let text = ''
    const wasRaw = stdin.isRaw
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (err?: Error) => {
      stdin.setRawMode(wasRaw)
      stdin.pause()
      stdin.removeListener('data', onData)
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(text)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done()
        if (ch === '\u0003') return done(new CliError('Cancelled.', EXIT.failure))
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1)
        else text += ch
      }
    }
    stdin.on('data', onData)
  })
}
