import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTask } from './create-task.js'
import { drawInSplit, evalSeed, splitOf, trainSeed } from './seeds.js'
import type { TaskSeed } from './task.js'
import type { TaskSpec } from './task-spec.js'

const run = new Uint8Array(32).fill(7)

const SPECS: readonly TaskSpec[] = [
  { family: 'addition', minDigits: 2, maxDigits: 3 },
  { family: 'subtraction', minDigits: 1, maxDigits: 4 },
  { family: 'multiplication', minDigits: 1, maxDigits: 3 },
  { family: 'countdown', count: 4, maxNumber: 50, maxTarget: 100 },
  { family: 'countdown', count: 6, maxNumber: 100, maxTarget: 1000 },
  { family: 'sort', minLength: 3, maxLength: 8 },
  { family: 'reverse', minLength: 3, maxLength: 8 },
  { family: 'counting', minLength: 3, maxLength: 12, symbols: 4 },
]

describe('every task family', () => {
  for (const spec of SPECS) {
    const task = createTask(spec)
    describe(task.id, () => {
      it('derives the same instance from the same seed, and different ones from different seeds', () => {
        const a = task.instance(trainSeed(run, 0))
        expect(task.instance(trainSeed(run, 0))).toEqual(a)
        const prompts = new Set(Array.from({ length: 30 }, (_, i) => task.instance(trainSeed(run, i)).prompt))
        expect(prompts.size).toBeGreaterThan(20)
      })

      it('scores its own answer 1, plain, boxed or on an Answer line, on either split', () => {
        fc.assert(
          fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.boolean(), (i, held) => {
            const inst = task.instance(held ? evalSeed(i) : trainSeed(run, i))
            return (
              inst.split === (held ? 'eval' : 'train') &&
              task.reward(inst, inst.answer).reward === 1 &&
              task.reward(inst, `Let me think.\n\\boxed{${inst.answer}}`).reward === 1 &&
              task.reward(inst, `work\nAnswer: ${inst.answer}`).reward === 1
            )
          }),
          { numRuns: 60 },
        )
      })

      it('never throws on arbitrary completions and keeps the reward in {0, 0.1, 1}', () => {
        const inst = task.instance(trainSeed(run, 1))
        fc.assert(
          fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 30 })), (s) => {
            const r = task.reward(inst, s)
            return (
              [0, 0.1, 1].includes(r.reward) && r.reward === (9 * r.correctness + r.format) / 10 && (r.correctness === 0 || r.format === 1)
            )
          }),
          { numRuns: 200 },
        )
      })

      it('gives no credit for hedging or for extra text after a plain answer', () => {
        const inst = task.instance(trainSeed(run, 2))
        expect(task.reward(inst, `\\boxed{${inst.answer}} \\boxed{0${inst.answer}9}`)).toMatchObject({
          reward: 0,
          reason: 'multiple-answers',
        })
        expect(task.reward(inst, `${inst.answer} because I said so`).correctness).toBe(0)
        expect(task.reward(inst, '').reason).toBe('empty')
      })
    })
  }
})

describe('held-out split', () => {
  it('never yields an eval problem from a training seed, nor a training problem from an eval seed', () => {
    for (const spec of SPECS) {
      const task = createTask(spec)
      const train = new Set(Array.from({ length: 300 }, (_, i) => task.instance(trainSeed(run, i)).prompt))
      const held = new Set(Array.from({ length: 100 }, (_, i) => task.instance(evalSeed(i)).prompt))
      for (const p of train) expect(splitOf(spec.family, p)).toBe('train')
      for (const p of held) expect(splitOf(spec.family, p)).toBe('eval')
      expect([...held].filter((p) => train.has(p))).toEqual([])
    }
  })

  it('holds out about 1/8 of a small problem space, disjointly', () => {
    const task = createTask({ family: 'addition', minDigits: 1, maxDigits: 1 })
    const all: string[] = []
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) all.push(`${a}+${b}=`)
    const held = all.filter((p) => splitOf('addition', p) === 'eval')
    expect(held.length).toBeGreaterThan(4)
    expect(held.length).toBeLessThan(25)
    const drawn = new Set(Array.from({ length: 400 }, (_, i) => task.instance(evalSeed(i)).prompt))
    expect([...drawn].sort()).toEqual([...held].sort())
  })

  it('derives train and eval seeds under different domains', () => {
    expect(trainSeed(0).bytes).not.toEqual(evalSeed(0).bytes)
    expect(trainSeed(0).split).toBe('train')
    expect(evalSeed(0).split).toBe('eval')
  })

  it('rejects an untagged or short seed', () => {
    const task = createTask({ family: 'addition', minDigits: 1, maxDigits: 2 })
    expect(() => task.instance({ split: 'test', bytes: new Uint8Array(32) } as unknown as TaskSeed)).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: A task seed must have split "train" or "eval", got "test".]`,
    )
    expect(() => task.instance({ split: 'train', bytes: new Uint8Array(8) })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: A task seed must be 32 bytes, got 8.]`,
    )
  })

  it('fails identically on every peer when a problem space has no member in the split', () => {
    expect(() => drawInSplit('addition', evalSeed(0), () => ({ key: '1+1=', value: 2 }))).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Task "addition": no eval problem found in 512 draws; the problem space is too small to split.]`,
    )
    expect(drawInSplit('addition', trainSeed(0), () => ({ key: '1+1=', value: 2 }))).toBe(2)
  })
})

describe('arithmetic', () => {
  const task = createTask({ family: 'addition', minDigits: 2, maxDigits: 2 })
  const inst = task.instance(trainSeed(run, 5))

  it('uses the short plain prompt and the chat prompt', () => {
    expect(inst.prompt).toMatch(/^\d\d\+\d\d=$/)
    expect(inst.chatPrompt).toContain('\\boxed{}')
  })

  it('scores adversarial completions', () => {
    const want = BigInt(inst.answer)
    const cases = {
      right: inst.answer,
      leadingZeros: `00${inst.answer}`,
      decimal: `${inst.answer}.0`,
      wrong: `${want + 1n}`,
      huge: '9'.repeat(5000),
      hugeBoxed: `\\boxed{${'9'.repeat(100)}}`,
      fullwidth: inst.answer.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
      arabicIndic: inst.answer.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))),
      twoNumbers: `${inst.answer} ${inst.answer}`,
      twoLines: `${inst.answer}\n${inst.answer}`,
      extraText: `${inst.answer}!!`,
      negative: `-${inst.answer}`,
    }
    expect(
      Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, (({ reward, reason }) => `${reward} ${reason}`)(task.reward(inst, c))])),
    ).toMatchInlineSnapshot(`
      {
        "arabicIndic": "0 unparseable",
        "decimal": "1 correct",
        "extraText": "0 unparseable",
        "fullwidth": "0 unparseable",
        "huge": "0 unparseable",
        "hugeBoxed": "0 unparseable",
        "leadingZeros": "1 correct",
        "negative": "0.1 wrong-answer",
        "right": "1 correct",
        "twoLines": "0 unparseable",
        "twoNumbers": "0 unparseable",
        "wrong": "0.1 wrong-answer",
      }
    `)
  })

  it('writes worked addition and subtraction as column arithmetic from the units up, which scores 1', () => {
    const add = createTask({ family: 'addition', minDigits: 2, maxDigits: 3 })
    const sub = createTask({ family: 'subtraction', minDigits: 2, maxDigits: 3 })
    const at = (task: typeof add, a: string, b: string, answer: string) =>
      task.worked({ ...task.instance(trainSeed(run, 0)), meta: { a, b }, answer })
    expect(at(add, '603', '82', '685')).toBe('306+280=586\n####685')
    expect(at(add, '603', '682', '1285')).toBe('306+286=5821\n####1285')
    expect(at(add, '10', '12', '22')).toBe('010+210=22\n####22')
    expect(at(sub, '105', '98', '7')).toBe('501-890=700\n####7')
    expect(at(sub, '99', '99', '0')).toBe('990-990=000\n####0')
    expect(add.hasWorkedForm && sub.hasWorkedForm).toBe(true)
    for (const task of [add, sub, createTask({ family: 'addition', minDigits: 1, maxDigits: 12 })]) {
      for (let i = 0; i < 300; i++) {
        for (const inst of [task.instance(trainSeed(run, i)), task.instance(evalSeed(i))]) {
          const worked = task.worked(inst)
          expect(task.reward(inst, worked), worked).toMatchObject({ reward: 1, reason: 'correct' })
          // the result's digits, read back in order, are the answer (subtraction: with leading zeros)
          const digits = /=(\d+)\n/.exec(worked)![1]!
          expect(BigInt(Array.from(digits).reverse().join(''))).toBe(BigInt(inst.answer))
        }
      }
    }
  })

  it('has no worked form for multiplication and the other families: the answer is the target', () => {
    for (const spec of [
      { family: 'multiplication', minDigits: 1, maxDigits: 2 },
      { family: 'countdown', count: 3, maxNumber: 20, maxTarget: 50 },
      { family: 'sort', minLength: 3, maxLength: 6 },
    ] as const) {
      const task = createTask(spec)
      const inst = task.instance(trainSeed(run, 1))
      expect(task.hasWorkedForm).toBe(false)
      expect(task.worked(inst)).toBe(inst.answer)
    }
  })

  it('puts the larger operand first in subtraction', () => {
    const sub = createTask({ family: 'subtraction', minDigits: 1, maxDigits: 3 })
    for (let i = 0; i < 100; i++) expect(Number(sub.instance(trainSeed(run, i)).answer)).toBeGreaterThanOrEqual(0)
  })
})

describe('countdown', () => {
  const task = createTask({ family: 'countdown', count: 4, maxNumber: 50, maxTarget: 100 })
  const inst = task.instance(trainSeed(run, 3))
  const numbers = inst.meta.numbers as readonly number[]
  const target = inst.meta.target as number

  it('uses every number at most once in its reference solution and hits the target', () => {
    for (let i = 0; i < 200; i++) {
      const x = task.instance(trainSeed(run, i))
      expect(x.meta.target).toBeGreaterThanOrEqual(1)
      expect(x.meta.target).toBeLessThanOrEqual(100)
      expect(task.reward(x, x.answer).reason).toBe('correct')
    }
  })

  it('checks numbers, exactness and claims', () => {
    const [a, b] = numbers as [number, number]
    const unused = Array.from({ length: 60 }, (_, i) => i + 1).find((n) => !numbers.includes(n))!
    const cases = {
      right: inst.answer,
      rightWithClaim: `${inst.answer} = ${target}`,
      falseClaim: `${inst.answer} = ${target + 1}`,
      reuse: `${a}+${a}+${a}+${a}+${a}`,
      foreign: `${unused}`,
      inexact: `${a}/${b * 1000 + 1}`,
      plainTarget: `${target}`,
      evalLike: 'process.exit(1)',
      unicodeOps: inst.answer.replaceAll('*', '×').replaceAll('/', '÷'),
    }
    expect(
      Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, (({ reward, reason }) => `${reward} ${reason}`)(task.reward(inst, c))])),
    ).toMatchInlineSnapshot(`
      {
        "evalLike": "0 invalid-expression",
        "falseClaim": "0.1 wrong-answer",
        "foreign": "0.1 wrong-numbers",
        "inexact": "0 invalid-expression",
        "plainTarget": "0.1 wrong-numbers",
        "reuse": "0.1 wrong-numbers",
        "right": "1 correct",
        "rightWithClaim": "1 correct",
        "unicodeOps": "1 correct",
      }
    `)
  })
})

describe('sequences and counting', () => {
  it('accepts separators in a sequence answer and rejects foreign symbols', () => {
    const task = createTask({ family: 'sort', minLength: 4, maxLength: 4 })
    const inst = task.instance(trainSeed(run, 0))
    expect(task.reward(inst, `\\boxed{${inst.answer.split('').join(', ')}}`).reward).toBe(1)
    expect(task.reward(inst, `${inst.answer}!`).reason).toBe('unparseable')
    expect(task.reward(inst, [...inst.answer].reverse().join('')).reward).toBe(
      inst.answer === [...inst.answer].reverse().join('') ? 1 : 0.1,
    )
  })

  it('counts the asked symbol', () => {
    const task = createTask({ family: 'counting', minLength: 10, maxLength: 10, symbols: 2 })
    for (let i = 0; i < 50; i++) {
      const inst = task.instance(trainSeed(run, i))
      const input = inst.meta.input as string
      expect(Number(inst.answer)).toBe([...input].filter((c) => c === inst.meta.symbol).length)
      expect(inst.prompt).toBe(`count ${inst.meta.symbol}:${input}=`)
    }
  })
})

describe('createTask', () => {
  it('reports its id and CLI difficulty', () => {
    const t = createTask({ family: 'addition', minDigits: 2, maxDigits: 3 })
    expect([t.id, t.family, t.difficulty]).toEqual(['addition/2-3', 'addition', '2-3'])
    expect(createTask({ family: 'sort', minLength: 5, maxLength: 5 }).difficulty).toBe('5')
    expect(createTask({ family: 'countdown' } as TaskSpec).difficulty).toBe('4')
  })

  it('refuses to score another family’s instance (a caller bug, not peer data)', () => {
    const add = createTask({ family: 'addition', minDigits: 1, maxDigits: 2 })
    const cd = createTask({ family: 'countdown', count: 3, maxNumber: 20, maxTarget: 50 })
    expect(() => cd.reward(add.instance(trainSeed(0)), '1')).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Task "countdown/3/20/50" cannot take an instance of family "addition".]`,
    )
  })

  it('scores hostile megabyte completions quickly', () => {
    const task = createTask({ family: 'countdown', count: 4, maxNumber: 50, maxTarget: 100 })
    const inst = task.instance(trainSeed(0))
    const hostile = [
      '\\boxed{'.repeat(100_000),
      `${'\\boxed{'.repeat(50_000)}${'}'.repeat(50_000)}`,
      `answer${' '.repeat(1_000_000)}`,
      `Answer: ${'('.repeat(1_000_000)}`,
      '9'.repeat(1_000_000),
      `${'\\boxed{1}'.repeat(100_000)}`,
    ]
    for (const text of hostile) {
      for (const t of [
        task,
        createTask({ family: 'addition', minDigits: 1, maxDigits: 2 }),
        createTask({ family: 'sort', minLength: 3, maxLength: 3 }),
      ]) {
        const i = t === task ? inst : t.instance(trainSeed(0))
        expect(t.reward(i, text).correctness).toBe(0)
      }
    }
  })
})
