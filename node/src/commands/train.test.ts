import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_GRPO, TASK_FAMILIES } from '@murmur/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { run } from '../cli.js'

async function cli(...args: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await run(['node', 'murmur', ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) })
  return { code, stdout, stderr }
}

const made: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-cli-train-'))
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})
const clean = (text: string, dir: string) => text.replaceAll(dir, '<dir>')

describe('murmur tasks', () => {
  it('lists every task family with its knobs', async () => {
    const r = await cli('tasks')
    expect(r.code).toBe(0)
    for (const f of TASK_FAMILIES) {
      expect(r.stdout).toContain(`${f.family} — `)
      for (const k of f.knobs) expect(r.stdout).toContain(k.name)
    }
    expect(r.stdout.split('\n').slice(0, 4).join('\n')).toMatchInlineSnapshot(`
      "addition — a+b of n-digit integers
        --difficulty LO-HI or N (minDigits, maxDigits)
        minDigits  1..30     default 1      fewest digits per operand
        maxDigits  1..30     default 2      most digits per operand"
    `)
    const json = JSON.parse((await cli('tasks', '--json')).stdout)
    expect(json.map((f: { family: string }) => f.family)).toEqual(TASK_FAMILIES.map((f) => f.family))
  })
})

describe('murmur init', () => {
  it('rejects an unknown task, a bad difficulty and an unknown model with usage errors', async () => {
    const out = join(tempDir(), 'run')
    const unknown = await cli('init', '--task', 'division', '--out', out)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatchInlineSnapshot(`
      "murmur: Unknown task family "division". Use one of: addition, subtraction, multiplication, countdown, sort, reverse, counting, dataset. Run \`murmur tasks\` for the list.
      "
    `)
    const difficulty = await cli('init', '--task', 'addition', '--difficulty', 'two', '--out', out)
    expect(difficulty.code).toBe(2)
    expect(difficulty.stderr).toMatchInlineSnapshot(`
      "murmur: Task "addition": difficulty "two" is not N or LO-HI. Run \`murmur tasks\` for the list.
      "
    `)
    const model = await cli('init', '--task', 'addition', '--model', 'huge', '--out', out)
    expect(model.code).toBe(2)
    expect(model.stderr).toContain("argument 'huge' is invalid. Allowed choices are tiny, small.")
    const steps = await cli('init', '--task', 'addition', '--warmup-steps', '-3', '--out', out)
    expect(steps.code).toBe(2)
    const solutions = await cli('init', '--task', 'addition', '--solutions', 'cot', '--out', out)
    expect(solutions.code).toBe(2)
    expect(solutions.stderr).toContain("argument 'cot' is invalid. Allowed choices are answer, worked.")
    expect(readdirSync(join(out, '..'))).toEqual([]) // nothing was created
  })

  it('refuses an --out that is a file or a non-empty folder without run.json, leaving it untouched', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'notes.txt'), 'keep me')
    const r = await cli('init', '--task', 'addition', '--out', dir)
    expect(r.code).toBe(2)
    expect(clean(r.stderr, dir)).toMatchInlineSnapshot(`
      "murmur: --out <dir> is not empty and holds no run.json. Choose a new or empty directory; nothing was changed.
      "
    `)
    const file = await cli('init', '--task', 'addition', '--out', join(dir, 'notes.txt'))
    expect(file.code).toBe(2)
    expect(readdirSync(dir)).toEqual(['notes.txt'])
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me')
  })
})

describe('murmur init + train', () => {
  const dir = join(tempDir(), 'run')
  let runJson = ''

  beforeAll(async () => {
    const r = await cli(
      'init',
      '--task',
      'addition',
      '--difficulty',
      '2-3',
      '--model',
      'tiny',
      '--out',
      dir,
      '--warmup-steps',
      '0',
      '--json',
    )
    expect(r.stderr).toContain('starting warm-up of addition/2-3 on tiny (cpu)')
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary).toMatchObject({ dir, task: 'addition/2-3', model: 'tiny', warmupSteps: 0, resumed: false })
    runJson = readFileSync(join(dir, 'run.json'), 'utf8')
    // addition has a worked form, so the warm-up teaches it and GRPO samples room for it
    expect(r.stderr).toContain('(worked solutions)')
    expect(JSON.parse(runJson)).toMatchObject({
      genesisPolicyHash: summary.genesisPolicyHash,
      taskKind: 'addition',
      model: 'tiny',
      maxCompletionTokens: 24,
      warmup: { solutions: 'worked' },
    })
    expect(readdirSync(join(dir, 'genesis')).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ])
  })

  it('init with the same flags again reports the run as done; other flags are refused without touching it', async () => {
    const again = await cli('init', '--task', 'addition', '--difficulty', '2-3', '--out', dir, '--warmup-steps', '0')
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/is already initialised/)
    const other = await cli('init', '--task', 'subtraction', '--out', dir)
    expect(other.code).toBe(2)
    expect(clean(other.stderr, dir)).toMatchInlineSnapshot(`
      "murmur: --out <dir> already holds a different run (addition/2-3, model tiny, seed 0x41bf85103b45dfc0d10a54352c6e354aa3d9ca1425ed947d48b06ccf7816c85f, 0 warm-up steps). Choose another --out; nothing was changed.
      "
    `)
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe(runJson)
  })

  it('train --json prints one JSON line per round and checkpoints each round; re-running is a no-op', async () => {
    const r = await cli('train', dir, '--rounds', '2', '--json', '--eval-problems', '16')
    expect(r.code).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => l.round)).toEqual([1, 2])
    expect(Object.keys(lines[1]).slice(0, 4)).toEqual(['round', 'reward', 'accuracy', 'seconds'])
    expect(lines[0].accuracy).toBeUndefined()
    expect(lines[1]).toMatchObject({ evalProblems: 16, groups: DEFAULT_GRPO.promptsPerPeer })
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['round-000001', 'round-000002'])
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    expect(metrics.map((l) => JSON.parse(l).round).filter(Boolean)).toEqual([1, 2])

    const again = await cli('train', dir, '--rounds', '2')
    expect(again.code).toBe(0)
    expect(clean(again.stdout, dir)).toMatchInlineSnapshot(`
      "<dir> already has 2 rounds; nothing to do (raise --rounds to train more).
      "
    `)
  })

  it('refuses to resume from a corrupt checkpoint and deletes nothing', async () => {
    const ckpt = join(dir, 'checkpoints', 'round-000002')
    writeFileSync(join(ckpt, 'state.json'), '{"completed": 2, "optimi')
    const r = await cli('train', dir, '--rounds', '3')
    expect(r.code).toBe(3)
    expect(clean(r.stderr, dir)).toMatch(
      /^murmur: Checkpoint <dir>\/checkpoints\/round-000002 cannot be resumed from: <dir>\/checkpoints\/round-000002\/state.json is missing or corrupt \(.*\)\. Move it aside to resume from the one before it\.\n$/,
    )
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual(['round-000001', 'round-000002'])
  })
})

describe('murmur train errors', () => {
  it('rejects a missing run directory, a folder without run.json and bad --rounds', async () => {
    const dir = tempDir()
    const missing = await cli('train', join(dir, 'nope'), '--rounds', '1')
    expect(missing.code).toBe(2)
    expect(clean(missing.stderr, dir)).toMatchInlineSnapshot(`
      "murmur: Run directory <dir>/nope does not exist. Create one with \`murmur init\`.
      "
    `)
    const empty = await cli('train', dir, '--rounds', '1')
    expect(empty.code).toBe(3)
    expect(clean(empty.stderr, dir)).toMatchInlineSnapshot(`
      "murmur: <dir>/run.json cannot be read (ENOENT); is <dir> a run directory made by \`murmur init\`?
      "
    `)
    const rounds = await cli('train', dir, '--rounds', '0')
    expect(rounds.code).toBe(2)
    expect(rounds.stderr).toContain('--rounds must be an integer in [1, 10000000], got "0".')
  })

  it('reports a corrupt run.json with the file and field, and leaves it as it was', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'run.json'), '{"format": "murmur/solo-run/v1", ')
    const syntax = await cli('train', dir, '--rounds', '1')
    expect(syntax.code).toBe(3)
    expect(clean(syntax.stderr, dir)).toMatch(/^murmur: <dir>\/run.json is not valid JSON \(.*\)\.\n$/)
    writeFileSync(join(dir, 'run.json'), '{"format": "murmur/solo-run/v0"}')
    const field = await cli('train', dir, '--rounds', '1')
    expect(field.code).toBe(3)
    expect(clean(field.stderr, dir)).toMatchInlineSnapshot(`
      "murmur: <dir>/run.json: field "format" is "murmur/solo-run/v0"; expected "murmur/solo-run/v1".
      "
    `)
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe('{"format": "murmur/solo-run/v0"}')
  })

  it('refuses a run whose warm-up has not finished', async () => {
    const dir = join(tempDir(), 'run')
    mkdirSync(dir)
    const init = await cli('init', '--task', 'counting', '--out', dir, '--warmup-steps', '0', '--json')
    expect(init.code).toBe(0)
    const runJson = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...runJson, genesisPolicyHash: null }))
    const r = await cli('train', dir, '--rounds', '1')
    expect(r.code).toBe(3)
    expect(clean(r.stderr, dir)).toMatchInlineSnapshot(`
      "murmur: <dir> has no genesis policy yet: \`murmur init\` did not finish. Re-run it to resume the warm-up.
      "
    `)
  })
})
