import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../testing.js'

const cli = runCli

describe('murmur model score / generate', () => {
  let dir: string
  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'murmur-model-run-')), 'tiny')
    const r = await cli('model', 'init', '--config', 'tiny', '--seed', '7', '--out', dir)
    expect(r.code).toBe(0)
  })

  it('scores every token given its prefix and returns the last logits', async () => {
    const r = await cli('model', 'score', dir, '--tokens', '1,5,9,12', '--json')
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('device: cpu')
    const out = JSON.parse(r.stdout)
    expect(out.logprobs[0]).toBeNull()
    expect(out.logprobs.slice(1).every((x: number) => x < 0 && x > -20)).toBe(true)
    expect(out.lastLogits).toHaveLength(128)
  })

  it('gives the same scores on onnxruntime-web wasm within float tolerance', async () => {
    const cpu = JSON.parse((await cli('model', 'score', dir, '--tokens', '1,5,9,12', '--json')).stdout)
    const wasm = JSON.parse((await cli('model', 'score', dir, '--tokens', '1,5,9,12', '--json', '--device', 'wasm')).stdout)
    expect(wasm.device).toBe('wasm')
    cpu.logprobs.slice(1).forEach((x: number, i: number) => {
      expect(Math.abs(x - wasm.logprobs[i + 1])).toBeLessThan(1e-4)
    })
  })

  it('generates reproducibly from a seed, and the generated log-probs match the scores', async () => {
    const args = [
      'model',
      'generate',
      dir,
      '--prompt-tokens',
      '1,5,9',
      '--max-new',
      '6',
      '--seed',
      `0x${'ab'.repeat(32)}`,
      '--group',
      '3',
      '--json',
    ]
    const a = JSON.parse((await cli(...args)).stdout)
    const b = JSON.parse((await cli(...args)).stdout)
    expect(b.completions).toEqual(a.completions)
    expect(a.completions).toHaveLength(3)
    const c = a.completions[0]
    const scored = JSON.parse((await cli('model', 'score', dir, '--tokens', [1, 5, 9, ...c.tokens].join(','), '--json')).stdout)
    c.logprobs.forEach((lp: number, i: number) => {
      expect(Math.abs(lp - scored.logprobs[3 + i])).toBeLessThan(1e-4)
    })
  })

  it('rejects malformed token lists and out-of-vocabulary ids with clear messages', async () => {
    const bad = await cli('model', 'score', dir, '--tokens', '1,x,3')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--tokens must be comma-separated token ids (non-negative integers), got "1,x,3".')
    const oov = await cli('model', 'score', dir, '--tokens', '1,999')
    expect(oov.code).toBe(3)
    expect(oov.stderr).toContain('Token 999 is outside the vocabulary [0, 128).')
  })

  it('names the file when the model folder is broken', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'murmur-broken-'))
    writeFileSync(join(broken, 'config.json'), '{"model_type": "gpt2"}')
    const r = await cli('model', 'generate', broken, '--prompt-tokens', '1')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('config.json')
  })

  it('fails clearly when CUDA is requested without the CUDA execution provider', async () => {
    const r = await cli('model', 'score', dir, '--tokens', '1,2', '--device', 'cuda')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Device "cuda" is unavailable')
  })
})
