/**
 * Chat templates: the Jinja template a model's tokenizer_config.json defines, rendered with
 * `@huggingface/jinja` (the engine transformers.js uses), given the same variables as
 * transformers' `apply_chat_template`.
 */
import { Template } from '@huggingface/jinja'
import { TokenizerFormatError } from '../errors.js'
import type { ChatMessage, Tokenizer } from './tokenizer.js'

export interface ApplyChatTemplateParameters {
  messages: readonly ChatMessage[]
  /** End with the header of an assistant turn, so the model's completion is the reply. Default true. */
  addGenerationPrompt?: boolean
}

/** Renders `messages` with `tokenizer.chatTemplate`; throws TokenizerFormatError without one. */
export function applyChatTemplate(tokenizer: Pick<Tokenizer, 'chatTemplate' | 'specialTokens'>, p: ApplyChatTemplateParameters): string {
  if (tokenizer.chatTemplate === undefined) {
    throw new TokenizerFormatError({
      file: 'tokenizer_config.json',
      field: 'chat_template',
      reason: 'is missing; this model has no chat format (use the plain prompt)',
    })
  }
  return renderChatTemplate({ template: tokenizer.chatTemplate, specialTokens: tokenizer.specialTokens, ...p })
}

/** Renders a Jinja chat template. Template errors become TokenizerFormatError naming `chat_template`. */
export function renderChatTemplate({
  template,
  messages,
  addGenerationPrompt = true,
  specialTokens = {},
}: ApplyChatTemplateParameters & { template: string; specialTokens?: { bos?: string; eos?: string; pad?: string } }): string {
  let compiled: Template
  try {
    compiled = new Template(template)
  } catch (err) {
    throw new TokenizerFormatError(
      { file: 'tokenizer_config.json', field: 'chat_template', reason: `does not parse: ${String(err)}` },
      { cause: err },
    )
  }
  try {
    return compiled.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: addGenerationPrompt,
      bos_token: specialTokens.bos ?? '',
      eos_token: specialTokens.eos ?? '',
      pad_token: specialTokens.pad ?? '',
    })
  } catch (err) {
    throw new TokenizerFormatError(
      { file: 'tokenizer_config.json', field: 'chat_template', reason: `fails to render: ${String(err)}` },
      { cause: err },
    )
  }
}
