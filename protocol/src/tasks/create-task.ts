// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
import { InvalidArgumentError } from '../errors.js'
import { createArithmeticTask } from './arithmetic.js'
import { createCountdownTask } from './countdown.js'
import { createCountingTask } from './counting.js'
import { createDatasetTask } from './dataset-task.js'
import type { QaDataset } from './qa-dataset.js'
import { createSequenceTask } from './sequence.js'
import type { Task, TaskBehaviour, TaskInstance } from './task.js'
import { normalizeTaskSpec, type TaskSpec, taskDifficulty, taskSpecId } from './task-spec.js'

/** What a task may need beyond its spec: the loaded dataset of a `dataset` spec. */
export interface TaskComponents {
  dataset?: QaDataset
}

/**
 * The task a spec describes. Validates and normalises the spec (missing knobs take their
 * defaults), so equal specs give equal tasks on every peer.
 *
 * @example
 * ```ts
 * const task = createTask({ family: 'addition', minDigits: 2, maxDigits: 3 })
 * const inst = task.instance(trainSeed(runId, 0))
 * task.reward(inst, inst.answer).reward // 1
 * ```
 */
export function createTask(spec: TaskSpec, components: TaskComponents = {}): Task {
  const s = normalizeTaskSpec(spec)
  const behaviour = familyBehaviour(s, components)
  return {
    id: taskSpecId(s),
    family: s.family,
    difficulty: taskDifficulty(s),
    spec: s,
    instance: behaviour.instance,
    reward(instance, completion) {
      checkFamily(s, instance)
      return behaviour.reward(instance, completion)
    },
    worked(instance) {
      checkFamily(s, instance)
      return behaviour.worked?.(instance) ?? instance.answer
    },
    hasWorkedForm: behaviour.worked !== undefined,
  }
}

function checkFamily(s: TaskSpec, instance: TaskInstance): void {
  if (instance?.family !== s.family)
    throw new InvalidArgumentError(`Task "${taskSpecId(s)}" cannot take an instance of family ${JSON.stringify(instance?.family)}.`)
}

function familyBehaviour(s: TaskSpec, components: TaskComponents): TaskBehaviour {
  switch (s.family) {
    case 'addition':
    case 'subtraction':
    case 'multiplication':
      return createArithmeticTask(s)
    case 'countdown':
      return createCountdownTask(s)
    case 'sort':
    case 'reverse':
      return createSequenceTask(s)
    case 'counting':
      return createCountingTask(s)
    case 'dataset':
      return createDatasetTask(s, components.dataset)
  }
}
