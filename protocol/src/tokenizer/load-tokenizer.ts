import { charTokenizerFromJson } from './char-tokenizer.js'
import { type HuggingFaceTokenizerFiles, tokenizerFromHuggingFace } from './hf-tokenizer.js'
import type { Tokenizer } from './tokenizer.js'

/**
 * The tokenizer of a model folder's files: murmur's own character tokenizer when tokenizer.json
 * is one (encoded natively, so ids never depend on a library version), otherwise any Hugging
 * Face tokenizer through `@huggingface/tokenizers`.
 */
export function loadTokenizer(files: HuggingFaceTokenizerFiles): Tokenizer {
  return charTokenizerFromJson(files.tokenizerJson) ?? tokenizerFromHuggingFace(files)
}
