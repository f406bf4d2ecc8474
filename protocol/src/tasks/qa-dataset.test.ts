import { describe, expect, it } from 'vitest'
import { createTask } from './create-task.js'
import { datasetHash, finalAnswerOf, parseQaDataset } from './qa-dataset.js'
import { evalSeed, trainSeed } from './seeds.js'

const GOOD = [
  '{"question": "Tom has 3 apples and buys 4 more. How many?", "answer": "3 + 4 = <<3+4=7>>7\\n#### 7"}',
  '{"question": "Cost of 100 books at $12?", "answer": "#### 1,200"}',
  '{"question": "Half of a half?", "answer": "\\\\boxed{\\\\frac{1}{4}}"}',
  '{"question": "Numeric answer field?", "answer": 42}',
]
const BAD = [
  '{"question": "no answer"}',
  'not json at all',
  '["question", "answer"]',
  '{"question": "", "answer": "#### 1"}',
  '{"question": "words", "answer": "#### seven"}',
  '{"question": "hedged", "answer": "\\\\boxed{1} or \\\\boxed{2}"}',
  '{"question": "fullwidth", "answer": "#### ４２"}',
]

describe('parseQaDataset', () => {
  it('reads GSM8K answers after ####, boxed answers and numeric fields, skipping blank lines', () => {
    const ds = parseQaDataset(`${GOOD.join('\r\n')}\n\n`)
    expect(ds.items.map((i) => [i.line, i.answer])).toEqual([
      [1, '7'],
      [2, '1,200'],
      [3, '\\frac{1}{4}'],
      [4, '42'],
    ])
    expect(ds.errors).toEqual([])
    expect(ds.hash).toBe(datasetHash(`${GOOD.join('\r\n')}\n\n`))
  })

  it('fails on the first malformed line, naming its number and the reason', () => {
    const text = [GOOD[0], BAD[1], GOOD[1]].join('\n')
    const err = (() => {
      try {
        parseQaDataset(text)
      } catch (e) {
        return e as Error & { details: unknown }
      }
    })()
    expect(err?.name).toBe('DatasetFormatError')
    expect(err?.message).toMatch(/^Dataset line 2: not valid JSON \(.*\)\.$/)
    expect(err?.details).toMatchObject({ line: 2 })
    expect(() => parseQaDataset(text, { onError: 'fail' })).toThrow(/line 2/)
  })

  it('skips malformed lines under onError "skip" and reports each with its reason', () => {
    const ds = parseQaDataset([GOOD[0], ...BAD, GOOD[1]].join('\n'), { onError: 'skip' })
    expect(ds.items.map((i) => i.line)).toEqual([1, 9])
    expect(ds.errors.map((e) => `${e.line}: ${e.reason.replace(/\(Unexpected.*\)/, '(…)')}`)).toMatchInlineSnapshot(`
      [
        "2: field "answer" is missing or not a string or number",
        "3: not valid JSON (…)",
        "4: not a JSON object",
        "5: field "question" is missing or not a non-empty string",
        "6: final answer "seven" is not a number (not a number: "seven")",
        "7: answer has no final answer (2 different answers (boxed))",
        "8: final answer "４２" is not a number (non-ASCII digit "４")",
      ]
    `)
  })

  it('finds final answers the way graders do', () => {
    expect(['#### 5', 'a #### 1 #### 2', '\\boxed{3/4}', '17', 'so it is 17'].map((f) => finalAnswerOf(f))).toMatchInlineSnapshot(`
      [
        {
          "answer": "5",
          "ok": true,
        },
        {
          "answer": "2",
          "ok": true,
        },
        {
          "answer": "3/4",
          "ok": true,
        },
        {
          "answer": "17",
          "ok": true,
        },
        {
          "ok": false,
          "reason": "final answer "so it is 17" is not a number (not a number: "so it is 17")",
        },
      ]
    `)
  })
})

describe('dataset task', () => {
  const lines = Array.from(
    { length: 40 },
    (_, i) => `{"question": "What is ${i} times 3?", "answer": "#### ${(3 * i).toLocaleString('en-US')}"}`,
  )
  const text = lines.join('\n')
  const dataset = parseQaDataset(text)

  it('draws questions by seed and verifies numeric answers exactly', () => {
    const task = createTask({ family: 'dataset', datasetHash: dataset.hash }, { dataset })
    const inst = task.instance(trainSeed(0))
    expect(task.instance(trainSeed(0))).toEqual(inst)
    expect(inst.prompt.endsWith('\nAnswer:')).toBe(true)
    expect(inst.chatPrompt).toContain('\\boxed{}')
    const n = Number(inst.answer.replaceAll(',', ''))
    expect(task.reward(inst, `blah\n\\boxed{${n}.0}`).reward).toBe(1)
    expect(task.reward(inst, `#### $${n}`).reward).toBe(1)
    expect(task.reward(inst, `\\boxed{${n + 1}}`).reward).toBe(0.1)
    expect(task.instance(evalSeed(0)).split).toBe('eval')
  })

  it('refuses a dataset that is missing or not the one the spec pins', () => {
    expect(() => createTask({ family: 'dataset', datasetHash: dataset.hash })).toThrowErrorMatchingInlineSnapshot(
      `[TaskSpecError: Task "dataset" needs its dataset (sha256 0e87f2613df61ddbcb15505b9b0d697dda63e43bdddee297061d224cd3c9e768); load the JSONL file and pass it in.]`,
    )
    const other = parseQaDataset(lines.slice(1).join('\n'))
    expect(() => createTask({ family: 'dataset', datasetHash: dataset.hash }, { dataset: other })).toThrow(/pins dataset/)
  })
})
