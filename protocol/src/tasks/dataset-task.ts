// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Questions of a loaded {@link QaDataset}, drawn uniformly by seed and split by question
 * text (see `seeds.ts`). Plain prompt `question\nAnswer:`; chat prompt asks for step-by-step
 * reasoning and `\boxed{}`. Answers are compared as exact rationals.
 */
import { TaskSpecError } from '../errors.js'
import { rewardNumeric } from './numeric-reward.js'
import type { QaDataset } from './qa-dataset.js'
import { drawInSplit } from './seeds.js'
import type { TaskBehaviour, TaskInstance } from './task.js'

export function createDatasetTask(spec: { family: 'dataset'; datasetHash: string }, dataset: QaDataset | undefined): TaskBehaviour {
  if (!dataset)
    throw new TaskSpecError(`Task "dataset" needs its dataset (sha256 ${spec.datasetHash}); load the JSONL file and pass it in.`)
  if (dataset.hash !== spec.datasetHash) {
    throw new TaskSpecError(`Task "dataset" pins dataset ${spec.datasetHash}, but the loaded file hashes to ${dataset.hash}.`, {
      want: spec.datasetHash,
      got: dataset.hash,
    })
  }
  if (dataset.items.length === 0) throw new TaskSpecError(`Dataset ${dataset.hash} has no usable question.`)
  const items = dataset.items
  return {
    instance(seed): TaskInstance {
      return drawInSplit('dataset', seed, (rng) => {
        const item = items[rng.nextInt(items.length)]!
        return {
          key: item.question,
          value: {
            family: 'dataset',
            split: seed.split,
            prompt: `${item.question}\nAnswer:`,
            chatPrompt: `${item.question}\nPlease reason step by step, and put your final answer within \\boxed{}.`,
            answer: item.answer,
            meta: { line: item.line, solution: item.solution },
          },
        }
      })
    },
    reward: (instance, completion) => rewardNumeric(instance.answer, completion),
  }
}
