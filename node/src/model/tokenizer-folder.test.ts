import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCharTokenizer } from '@murmur/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadTokenizerFolder, saveCharTokenizerFolder } from './tokenizer-folder.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'murmur-tok-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const message = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as Error | undefined
  return `${err?.name}: ${err?.message.replaceAll(dir, '<dir>')}`
}

describe('tokenizer folder', () => {
  it('saves a character tokenizer and loads it back with the same ids', async () => {
    const tok = createCharTokenizer()
    await saveCharTokenizerFolder(dir, tok)
    const loaded = await loadTokenizerFolder(dir)
    expect(loaded.encode('12+34=46')).toEqual(tok.encode('12+34=46'))
    expect([loaded.vocabSize, loaded.eosId, loaded.padId, loaded.bosId]).toEqual([128, 2, 0, 1])
  })

  it('names the missing or unreadable file', async () => {
    expect(await message(loadTokenizerFolder(dir))).toMatchInlineSnapshot(
      `"TokenizerFormatError: <dir>/tokenizer.json: field "(file)" cannot be read: the file does not exist."`,
    )
    await writeFile(join(dir, 'tokenizer.json'), '{ nope')
    expect(await message(loadTokenizerFolder(dir))).toMatch(
      /^TokenizerFormatError: <dir>\/tokenizer.json: field "\(root\)" is not valid JSON/,
    )
  })

  it('names the file and field of a bad config, with the folder', async () => {
    await saveCharTokenizerFolder(dir, createCharTokenizer())
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, added_tokens: [] }))
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '</s>' }))
    expect(await message(loadTokenizerFolder(dir))).toMatchInlineSnapshot(
      `"TokenizerFormatError: <dir>/tokenizer_config.json: field "eos_token" names "</s>", which tokenizer.json does not define."`,
    )
  })

  it('reads a separate chat template and generation config', async () => {
    await writeFile(
      join(dir, 'tokenizer.json'),
      JSON.stringify({
        model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: [] },
        added_tokens: [{ id: 2, content: '</s>', special: true, normalized: false, lstrip: false, rstrip: false, single_word: false }],
        decoder: { type: 'Fuse' },
      }),
    )
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '</s>', clean_up_tokenization_spaces: false }))
    await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [2, 1] }))
    await writeFile(join(dir, 'chat_template.jinja'), '{{ messages[0].content }}')
    const tok = await loadTokenizerFolder(dir)
    expect(tok.encode('ab</s>')).toEqual([0, 1, 2])
    expect(tok.stopIds).toEqual([2, 1])
    expect(tok.chatTemplate).toBe('{{ messages[0].content }}')
  })
})
