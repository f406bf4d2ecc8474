/**
 * Hugging Face `tokenizer.json` (+ `tokenizer_config.json`) of a real checkpoint — Qwen2,
 * SmolLM2 and other BPE tokenizers — through `@huggingface/tokenizers`, the maintained pure-JS
 * port. Takes the parsed JSON values; reading files is the app's job.
 */
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers'
import { TokenizerFormatError } from '../errors.js'
import type { DecodeOptions, Tokenizer } from './tokenizer.js'

export interface HuggingFaceTokenizerFiles {
  /** Parsed tokenizer.json. */
  tokenizerJson: unknown
  /** Parsed tokenizer_config.json (bos/eos/pad tokens, chat_template). */
  tokenizerConfig?: unknown
  /** Parsed generation_config.json, whose `eos_token_id` (number or list) adds stop ids. */
  generationConfig?: unknown
  /** A chat template from a separate `chat_template.jinja`; wins over tokenizer_config.json's. */
  chatTemplate?: string
}

const MODEL_TYPES = ['BPE', 'WordPiece', 'Unigram'] as const
const record = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A special token as tokenizer_config.json writes it: a string or `{ content }`. */
function tokenString(config: Record<string, unknown>, field: string): string | undefined {
  const v = config[field]
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  if (record(v) && typeof v.content === 'string') return v.content
  throw new TokenizerFormatError({
    file: 'tokenizer_config.json',
    field,
    reason: `must be a string or { "content": string }, got ${JSON.stringify(v)}`,
  })
}

function chatTemplateOf(config: Record<string, unknown>): string | undefined {
  const t = config.chat_template
  if (t === undefined || t === null) return undefined
  if (typeof t === 'string') return t
  if (Array.isArray(t)) {
    const named = t.filter(
      (x): x is { name: string; template: string } => record(x) && typeof x.name === 'string' && typeof x.template === 'string',
    )
    const pick = named.find((x) => x.name === 'default') ?? named[0]
    if (pick) return pick.template
  }
  throw new TokenizerFormatError({
    file: 'tokenizer_config.json',
    field: 'chat_template',
    reason: 'must be a string or a list of { name, template }',
  })
}

/** Wraps a Hugging Face tokenizer in murmur's {@link Tokenizer}. Throws TokenizerFormatError. */
export function tokenizerFromHuggingFace(files: HuggingFaceTokenizerFiles): Tokenizer {
  const { tokenizerJson } = files
  const config = files.tokenizerConfig ?? {}
  if (!record(tokenizerJson)) throw new TokenizerFormatError({ file: 'tokenizer.json', field: '(root)', reason: 'must be a JSON object' })
  if (!record(config)) throw new TokenizerFormatError({ file: 'tokenizer_config.json', field: '(root)', reason: 'must be a JSON object' })
  const model = tokenizerJson.model
  if (!record(model)) throw new TokenizerFormatError({ file: 'tokenizer.json', field: 'model', reason: 'is missing or not an object' })
  if (!MODEL_TYPES.includes(model.type as (typeof MODEL_TYPES)[number])) {
    throw new TokenizerFormatError({
      file: 'tokenizer.json',
      field: 'model.type',
      reason: `is ${JSON.stringify(model.type)}; supported: ${MODEL_TYPES.join(', ')}`,
    })
  }
  if (!record(model.vocab) && !Array.isArray(model.vocab))
    throw new TokenizerFormatError({ file: 'tokenizer.json', field: 'model.vocab', reason: 'is missing' })
  if (model.type === 'BPE' && !Array.isArray(model.merges))
    throw new TokenizerFormatError({ file: 'tokenizer.json', field: 'model.merges', reason: 'must be a list' })
  if (tokenizerJson.added_tokens !== undefined && !Array.isArray(tokenizerJson.added_tokens)) {
    throw new TokenizerFormatError({ file: 'tokenizer.json', field: 'added_tokens', reason: 'must be a list' })
  }

  let hf: HfTokenizer
  try {
    hf = new HfTokenizer(
      { added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...tokenizerJson },
      config,
    )
  } catch (err) {
    throw new TokenizerFormatError(
      { file: 'tokenizer.json', field: '(root)', reason: `is not a tokenizer @huggingface/tokenizers can load: ${String(err)}` },
      { cause: err },
    )
  }

  const idOf = (field: string, token: string): number => {
    const id = hf.token_to_id(token)
    if (id === undefined)
      throw new TokenizerFormatError({
        file: 'tokenizer_config.json',
        field,
        reason: `names ${JSON.stringify(token)}, which tokenizer.json does not define`,
      })
    return id
  }
  const eos = tokenString(config, 'eos_token')
  if (eos === undefined)
    throw new TokenizerFormatError({
      file: 'tokenizer_config.json',
      field: 'eos_token',
      reason: 'is missing; murmur needs it to end completions',
    })
  const bos = tokenString(config, 'bos_token')
  const pad = tokenString(config, 'pad_token') ?? eos
  const eosId = idOf('eos_token', eos)
  const bosId = bos === undefined ? undefined : idOf('bos_token', bos)
  const padId = idOf('pad_token', pad)

  const stopIds = [eosId]
  const genEos = record(files.generationConfig) ? files.generationConfig.eos_token_id : undefined
  for (const id of genEos === undefined ? [] : Array.isArray(genEos) ? genEos : [genEos]) {
    if (!Number.isInteger(id))
      throw new TokenizerFormatError({
        file: 'generation_config.json',
        field: 'eos_token_id',
        reason: `must be an id or a list of ids, got ${JSON.stringify(genEos)}`,
      })
    if (!stopIds.includes(id as number)) stopIds.push(id as number)
  }

  let vocabSize = 0
  for (const id of hf.get_vocab(true).values()) vocabSize = Math.max(vocabSize, id + 1)

  return {
    vocabSize,
    bosId,
    eosId,
    padId,
    stopIds,
    specialTokens: bos === undefined ? { eos, pad } : { bos, eos, pad },
    chatTemplate: files.chatTemplate ?? chatTemplateOf(config),
    encode: (text: string) => hf.encode(text, { add_special_tokens: false }).ids,
    decode: (ids: readonly number[], { skipSpecialTokens = true }: DecodeOptions = {}) =>
      ids.length === 0 ? '' : hf.decode([...ids], { skip_special_tokens: skipSpecialTokens }),
  }
}
