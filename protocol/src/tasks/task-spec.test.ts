import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toHex } from '../crypto/hash.js'
import { decodeTaskSpec, encodeTaskSpec, normalizeTaskSpec, TASK_FAMILIES, taskSpecFromDifficulty, taskSpecId } from './task-spec.js'

describe('task specs', () => {
  it('fill defaults and drop unknown keys', () => {
    expect(normalizeTaskSpec({ family: 'addition', maxDigits: 3, colour: 'red' })).toEqual({
      family: 'addition',
      minDigits: 1,
      maxDigits: 3,
    })
    expect(
      TASK_FAMILIES.map((f) =>
        taskSpecId(f.family === 'dataset' ? { family: 'dataset', datasetHash: 'ab'.repeat(32) } : normalizeTaskSpec({ family: f.family })),
      ),
    ).toMatchInlineSnapshot(`
        [
          "addition/1-2",
          "subtraction/1-2",
          "multiplication/1-2",
          "countdown/4/50/100",
          "sort/3-6",
          "reverse/3-6",
          "counting/3-6/3",
          "dataset/abababababababab",
        ]
      `)
  })

  it('parse CLI difficulties', () => {
    expect(taskSpecFromDifficulty('addition', '2-3')).toEqual({ family: 'addition', minDigits: 2, maxDigits: 3 })
    expect(taskSpecFromDifficulty('sort', '5')).toEqual({ family: 'sort', minLength: 5, maxLength: 5 })
    expect(taskSpecFromDifficulty('countdown', '5')).toEqual({ family: 'countdown', count: 5, maxNumber: 50, maxTarget: 100 })
    expect(() => taskSpecFromDifficulty('countdown', '3-4')).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Task "countdown": difficulty is one number (count), got "3-4".]`,
    )
    expect(() => taskSpecFromDifficulty('addition', 'hard')).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Task "addition": difficulty "hard" is not N or LO-HI.]`,
    )
    expect(() => taskSpecFromDifficulty('division', '2')).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Unknown task family "division". Use one of: addition, subtraction, multiplication, countdown, sort, reverse, counting, dataset.]`,
    )
  })

  it('name the knob, the value and the range when invalid', () => {
    expect(() => normalizeTaskSpec({ family: 'addition', minDigits: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Task "addition": minDigits must be an integer in [1, 30], got 0.]`,
    )
    expect(() => normalizeTaskSpec({ family: 'addition', minDigits: 3, maxDigits: 2 })).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Task "addition": minDigits (3) exceeds maxDigits (2).]`,
    )
    expect(() => normalizeTaskSpec({ family: 'counting', symbols: 2.5 })).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Task "counting": symbols must be an integer in [2, 26], got 2.5.]`,
    )
    expect(() => normalizeTaskSpec({ family: 'dataset', datasetHash: 'xyz' })).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Task "dataset": datasetHash must be 64 lower-case hex characters (sha256 of the file), got "xyz".]`,
    )
  })

  it('encode canonically (pinned) and decode back', () => {
    expect(toHex(encodeTaskSpec({ family: 'addition', minDigits: 2, maxDigits: 3 }))).toMatchInlineSnapshot(
      `"01080000006164646974696f6e0200000003000000"`,
    )
    const arb = fc.oneof(
      fc.record({
        family: fc.constantFrom('addition', 'subtraction', 'multiplication'),
        minDigits: fc.integer({ min: 1, max: 10 }),
        maxDigits: fc.integer({ min: 10, max: 30 }),
      }),
      fc.record({
        family: fc.constant('countdown'),
        count: fc.integer({ min: 2, max: 6 }),
        maxNumber: fc.integer({ min: 1, max: 1000 }),
        maxTarget: fc.integer({ min: 1, max: 100000 }),
      }),
      fc.record({
        family: fc.constant('counting'),
        minLength: fc.integer({ min: 1, max: 5 }),
        maxLength: fc.integer({ min: 5, max: 64 }),
        symbols: fc.integer({ min: 2, max: 26 }),
      }),
      fc.record({ family: fc.constant('dataset'), datasetHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex) }),
    )
    fc.assert(
      fc.property(arb, (spec) => {
        expect(decodeTaskSpec(encodeTaskSpec(spec as never))).toEqual(spec)
      }),
    )
  })

  it('reject non-canonical bytes', () => {
    const good = encodeTaskSpec({ family: 'sort', minLength: 3, maxLength: 6 })
    expect(() => decodeTaskSpec(Uint8Array.of(...good, 0))).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode TaskSpec: field "knobs" at byte 9 must be 8 bytes, got 9.]`,
    )
    expect(() => decodeTaskSpec(Uint8Array.of(2, ...good.slice(1)))).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode TaskSpec: field "version" at byte 0 is 2, expected 1.]`,
    )
    const outOfRange = good.slice()
    outOfRange[good.length - 4] = 200
    expect(() => decodeTaskSpec(outOfRange)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode TaskSpec: field "knobs" at byte 9 are out of range: Task "sort": maxLength must be an integer in [1, 64], got 200.]`,
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          return toHex(encodeTaskSpec(decodeTaskSpec(bytes))) === toHex(bytes)
        } catch (err) {
          return err instanceof Error && err.name === 'MessageDecodeError'
        }
      }),
    )
  })
})
