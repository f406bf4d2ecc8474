// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Character-level tokenizer for tiny models trained from scratch, saved as a Hugging Face
 * `tokenizer.json` that `tokenizers` (Rust/Python) and `@huggingface/tokenizers` both load:
 * a BPE model with no merges (every character is its own token), no normalizer, no
 * pre-tokenizer, a `Fuse` decoder, and the special tokens as added tokens.
 *
 * Ids: 0 `<pad>`, 1 `<bos>`, 2 `<eos>`, 3 `<unk>`, then the alphabet's characters in order, then
 * `<reserved_k>` special tokens up to a multiple of `vocabMultiple` (64), so the embedding is
 * padded without ids the tokenizer cannot name. Encoding matches Hugging Face's: special-token
 * strings in the text are matched leftmost-longest first, every other code point maps to its
 * id or to `<unk>`.
 */
import { InvalidArgumentError } from '../errors.js'
import type { DecodeOptions, Tokenizer } from './tokenizer.js'

/** `\n` and printable ASCII: every plain prompt and answer of murmur's task families. */
export const DEFAULT_CHAR_ALPHABET = `\n${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`

export const CHAR_SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const

export interface CharTokenizerInit {
  /** Characters (code points) in id order; default {@link DEFAULT_CHAR_ALPHABET}. */
  alphabet?: string
  /** Vocabulary size is rounded up to a multiple of this with reserved tokens; default 64. */
  vocabMultiple?: number
}

export interface CharTokenizer extends Tokenizer {
  readonly kind: 'char'
  readonly alphabet: string
  /** Every token's string, in id order. */
  readonly tokens: readonly string[]
}

/** The vocabulary in id order: specials, alphabet, reserved. */
function vocabulary(alphabet: readonly string[], multiple: number): string[] {
  const tokens = [...CHAR_SPECIAL_TOKENS, ...alphabet]
  const size = Math.ceil(tokens.length / multiple) * multiple
  for (let k = 0; tokens.length < size; k++) tokens.push(`<reserved_${k}>`)
  return tokens
}

function build(alphabet: readonly string[], tokens: readonly string[]): CharTokenizer {
  const specials = tokens.filter((_, id) => id < CHAR_SPECIAL_TOKENS.length || id >= CHAR_SPECIAL_TOKENS.length + alphabet.length)
  const specialIds = new Map(specials.map((t) => [t, tokens.indexOf(t)]))
  const longestFirst = [...specials].sort((a, b) => b.length - a.length)
  const charIds = new Map(alphabet.map((c, i) => [c, CHAR_SPECIAL_TOKENS.length + i]))
  const isSpecial = (id: number) => id < CHAR_SPECIAL_TOKENS.length || id >= CHAR_SPECIAL_TOKENS.length + alphabet.length
  return {
    kind: 'char',
    alphabet: alphabet.join(''),
    tokens,
    vocabSize: tokens.length,
    bosId: 1,
    eosId: 2,
    padId: 0,
    stopIds: [2],
    specialTokens: { bos: '<bos>', eos: '<eos>', pad: '<pad>' },
    chatTemplate: undefined,
    encode(text: string): number[] {
      const ids: number[] = []
      let i = 0
      outer: while (i < text.length) {
        if (text[i] === '<') {
          for (const s of longestFirst) {
            if (text.startsWith(s, i)) {
              ids.push(specialIds.get(s)!)
              i += s.length
              continue outer
            }
          }
        }
        const cp = text.codePointAt(i)!
        const ch = String.fromCodePoint(cp)
        ids.push(charIds.get(ch) ?? 3)
        i += ch.length
      }
      return ids
    },
    decode(ids: readonly number[], { skipSpecialTokens = true }: DecodeOptions = {}): string {
      let out = ''
      for (const id of ids) {
        const known = Number.isInteger(id) && id >= 0 && id < tokens.length
        if (!known || isSpecial(id)) {
          if (!skipSpecialTokens) out += known ? tokens[id] : '<unk>'
        } else out += tokens[id]
      }
      return out
    },
  }
}

/** A character tokenizer over `alphabet` (unique code points). */
export function createCharTokenizer({ alphabet = DEFAULT_CHAR_ALPHABET, vocabMultiple = 64 }: CharTokenizerInit = {}): CharTokenizer {
  const chars = Array.from(alphabet)
  const seen = new Set<string>()
  for (const c of chars) {
    if (seen.has(c))
      throw new InvalidArgumentError(`Alphabet character ${JSON.stringify(c)} appears twice; characters must be unique.`, { char: c })
    seen.add(c)
  }
  if (!Number.isInteger(vocabMultiple) || vocabMultiple < 1) {
    throw new InvalidArgumentError(`vocabMultiple must be a positive integer, got ${vocabMultiple}.`, { vocabMultiple })
  }
  return build(chars, vocabulary(chars, vocabMultiple))
}

/** The Hugging Face files of a character tokenizer, as JSON values (the app writes them). */
export function charTokenizerFiles(tokenizer: CharTokenizer): { tokenizerJson: object; tokenizerConfig: object } {
  const { tokens } = tokenizer
  const firstReserved = CHAR_SPECIAL_TOKENS.length + Array.from(tokenizer.alphabet).length
  const special = (id: number) => id < CHAR_SPECIAL_TOKENS.length || id >= firstReserved
  const vocab: Record<string, number> = {}
  tokens.forEach((t, id) => {
    vocab[t] = id
  })
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: tokens
        .map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }))
        .filter((t) => special(t.id)),
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: { type: 'Fuse' },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: '<unk>',
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: [],
      },
    },
    tokenizerConfig: {
      tokenizer_class: 'PreTrainedTokenizerFast',
      bos_token: '<bos>',
      eos_token: '<eos>',
      pad_token: '<pad>',
      unk_token: '<unk>',
      add_bos_token: false,
      add_eos_token: false,
      clean_up_tokenization_spaces: false,
      model_max_length: 1_000_000,
    },
  }
}

const record = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The character tokenizer a tokenizer.json describes, or undefined when the file is not one
 * (then load it with {@link tokenizerFromHuggingFace}). Recognised by shape: BPE without
 * merges, normalizer, pre-tokenizer or post-processor, a Fuse decoder, murmur's special
 * tokens at ids 0–3 and single-code-point tokens in between.
 */
export function charTokenizerFromJson(tokenizerJson: unknown): CharTokenizer | undefined {
  if (!record(tokenizerJson) || !record(tokenizerJson.model)) return undefined
  const { model } = tokenizerJson
  const decoder = tokenizerJson.decoder
  if (model.type !== 'BPE' || !Array.isArray(model.merges) || model.merges.length > 0 || !record(model.vocab)) return undefined
  if (tokenizerJson.normalizer || tokenizerJson.pre_tokenizer || tokenizerJson.post_processor) return undefined
  if (!record(decoder) || decoder.type !== 'Fuse') return undefined
  const tokens: string[] = []
  for (const [token, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= 1 << 20 || tokens[id] !== undefined) return undefined
    tokens[id] = token
  }
  if (tokens.length !== Object.keys(model.vocab).length || CHAR_SPECIAL_TOKENS.some((t, i) => tokens[i] !== t)) return undefined
  let end = CHAR_SPECIAL_TOKENS.length
  while (end < tokens.length && Array.from(tokens[end]!).length === 1) end++
  for (let k = 0; end + k < tokens.length; k++) if (tokens[end + k] !== `<reserved_${k}>`) return undefined
  return build(tokens.slice(CHAR_SPECIAL_TOKENS.length, end), tokens)
}
