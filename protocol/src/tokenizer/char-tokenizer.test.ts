import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { contentHash, toHex } from '../crypto/hash.js'
import { createTask } from '../tasks/create-task.js'
import { trainSeed } from '../tasks/seeds.js'
import { TASK_FAMILIES } from '../tasks/task-spec.js'
import { charTokenizerFiles, charTokenizerFromJson, createCharTokenizer, DEFAULT_CHAR_ALPHABET } from './char-tokenizer.js'
import { tokenizerFromHuggingFace } from './hf-tokenizer.js'
import { loadTokenizer } from './load-tokenizer.js'

const tok = createCharTokenizer()
const files = charTokenizerFiles(tok)
const viaHf = tokenizerFromHuggingFace(files)
const alphabetText = fc.array(fc.constantFrom(...Array.from(DEFAULT_CHAR_ALPHABET)), { maxLength: 80 }).map((a) => a.join(''))
const anyText = fc
  .array(
    fc.oneof(
      fc.constantFrom(...Array.from(DEFAULT_CHAR_ALPHABET), '<eos>', '<pad>', '<bos', 'é', '😀', '<reserved_3>'),
      fc.string({ maxLength: 3 }),
    ),
    {
      maxLength: 40,
    },
  )
  .map((a) => a.join(''))

describe('createCharTokenizer', () => {
  it('lays out specials, the alphabet and reserved ids, padded to a multiple of 64', () => {
    expect({ vocabSize: tok.vocabSize, bos: tok.bosId, eos: tok.eosId, pad: tok.padId, stop: tok.stopIds }).toMatchInlineSnapshot(`
      {
        "bos": 1,
        "eos": 2,
        "pad": 0,
        "stop": [
          2,
        ],
        "vocabSize": 128,
      }
    `)
    expect(tok.encode('12+34=46')).toMatchInlineSnapshot(`
      [
        22,
        23,
        16,
        24,
        25,
        34,
        25,
        27,
      ]
    `)
    expect(tok.tokens.slice(0, 6)).toEqual(['<pad>', '<bos>', '<eos>', '<unk>', '\n', ' '])
    expect(createCharTokenizer({ alphabet: '0123456789+=' }).vocabSize).toBe(64)
  })

  it('round-trips every text over its alphabet', () => {
    fc.assert(fc.property(alphabetText, (s) => tok.decode(tok.encode(s)) === s && tok.encode(s).every((id) => id >= 4 && id < 100)))
  })

  it('maps foreign characters to <unk> and special-token text to its id', () => {
    expect(tok.encode('é<eos>😀<bos')).toEqual([3, 2, 3, ...tok.encode('<bos')])
    expect(tok.decode([1, ...tok.encode('7'), 2, 0, 127, 999])).toBe('7')
    expect(tok.decode([1, ...tok.encode('7'), 2, 127, 999], { skipSpecialTokens: false })).toBe('<bos>7<eos><reserved_27><unk>')
  })

  it('covers the plain prompts and answers of every task family', () => {
    for (const f of TASK_FAMILIES) {
      if (f.family === 'dataset') continue
      const task = createTask({ family: f.family } as never)
      for (let i = 0; i < 20; i++) {
        const inst = task.instance(trainSeed(i))
        expect(tok.encode(inst.prompt + inst.answer)).not.toContain(3)
      }
    }
  })

  it('rejects a repeated character', () => {
    expect(() => createCharTokenizer({ alphabet: 'abca' })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Alphabet character "a" appears twice; characters must be unique.]`,
    )
  })
})

describe('char tokenizer as Hugging Face files', () => {
  it('is pinned (golden hash of tokenizer.json)', () => {
    expect(toHex(contentHash(new TextEncoder().encode(JSON.stringify(files.tokenizerJson))))).toMatchInlineSnapshot(
      `"898b1d90631e2829712c902c0925a21636da6ab0e00fee0465a993f33e884044"`,
    )
  })

  it('encodes and decodes exactly as @huggingface/tokenizers does with the saved files', () => {
    expect(viaHf.vocabSize).toBe(tok.vocabSize)
    expect([viaHf.bosId, viaHf.eosId, viaHf.padId]).toEqual([tok.bosId, tok.eosId, tok.padId])
    fc.assert(
      fc.property(anyText, (s) => {
        expect(viaHf.encode(s)).toEqual(tok.encode(s))
      }),
      { numRuns: 300 },
    )
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 127 }), { maxLength: 30 }), fc.boolean(), (ids, skip) => {
        expect(viaHf.decode(ids, { skipSpecialTokens: skip })).toBe(tok.decode(ids, { skipSpecialTokens: skip }))
      }),
      { numRuns: 300 },
    )
  })

  it('loads back from JSON text as the native character tokenizer', () => {
    const json = JSON.parse(JSON.stringify(files.tokenizerJson))
    const back = charTokenizerFromJson(json)
    expect(back?.tokens).toEqual(tok.tokens)
    const loaded = loadTokenizer({ tokenizerJson: json, tokenizerConfig: JSON.parse(JSON.stringify(files.tokenizerConfig)) })
    expect('kind' in loaded && loaded.kind).toBe('char')
    expect(loaded.encode('sort:3912=1239')).toEqual(tok.encode('sort:3912=1239'))
  })

  it('is not mistaken for another tokenizer, nor another for it', () => {
    const json = JSON.parse(JSON.stringify(files.tokenizerJson))
    json.model.merges = [['1', '2']]
    expect(charTokenizerFromJson(json)).toBeUndefined()
    expect(charTokenizerFromJson({ model: { type: 'WordPiece' } })).toBeUndefined()
    expect(charTokenizerFromJson(null)).toBeUndefined()
  })
})
