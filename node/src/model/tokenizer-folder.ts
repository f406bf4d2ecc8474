/**
 * Reads and writes the tokenizer files of a model folder: `tokenizer.json` (required),
 * `tokenizer_config.json`, `generation_config.json` and `chat_template.jinja` (optional).
 * Parsing and validation live in @murmur/protocol; this file only does the I/O and makes every
 * error name the file's full path and the field.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type CharTokenizer, charTokenizerFiles, loadTokenizer, type Tokenizer, TokenizerFormatError } from '@murmur/protocol'

export const TOKENIZER_FILE = 'tokenizer.json'
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json'
export const GENERATION_CONFIG_FILE = 'generation_config.json'
export const CHAT_TEMPLATE_FILE = 'chat_template.jinja'

async function readText(path: string, required: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !required) return undefined
    const reason = code === 'ENOENT' ? 'cannot be read: the file does not exist' : `cannot be read (${code ?? String(err)})`
    throw new TokenizerFormatError({ file: path, field: '(file)', reason }, { cause: err })
  }
}

async function readJson(path: string, required: boolean): Promise<unknown> {
  const text = await readText(path, required)
  if (text === undefined) return undefined
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new TokenizerFormatError({ file: path, field: '(root)', reason: `is not valid JSON (${(err as Error).message})` }, { cause: err })
  }
}

/** The tokenizer of the model folder `dir`. Throws TokenizerFormatError naming the file and field. */
export async function loadTokenizerFolder(dir: string): Promise<Tokenizer> {
  const [tokenizerJson, tokenizerConfig, generationConfig, chatTemplate] = await Promise.all([
    readJson(join(dir, TOKENIZER_FILE), true),
    readJson(join(dir, TOKENIZER_CONFIG_FILE), false),
    readJson(join(dir, GENERATION_CONFIG_FILE), false),
    readText(join(dir, CHAT_TEMPLATE_FILE), false),
  ])
  try {
    return loadTokenizer({ tokenizerJson, tokenizerConfig, generationConfig, chatTemplate })
  } catch (err) {
    const e = err as Error & { details?: { file?: unknown; field?: unknown; reason?: unknown } }
    if (e.name !== 'TokenizerFormatError' || typeof e.details?.file !== 'string') throw err
    throw new TokenizerFormatError(
      { file: join(dir, e.details.file), field: String(e.details.field), reason: String(e.details.reason) },
      { cause: err },
    )
  }
}

/** Writes a character tokenizer's tokenizer.json and tokenizer_config.json into `dir` (which must exist). */
export async function saveCharTokenizerFolder(dir: string, tokenizer: CharTokenizer): Promise<void> {
  const { tokenizerJson, tokenizerConfig } = charTokenizerFiles(tokenizer)
  await writeFile(join(dir, TOKENIZER_FILE), `${JSON.stringify(tokenizerJson, null, 2)}\n`)
  await writeFile(join(dir, TOKENIZER_CONFIG_FILE), `${JSON.stringify(tokenizerConfig, null, 2)}\n`)
}
