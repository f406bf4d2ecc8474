import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyChatTemplate, renderChatTemplate } from './chat-template.js'
import { tokenizerFromHuggingFace } from './hf-tokenizer.js'
import { loadTokenizer } from './load-tokenizer.js'

/** GPT-2's byte ↔ printable-character map, used by every byte-level BPE (Qwen2, SmolLM2). */
function bytesToUnicode(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)
  let extra = 0
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(keep(b) ? b : 256 + extra++))
}

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

/** A small Qwen2-style byte-level BPE tokenizer.json, built here (nothing is downloaded). */
function qwenLikeFiles() {
  const base = bytesToUnicode()
  const merges: [string, string][] = [
    ['Ġ', 't'],
    ['h', 'e'],
    ['Ġt', 'he'],
    ['i', 'n'],
    ['Ġ', 'a'],
    ['1', '2'],
    ['Ġ', 'c'],
    ['Ġc', 'a'],
    ['Ġca', 't'],
  ]
  const vocab: Record<string, number> = {}
  for (const t of [...base, ...merges.map(([a, b]) => a + b)]) vocab[t] ??= Object.keys(vocab).length
  const specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
  const first = Object.keys(vocab).length
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((content, i) => ({
        id: first + i,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: { type: 'NFC' },
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          {
            type: 'Split',
            pattern: {
              Regex:
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            },
            behavior: 'Isolated',
            invert: false,
          },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
        ],
      },
      post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges,
      },
    },
    tokenizerConfig: {
      tokenizer_class: 'Qwen2Tokenizer',
      bos_token: null,
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      clean_up_tokenization_spaces: false,
      chat_template: CHATML,
    },
    generationConfig: { eos_token_id: [first + 2, first] },
  }
}

const files = qwenLikeFiles()
const tok = tokenizerFromHuggingFace(files)

describe('tokenizerFromHuggingFace (byte-level BPE)', () => {
  it('applies merges and reads special tokens from tokenizer_config.json', () => {
    const ids = tok.encode(' the cat')
    expect(ids).toHaveLength(2)
    expect(tok.decode(ids)).toBe(' the cat')
    expect({ vocabSize: tok.vocabSize, bos: tok.bosId, eos: tok.eosId, pad: tok.padId, stop: tok.stopIds }).toMatchInlineSnapshot(`
      {
        "bos": undefined,
        "eos": 267,
        "pad": 265,
        "stop": [
          267,
          265,
        ],
        "vocabSize": 268,
      }
    `)
    expect(tok.encode('<|im_end|>')).toEqual([tok.eosId])
  })

  it('round-trips any text, emoji and unusual whitespace included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        expect(tok.decode(tok.encode(s))).toBe(s.normalize('NFC'))
      }),
      { numRuns: 300 },
    )
    expect(tok.decode(tok.encode('12+34=46\n\n  x\t😀 ünï'))).toBe('12+34=46\n\n  x\t😀 ünï')
  })

  it('drops special tokens when decoding a completion unless asked to keep them', () => {
    const ids = [...tok.encode('46'), tok.eosId]
    expect(tok.decode(ids)).toBe('46')
    expect(tok.decode(ids, { skipSpecialTokens: false })).toBe('46<|im_end|>')
    expect(tok.decode([])).toBe('')
  })

  it('is loaded through loadTokenizer too', () => {
    expect(loadTokenizer(files).encode(' the cat')).toEqual(tok.encode(' the cat'))
  })

  it('names the file and field of a bad tokenizer', () => {
    const { tokenizerJson, tokenizerConfig } = qwenLikeFiles()
    expect(() =>
      tokenizerFromHuggingFace({ tokenizerJson, tokenizerConfig: { ...tokenizerConfig, eos_token: undefined } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TokenizerFormatError: tokenizer_config.json: field "eos_token" is missing; murmur needs it to end completions.]`,
    )
    expect(() =>
      tokenizerFromHuggingFace({ tokenizerJson, tokenizerConfig: { ...tokenizerConfig, eos_token: '</s>' } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TokenizerFormatError: tokenizer_config.json: field "eos_token" names "</s>", which tokenizer.json does not define.]`,
    )
    expect(() =>
      tokenizerFromHuggingFace({ tokenizerJson, tokenizerConfig: { ...tokenizerConfig, pad_token: 7 } }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TokenizerFormatError: tokenizer_config.json: field "pad_token" must be a string or { "content": string }, got 7.]`,
    )
    expect(() =>
      tokenizerFromHuggingFace({ tokenizerJson: { ...tokenizerJson, model: { type: 'WordLevel' } }, tokenizerConfig }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TokenizerFormatError: tokenizer.json: field "model.type" is "WordLevel"; supported: BPE, WordPiece, Unigram.]`,
    )
    expect(() =>
      tokenizerFromHuggingFace({ tokenizerJson: { model: { type: 'BPE', vocab: {} } }, tokenizerConfig }),
    ).toThrowErrorMatchingInlineSnapshot(`[TokenizerFormatError: tokenizer.json: field "model.merges" must be a list.]`)
    expect(() => tokenizerFromHuggingFace({ tokenizerJson: [], tokenizerConfig })).toThrowErrorMatchingInlineSnapshot(
      `[TokenizerFormatError: tokenizer.json: field "(root)" must be a JSON object.]`,
    )
  })
})

describe('chat templates', () => {
  it('renders the model’s template with a generation prompt', () => {
    const text = applyChatTemplate(tok, { messages: [{ role: 'user', content: 'What is 12 + 34?' }] })
    expect(text).toMatchInlineSnapshot(`
      "<|im_start|>user
      What is 12 + 34?<|im_end|>
      <|im_start|>assistant
      "
    `)
    expect(tok.decode(tok.encode(text), { skipSpecialTokens: false })).toBe(text)
  })

  it('exposes special tokens to the template and reports broken templates', () => {
    expect(
      renderChatTemplate({
        template: '{{ bos_token }}{{ messages[0].content }}{{ eos_token }}',
        messages: [{ role: 'user', content: 'hi' }],
        specialTokens: { bos: '<s>', eos: '</s>' },
      }),
    ).toBe('<s>hi</s>')
    expect(() => renderChatTemplate({ template: '{% for %}', messages: [] })).toThrow(/chat_template" does not parse/)
    expect(() =>
      applyChatTemplate({ chatTemplate: undefined, specialTokens: { eos: 'x', pad: 'x' } }, { messages: [] }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[TokenizerFormatError: tokenizer_config.json: field "chat_template" is missing; this model has no chat format (use the plain prompt).]`,
    )
  })
})
