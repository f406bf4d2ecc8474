import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NAMED_CONFIGS, toHfConfig } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { runCli } from '../testing.js'

const cli = runCli

const tempDir = () => mkdtempSync(join(tmpdir(), 'murmur-cli-model-'))
const ZERO_SEED = `0x${'0'.repeat(64)}`
/** Policy hash of initWeights(NAMED_CONFIGS.tiny, 32 zero bytes), pinned in protocol/src/model/weights.test.ts. */
const TINY_ZERO_HASH = '8d9d5f32ce6b55c9f212795b3f766da39cee7ad3eb05f753fa50560943a6d77c'

describe('murmur model', () => {
  it('lists its subcommands in --help', async () => {
    const r = await cli('model', '--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/\binit\b/)
    expect(r.stdout).toMatch(/\binfo\b/)
  })

  it('init writes the tiny model with the pinned policy hash, and info reads it back', async () => {
    const out = join(tempDir(), 'tiny')
    const init = await cli('model', 'init', '--config', 'tiny', '--seed', ZERO_SEED, '--out', out, '--json')
    expect(init.stderr).toBe('')
    expect(init.code).toBe(0)
    const summary = JSON.parse(init.stdout)
    expect(summary).toMatchObject({ dir: out, config: 'tiny', modelType: 'llama', parameters: 1_016_960, policyHash: TINY_ZERO_HASH })
    expect(
      createHash('sha256')
        .update(readFileSync(join(out, 'model.safetensors')))
        .digest('hex'),
    ).toBe(TINY_ZERO_HASH)

    const info = await cli('model', 'info', out, '--json')
    expect(info.code).toBe(0)
    expect(JSON.parse(info.stdout)).toMatchObject({
      modelType: 'llama',
      config: NAMED_CONFIGS.tiny,
      parameters: 1_016_960,
      policyHash: TINY_ZERO_HASH,
      dtypes: ['F32'],
    })

    const human = await cli('model', 'info', out)
    expect(human.code).toBe(0)
    expect(human.stdout.replaceAll(out, '<dir>')).toMatchInlineSnapshot(`
      "model        <dir>
      type         llama
      layers       4
      width        hidden 128, intermediate 512
      heads        4 query, 2 key/value, head dim 32
      vocab        128
      context      256 positions, rope theta 10000
      parameters   1,016,960
      dtype        F32
      policy hash  8d9d5f32ce6b55c9f212795b3f766da39cee7ad3eb05f753fa50560943a6d77c
      files        config.json (623 B), model.safetensors (3.9 MiB)
      "
    `)
  })

  it('init prints a readable summary with the integer seed', async () => {
    const out = tempDir()
    const r = await cli('model', 'init', '--config', 'tiny', '--seed', '42', '--out', out)
    expect(r.code).toBe(0)
    expect(r.stdout.replaceAll(out, '<dir>')).toMatchInlineSnapshot(`
      "initialised tiny (llama) in <dir>
        parameters   1,016,960
        seed         42
        policy hash  aa413cdafe2cda553e1452307fe58f627d6fa2f3213cddf126b11bd48eb1636f
        files        config.json (623 B), model.safetensors (3.9 MiB)
      "
    `)
  })

  it('init reads a Hugging Face config.json path', async () => {
    const dir = tempDir()
    const cfg = { ...NAMED_CONFIGS.tiny, modelType: 'qwen2' as const, attentionBias: true, tieWordEmbeddings: true, numLayers: 1 }
    const path = join(dir, 'my-config.json')
    writeFileSync(path, JSON.stringify(toHfConfig(cfg)))
    const out = join(dir, 'model')
    expect((await cli('model', 'init', '--config', path, '--out', out)).code).toBe(0)
    const info = JSON.parse((await cli('model', 'info', out, '--json')).stdout)
    expect(info.config).toEqual(cfg)
  })

  it('init shows progress on stderr for big models', async () => {
    const r = await cli('model', 'init', '--config', 'small', '--out', tempDir())
    expect(r.code).toBe(0)
    expect(r.stderr.trim().split('\n')).toHaveLength(10)
    expect(r.stderr).toContain('initialising 9,540,480 parameters: 100% (')
  })

  it('init refuses a non-empty folder unless --force, and --force keeps other files', async () => {
    const out = tempDir()
    writeFileSync(join(out, 'tokenizer.json'), '{}')
    const refused = await cli('model', 'init', '--config', 'tiny', '--out', out)
    expect(refused.code).toBe(1)
    expect(refused.stderr.replaceAll(out, '<dir>')).toMatchInlineSnapshot(`
      "murmur: --out <dir> is not empty (1 entry). Pass --force to overwrite its config.json and model.safetensors (other files are kept).
      "
    `)
    const forced = await cli('model', 'init', '--config', 'tiny', '--out', out, '--force')
    expect(forced.code).toBe(0)
    expect(readFileSync(join(out, 'tokenizer.json'), 'utf8')).toBe('{}')
  })

  it('init rejects an unknown config and a bad seed with exit code 2', async () => {
    const bad = await cli('model', 'init', '--config', 'huge', '--out', tempDir())
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatchInlineSnapshot(`
      "murmur: --config "huge" is neither a named config (tiny, small, 0.5b) nor a readable config.json (ENOENT).
      "
    `)
    const seed = await cli('model', 'init', '--config', 'tiny', '--seed', '-1', '--out', tempDir())
    expect(seed.code).toBe(2)
    expect(seed.stderr).toMatchInlineSnapshot(`
      "murmur: --seed must be an integer in [0, 2^64) or 0x followed by 64 hex digits, got "-1".
      "
    `)
  })

  it('init rejects an invalid config.json with exit code 3 naming the file and field', async () => {
    const dir = tempDir()
    const path = join(dir, 'config.json')
    writeFileSync(path, JSON.stringify({ ...toHfConfig(NAMED_CONFIGS.tiny), num_key_value_heads: 3 }))
    const r = await cli('model', 'init', '--config', path, '--out', join(dir, 'out'))
    expect(r.code).toBe(3)
    expect(r.stderr.replaceAll(dir, '<dir>')).toMatchInlineSnapshot(`
      "murmur: <dir>/config.json: field "num_key_value_heads" is 3; it must divide num_attention_heads (4).
      "
    `)
  })

  it('info on a bad folder exits 3 with a message naming the file', async () => {
    const dir = tempDir()
    const r = await cli('model', 'info', dir)
    expect(r.code).toBe(3)
    expect(r.stderr.replaceAll(dir, '<dir>')).toMatchInlineSnapshot(`
      "murmur: <dir>/config.json: cannot be read: the file does not exist.
      "
    `)
  })

  it('rejects an unknown subcommand option with exit code 2 instead of exiting the process', async () => {
    const r = await cli('model', 'info', tempDir(), '--jsn')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown option '--jsn'")
  })
})
