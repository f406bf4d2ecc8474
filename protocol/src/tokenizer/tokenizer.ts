/**
 * One tokenizer interface for murmur's tiny character-level models and for real checkpoints'
 * Hugging Face BPE tokenizers. Token ids are discrete data peers agree on (rollouts carry them),
 * so `encode` must be a pure function of the text and the tokenizer files.
 */

export interface DecodeOptions {
  /** Drop special tokens (`<eos>`, `<|im_end|>`, padding, reserved ids); default true, as when
   * turning a sampled completion into the text a task's reward reads. */
  skipSpecialTokens?: boolean
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {})
  content: string
}

export interface Tokenizer {
  /** Token ids of `text`. Adds no special tokens: prepend `bosId` yourself where the model wants it. */
  encode(text: string): number[]
  decode(ids: readonly number[], options?: DecodeOptions): string
  /** Largest id + 1 (a model's embedding may be larger, e.g. padded to a multiple of 64). */
  readonly vocabSize: number
  readonly bosId: number | undefined
  readonly eosId: number
  /** The pad id; the eos id when the tokenizer defines no pad token. */
  readonly padId: number
  /** Ids that end a completion: eos, plus any the model's generation config lists. */
  readonly stopIds: readonly number[]
  /** Special-token strings, for chat templates (`bos_token`, `eos_token`, `pad_token`). */
  readonly specialTokens: { readonly bos?: string; readonly eos: string; readonly pad: string }
  /** The Jinja chat template from tokenizer_config.json, when the model defines one. */
  readonly chatTemplate: string | undefined
}
