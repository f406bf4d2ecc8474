/**
 * Golden vectors of the task families: instances for fixed seeds and rewards for fixed
 * completions. `generate.ts` writes them to tasks.json; `tasks.test.ts` checks both ways.
 * A change here is a protocol change (STYLE.md §7).
 */
import { toHex } from '../src/crypto/hash.js'
import { createTask } from '../src/tasks/create-task.js'
import { parseQaDataset } from '../src/tasks/qa-dataset.js'
import { evalSeed, trainSeed } from '../src/tasks/seeds.js'
import type { TaskSeed } from '../src/tasks/task.js'
import { encodeTaskSpec, type TaskSpec } from '../src/tasks/task-spec.js'

/** A tiny GSM8K-style file, pinned by hash in the dataset vector. */
export const VECTOR_DATASET = [
  '{"question": "Tom has 3 apples and buys 4 more. How many apples does he have?", "answer": "3 + 4 = <<3+4=7>>7\\n#### 7"}',
  '{"question": "A book costs $12. How much do 100 books cost?", "answer": "12 * 100 = 1200\\n#### 1,200"}',
  '{"question": "Half of a pizza is split between 2 people. What fraction does each get?", "answer": "\\\\boxed{1/4}"}',
  '{"question": "What is 10 percent of 50?", "answer": "#### 5"}',
  '{"question": "A train travels 60 km in 1.5 hours. What is its speed in km/h?", "answer": "60 / 1.5 = 40\\n#### 40"}',
  '{"question": "Sam had 20 dollars and spent 7.50. How much is left?", "answer": "#### $12.50"}',
  '{"question": "How many legs do 3 spiders have?", "answer": "#### 24"}',
  '{"question": "What is 2 minus 5?", "answer": "#### -3"}',
  ...Array.from(
    { length: 16 },
    (_, i) => `{"question": "What is ${i + 1} times 3?", "answer": "${i + 1} * 3 = ${3 * (i + 1)}\\n#### ${3 * (i + 1)}"}`,
  ),
  '',
].join('\n')

export const VECTOR_SPECS: readonly TaskSpec[] = [
  { family: 'addition', minDigits: 2, maxDigits: 3 },
  { family: 'subtraction', minDigits: 2, maxDigits: 2 },
  { family: 'multiplication', minDigits: 1, maxDigits: 2 },
  { family: 'countdown', count: 4, maxNumber: 50, maxTarget: 100 },
  { family: 'sort', minLength: 3, maxLength: 6 },
  { family: 'reverse', minLength: 3, maxLength: 6 },
  { family: 'counting', minLength: 4, maxLength: 8, symbols: 3 },
  { family: 'dataset', datasetHash: parseQaDataset(VECTOR_DATASET).hash },
]

const RUN = new Uint8Array(32) // run id of the vectors: 32 zero bytes

export function taskVectors() {
  const dataset = parseQaDataset(VECTOR_DATASET)
  return VECTOR_SPECS.map((spec) => {
    const task = createTask(spec, { dataset })
    const seeds: TaskSeed[] = [trainSeed(RUN, 0), trainSeed(RUN, 1), trainSeed(RUN, 2), evalSeed(0), evalSeed(1)]
    return {
      id: task.id,
      spec,
      specBytes: toHex(encodeTaskSpec(spec)),
      instances: seeds.map((seed) => {
        const inst = task.instance(seed)
        const completions = [
          inst.answer,
          `I think.\n\\boxed{${inst.answer}}`,
          `Answer: ${inst.answer}`,
          '0',
          '12 13',
          '\\boxed{1} \\boxed{2}',
          '',
        ]
        return {
          seed: toHex(seed.bytes),
          split: seed.split,
          prompt: inst.prompt,
          chatPrompt: inst.chatPrompt,
          answer: inst.answer,
          meta: inst.meta,
          rewards: completions.map((completion) => {
            const r = task.reward(inst, completion)
            return { completion, reward: r.reward, correctness: r.correctness, format: r.format, reason: r.reason }
          }),
        }
      }),
    }
  })
}
