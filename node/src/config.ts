/**
 * Configuration from flags, environment and an optional `murmur.config.json`, in commander's
 * own precedence: a flag beats `MURMUR_<COMMAND>_<OPTION>` in the environment, which beats the config
 * file, which beats the default. The file has one section per command, keyed by option name as
 * in `--help` (camelCase or the flag's kebab-case):
 *
 * ```json
 * { "node": { "run": "run", "dataDir": "peer", "bootstrap": ["/ip4/…/p2p/…"], "metricsPort": 9464 },
 *   "up": { "peers": 4, "roundMs": 8000 } }
 * ```
 *
 * Every value goes through the same parser as its flag, so a bad value fails exactly as the flag
 * would, naming the file, the command and the field. Nothing is validated twice or by hand.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Command, InvalidArgumentError, type Option } from 'commander'
import { CliUsageError } from './errors.js'

export const CONFIG_FILE = 'murmur.config.json'

const upperSnake = (s: string) =>
  s
    .replace(/[A-Z]/g, (c) => `_${c}`)
    .replace(/-/g, '_')
    .toUpperCase()

/**
 * Gives every valued option of `command` its `MURMUR_<COMMAND>_<OPTION>` environment variable
 * (e.g. MURMUR_NODE_DATA_DIR): scoped by command, since `--data-dir` means one thing to
 * `murmur node` and another to `murmur chain`.
 */
export function withEnvironment(command: Command): Command {
  for (const o of command.options)
    if (!o.envVar && o.long !== '--help') o.env(`MURMUR_${upperSnake(command.name())}_${upperSnake(o.attributeName())}`)
  return command
}

function parseValue(o: Option, raw: unknown, previous: unknown, where: string): unknown {
  const takesValue = o.required || o.optional
  if (!takesValue) {
    if (typeof raw !== 'boolean') throw new CliUsageError(`${where}: expected true or false, got ${JSON.stringify(raw)}.`)
    return raw
  }
  const values = Array.isArray(raw) ? raw : [raw]
  if (Array.isArray(raw) && !o.variadic && typeof o.parseArg !== 'function')
    throw new CliUsageError(`${where}: expected one value, got a list.`)
  let value = previous
  for (const v of values) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new CliUsageError(`${where}: expected a string or a number, got ${JSON.stringify(v)}.`)
    const text = String(v)
    if (o.argChoices && !o.argChoices.includes(text))
      throw new CliUsageError(`${where}: ${JSON.stringify(text)} is not one of ${o.argChoices.join(', ')}.`)
    try {
      value = o.parseArg ? o.parseArg(text, value) : text
    } catch (err) {
      if (err instanceof InvalidArgumentError || err instanceof Error) throw new CliUsageError(`${where}: ${err.message}`)
      throw err
    }
  }
  return value
}

/**
 * Applies `MURMUR_<COMMAND>_<OPTION>` variables (over the config file; flags parsed afterwards
 * still win). commander only honours env names given when an option is created, so murmur sets
 * the values itself, through the flag's own parser. A list option's variable replaces the file's list.
 */
export function applyEnvironment(command: Command, env: NodeJS.ProcessEnv = process.env): void {
  for (const o of command.options) {
    if (!o.envVar || env[o.envVar] === undefined) continue
    const raw = env[o.envVar]!
    const name = o.attributeName()
    const takesValue = o.required || o.optional
    let value: unknown
    if (takesValue) value = parseValue(o, raw, o.defaultValue, o.envVar)
    else if (/^(1|true|yes)$/i.test(raw)) value = true
    else if (/^(0|false|no)?$/i.test(raw)) value = false
    else throw new CliUsageError(`${o.envVar}: expected true or false, got ${JSON.stringify(raw)}.`)
    command.setOptionValueWithSource(name, value, 'env')
  }
}

/** Reads and checks the config file: one object per command. @throws CliUsageError naming what is wrong. */
export function readConfigFile(path: string): Record<string, Record<string, unknown>> {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new CliUsageError(`${path} is not readable JSON: ${(err as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliUsageError(`${path} must hold a JSON object with one section per command, e.g. { "node": { "dataDir": "peer" } }.`)
  for (const [section, body] of Object.entries(parsed))
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new CliUsageError(`${path}: "${section}" must be an object of options.`)
  return parsed as Record<string, Record<string, unknown>>
}

/**
 * Applies the config file's section for `command` (source `config`: flags and environment still
 * win). `file` is the explicit `--config-file`; without it `./murmur.config.json` is read when present.
 */
export function applyConfig(command: Command, file: string | undefined, known: readonly string[]): void {
  const path = file ? resolve(file) : resolve(CONFIG_FILE)
  if (!file && !existsSync(path)) return
  if (file && !existsSync(path)) throw new CliUsageError(`--config-file ${file}: no such file.`)
  const config = readConfigFile(path)
  for (const section of Object.keys(config))
    if (!known.includes(section)) throw new CliUsageError(`${path}: "${section}" is not a murmur command (sections: ${known.join(', ')}).`)
  const section = config[command.name()]
  if (!section) return
  for (const [key, raw] of Object.entries(section)) {
    const where = `${path}: ${command.name()}.${key}`
    const o = command.options.find((x) => x.attributeName() === key || x.long === `--${key}` || x.name() === key)
    if (!o || o.long === '--config-file')
      throw new CliUsageError(
        `${where} is not an option of \`murmur ${command.name()}\` (options: ${command.options.map((x) => x.attributeName()).join(', ')}).`,
      )
    const name = o.attributeName()
    command.setOptionValueWithSource(name, parseValue(o, raw, command.getOptionValue(name), where), 'config')
  }
}
