import { readdir, stat } from 'node:fs/promises'
import {
  createSoloRun,
  createTask,
  isProtocolError,
  NAMED_CONFIGS,
  SOLUTION_STYLES,
  type SoloRun,
  type SolutionStyle,
  type TaskSpec,
  TRAINABLE_CONFIGS,
  taskSpecFromDifficulty,
  taskSpecId,
} from '@murmur/protocol'
import { Command, Option } from 'commander'
import type { CliIo } from '../cli.js'
import { CliError, EXIT } from '../errors.js'
import { DEVICE_CHOICES, type DeviceChoice, selectDevice } from '../runtime/device.js'
import { createGenesis } from '../train/genesis.js'
import { percent, progressBar, statusLine } from '../train/progress.js'
import { pathExists, RUN_FILE, readRun, writeRun } from '../train/run-dir.js'
import { intOption, parseSeed } from './options.js'

interface InitOptions {
  task: string
  difficulty?: string
  model: string
  out: string
  seed: string
  warmupSteps?: number
  solutions?: SolutionStyle
  name?: string
  device: DeviceChoice
  json: boolean
}

/** The fields that identify a run: re-running init with them resumes it; anything else is a different run. */
const identity = (r: SoloRun) => JSON.stringify([r.model, r.modelConfig, r.taskParams, r.seed, r.warmup.steps, r.warmup.solutions])

async function prepareRunDir(opts: InitOptions, wanted: SoloRun): Promise<{ run: SoloRun; resumed: boolean }> {
  const s = await stat(opts.out).catch(() => undefined)
  if (s !== undefined && !s.isDirectory()) throw new CliError(`--out ${opts.out} exists and is not a directory.`, EXIT.usage)
  if (s !== undefined && (await pathExists(`${opts.out}/${RUN_FILE}`))) {
    const existing = await readRun(opts.out)
    if (identity(existing) !== identity(wanted)) {
      throw new CliError(
        `--out ${opts.out} already holds a different run (${taskSpecId(existing.taskParams)}, model ${existing.model}, seed ${existing.seed}, ${existing.warmup.steps} warm-up steps). Choose another --out; nothing was changed.`,
        EXIT.usage,
      )
    }
    return { run: existing, resumed: true }
  }
  if (s !== undefined && (await readdir(opts.out)).length > 0)
    throw new CliError(
      `--out ${opts.out} is not empty and holds no ${RUN_FILE}. Choose a new or empty directory; nothing was changed.`,
      EXIT.usage,
    )
  return { run: wanted, resumed: false }
}

/** `murmur init`: a solo run directory with run.json and a warmed-up genesis checkpoint. */
export function initCommand(io: CliIo): Command {
  return new Command('init')
    .description('create a run directory: run.json and a genesis checkpoint from a short supervised warm-up (resumable)')
    .requiredOption('--task <name>', 'task family (see `murmur tasks`), e.g. addition')
    .option('--difficulty <lo-hi>', 'difficulty knobs, e.g. 2-3 for 2–3-digit operands')
    .addOption(new Option('--model <name>', 'model config').choices([...TRAINABLE_CONFIGS]).default('tiny'))
    .requiredOption('--out <dir>', 'run directory to create (or resume)')
    .option('--seed <n>', 'run seed: integer, or 0x + 64 hex digits', '0')
    .option('--warmup-steps <n>', 'supervised warm-up step budget', intOption('--warmup-steps', 0, 10_000_000))
    .addOption(
      new Option(
        '--solutions <style>',
        'what the warm-up teaches the model to write: the bare answer, or a worked solution (column arithmetic for addition and subtraction); default worked where the task has one',
      ).choices([...SOLUTION_STYLES]),
    )
    .option('--name <name>', 'run name (default: task id and model)')
    .addOption(new Option('--device <device>', 'execution provider').choices([...DEVICE_CHOICES]).default('cpu'))
    .option('--json', 'print a JSON summary on stdout', false)
    .action(async (opts: InitOptions) => {
      let task: TaskSpec
      try {
        task = taskSpecFromDifficulty(opts.task, opts.difficulty)
      } catch (err) {
        if (isProtocolError(err, 'TaskSpecError'))
          throw new CliError(`${err.message} Run \`murmur tasks\` for the list.`, EXIT.usage, { cause: err })
        throw err
      }
      if (task.family === 'dataset')
        throw new CliError('Task "dataset" needs a dataset file; solo init supports the generated task families.', EXIT.usage)
      const seed = parseSeed(opts.seed)
      const solutions = opts.solutions ?? (createTask(task).hasWorkedForm ? 'worked' : 'answer')
      const wanted = createSoloRun({
        name: opts.name ?? `${taskSpecId(task).replaceAll('/', '-')}-${opts.model}`,
        model: opts.model,
        config: NAMED_CONFIGS[opts.model as keyof typeof NAMED_CONFIGS],
        task,
        seed,
        warmup: { solutions, ...(opts.warmupSteps === undefined ? {} : { steps: opts.warmupSteps }) },
      })
      const { run, resumed } = await prepareRunDir(opts, wanted)
      if (run.genesisPolicyHash !== null && (await pathExists(`${opts.out}/genesis/model.safetensors`))) {
        const summary = {
          dir: opts.out,
          task: taskSpecId(run.taskParams),
          model: run.model,
          genesisPolicyHash: run.genesisPolicyHash,
          resumed: true,
          alreadyDone: true,
        }
        io.stdout(opts.json ? `${JSON.stringify(summary)}\n` : `${opts.out} is already initialised (genesis ${run.genesisPolicyHash}).\n`)
        return
      }
      if (!resumed) await writeRun(opts.out, run)
      const { runtime, device, log: deviceLog } = await selectDevice(opts.device)
      if (opts.device === 'auto') io.stderr(`device ${device} (${deviceLog.join('; ')})\n`)
      const status = statusLine(io.stderr, Boolean(process.stderr.isTTY))
      const controller = new AbortController()
      const onSigint = () => controller.abort()
      process.once('SIGINT', onSigint)
      let result: Awaited<ReturnType<typeof createGenesis>>
      try {
        io.stderr(
          `${resumed ? 'resuming' : 'starting'} warm-up of ${taskSpecId(run.taskParams)} on ${run.model} (${device}): ${run.warmup.steps} steps of ${run.warmup.batchSize} (${run.warmup.solutions === 'worked' ? 'worked solutions' : 'bare answers'}), stop at ${percent(run.warmup.targetAccuracy)} validation accuracy\n`,
        )
        result = await createGenesis({
          runtime,
          runDir: opts.out,
          signal: controller.signal,
          onProgress: (p) =>
            status.update(
              `warm-up ${progressBar(p.step, p.steps)} ${p.step}/${p.steps} loss ${p.loss.toFixed(3)}${p.accuracy === undefined ? '' : ` val acc ${percent(p.accuracy)}`} ${p.seconds.toFixed(0)}s`,
              p.accuracy !== undefined,
            ),
        })
      } finally {
        process.removeListener('SIGINT', onSigint)
        status.done()
      }
      if (result === null)
        throw new CliError(`Interrupted; the warm-up state is saved in ${opts.out}/warmup. Run the same command to resume.`, 130)
      const summary = {
        dir: opts.out,
        task: taskSpecId(run.taskParams),
        model: run.model,
        genesisPolicyHash: result.policyHash,
        warmupSteps: result.steps,
        validationAccuracy: result.accuracy,
        seconds: result.seconds,
        resumed,
      }
      io.stdout(
        opts.json
          ? `${JSON.stringify(summary)}\n`
          : `initialised ${opts.out}: genesis ${result.policyHash} after ${result.steps} warm-up steps (validation accuracy ${percent(result.accuracy)}, ${result.seconds.toFixed(0)}s)\n`,
      )
    })
}
