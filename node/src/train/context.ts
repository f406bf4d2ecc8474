/**
 * What both the warm-up and the GRPO loop derive from a run: its task, tokenizer, model config,
 * seed and the fixed training sequence length.
 */
import {
  type CharTokenizer,
  createCharTokenizer,
  createTask,
  type ModelConfig,
  probeTaskLengths,
  type SoloRun,
  soloRunModelConfig,
  soloRunSeed,
  solutionText,
  type Task,
  type TaskInstance,
} from '@murmur/protocol'
import { CliError, EXIT } from '../errors.js'

export interface RunContext {
  run: SoloRun
  cfg: ModelConfig
  task: Task
  tokenizer: CharTokenizer
  seed: Uint8Array
  /** Longest prompt seen in a sample of the task's problems, plus a margin. */
  maxPromptTokens: number
  /** Positions of the training graph: prompt + max(completion budget, answer + eos). */
  seq: number
}

/** Prompts longer than the sampled maximum by more than this are skipped (counted in metrics). */
const PROMPT_MARGIN = 2

/** The supervised target of one warm-up problem: the answer or the worked solution (run.warmup.solutions). */
export function warmupTarget(run: SoloRun, task: Task, instance: TaskInstance): string {
  return solutionText(task, instance, run.warmup.solutions)
}

export function runContext(run: SoloRun): RunContext {
  const cfg = soloRunModelConfig(run)
  const task = createTask(run.taskParams)
  const tokenizer = createCharTokenizer()
  if (tokenizer.vocabSize > cfg.vocabSize)
    throw new CliError(
      `The character tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${cfg.vocabSize}; use a named config (tiny, small).`,
      EXIT.input,
    )
  const seed = soloRunSeed(run)
  const { prompt: maxPrompt, target: maxAnswer } = probeTaskLengths(task, run.warmup.solutions, seed, tokenizer)
  const maxPromptTokens = maxPrompt + PROMPT_MARGIN
  if (run.warmup.solutions === 'worked' && run.maxCompletionTokens < maxAnswer)
    throw new CliError(
      `Worked solutions of "${task.id}" take up to ${maxAnswer} tokens (end of sequence included) but maxCompletionTokens is ${run.maxCompletionTokens}; raise it in run.json or teach bare answers (warmup.solutions "answer").`,
      EXIT.input,
    )
  const seq = maxPromptTokens + Math.max(run.maxCompletionTokens, maxAnswer)
  if (seq > cfg.maxPositionEmbeddings)
    throw new CliError(
      `Task "${task.id}" needs ${seq} positions (prompt ${maxPromptTokens} + completion); the model has ${cfg.maxPositionEmbeddings}.`,
      EXIT.input,
    )
  return { run, cfg, task, tokenizer, seed, maxPromptTokens, seq }
}
