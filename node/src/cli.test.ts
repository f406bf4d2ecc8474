import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from './testing.js'
import { packageVersion } from './version.js'

const cli = runCli

describe('murmur CLI', () => {
  it('lists its commands in --help and exits 0', async () => {
    const r = await cli('--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: murmur')
    expect(r.stdout).toMatch(/\bup\b/)
    expect(r.stdout).toMatch(/\bbench\b/)
  })

  it('prints the package version for --version', async () => {
    const r = await cli('--version')
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(packageVersion())
  })

  it('rejects an unknown command with exit code 2 and a suggestion', async () => {
    const r = await cli('upp')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'upp'")
    expect(r.stderr).toContain('Did you mean up?')
  })

  it('rejects an unknown flag with exit code 2', async () => {
    const r = await cli('up', '--pears', '3')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown option '--pears'")
  })

  it('checks the benchmark selection flags and refuses them for other benchmarks', async () => {
    const refused = async (args: string[], message: string) => {
      const r = await cli(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toContain(message)
    }
    await refused(
      ['bench', 'engine', '--devices', 'cpu,gpu'],
      '--devices takes a comma-separated list of cpu, wasm, webgpu, cuda; got "cpu,gpu"',
    )
    await refused(['bench', 'engine', '--train-shape', '8by64'], '--train-shape takes BxT, e.g. 8x64')
    await refused(['bench', 'hash', '--configs', '0.5b'], 'select what the engine benchmark measures; "hash" takes none')
    await refused(['bench', 'adversarial', '--repeats', '0'], '--repeats takes a whole number from 1 to 20; got "0"')
    await refused(['bench', 'hash', '--repeats', '3'], '--attacks and --repeats shape the adversarial benchmark; "hash" takes neither')
  })

  it('rejects a malformed integer flag with a message naming the limit', async () => {
    const r = await cli('up', '--peers', 'three')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--peers must be an integer in [1, 16], got "three".')
  })

  it('refuses an --ice-server that is not a STUN or TURN URL, before starting anything', async () => {
    const r = await cli('node', '--run', 'nowhere', '--dev-key', '0', '--data-dir', 'nowhere', '--ice-server', 'https://stun.example.org')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--ice-server https://stun.example.org: not a stun:, turn: or turns: URL')
  })

  it('names the available benchmarks when asked for an unknown one', async () => {
    const r = await cli('bench', 'nope')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/Unknown benchmark "nope"\. Use one of: .*\bengine\b.*\bhash\b/)
  })

  it('up brings up a local chain and a swarm, commits and audits every round, and ends with a JSON summary', async () => {
    process.env.MURMUR_HOME = mkdtempSync(join(tmpdir(), 'murmur-up-'))
    const r = await cli(
      'up',
      '--json',
      '--rounds',
      '1',
      '--peers',
      '2',
      '--warmup-steps',
      '10',
      '--round-ms',
      '4000',
      '--eval-problems',
      '16',
      '--web-port',
      '0',
    )
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    expect(summary.ort.backends).toContain('cpu')
    expect(summary.ort.backends).not.toContain('cuda') // not in the npm package: listed as installable
    expect(summary).toMatchObject({ ok: true, peers: 2, rounds: 1, auditOk: true, sameThetaEveryRound: true })
    expect(summary.committedRounds).toBeGreaterThanOrEqual(1)
    expect(summary.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/)
    // the next session resumes: the chain is restored from its journal, the run continues at round 1
    const again = await cli(
      'up',
      '--json',
      '--rounds',
      '1',
      '--peers',
      '2',
      '--round-ms',
      '4000',
      '--eval-problems',
      '16',
      '--web-port',
      '0',
    )
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toMatch(/restored from .*chain/)
    expect(again.stderr).toMatch(/resuming the last run at round 1/)
    const resumed = JSON.parse(again.stdout.trim().split('\n').at(-1)!)
    expect(resumed).toMatchObject({ ok: true, rounds: 1, resumedFromRound: 1, auditOk: true, ledger: summary.ledger })
    expect(resumed.committedRounds).toBeGreaterThanOrEqual(2)
  })
})
