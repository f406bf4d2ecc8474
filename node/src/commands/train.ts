import { Command, Option } from 'commander'
import type { CliIo } from '../cli.js'
import { CliError } from '../errors.js'
import { DEVICE_CHOICES, type DeviceChoice, selectDevice } from '../runtime/device.js'
import { percent, statusLine } from '../train/progress.js'
import { type RoundMetrics, trainSolo } from '../train/solo.js'
import { intOption } from './options.js'

interface TrainOptions {
  rounds: number
  json: boolean
  device: DeviceChoice
  evalProblems?: number
}

/** The per-round JSON line: round, reward, accuracy (evaluation rounds), seconds, then the rest. */
function roundLine(m: RoundMetrics): string {
  const { round, reward, accuracy, seconds, ...rest } = m
  return JSON.stringify({ round, reward, ...(accuracy === undefined ? {} : { accuracy }), seconds, ...rest })
}

function roundStatus(m: RoundMetrics, rounds: number): string {
  return [
    `round ${m.round}/${rounds}`,
    `reward ${m.reward.toFixed(3)}`,
    `sample acc ${percent(m.sampleAccuracy)}`,
    m.accuracy === undefined ? '' : `held-out acc ${percent(m.accuracy)}`,
    `KL ${(m.klToGenesis ?? 0).toFixed(4)}`,
    `H ${m.entropy.toFixed(3)}`,
    `${m.tokensPerSecond.toFixed(0)} tok/s`,
    `${m.seconds.toFixed(1)}s (sample ${m.samplingSeconds.toFixed(1)} train ${m.trainingSeconds.toFixed(1)})`,
  ]
    .filter(Boolean)
    .join('  ')
}

/** `murmur train RUN_DIR --rounds N`: solo GRPO until N rounds are complete; resumes from the newest checkpoint. */
export function trainCommand(io: CliIo): Command {
  return new Command('train')
    .description('solo GRPO on a run directory made by `murmur init`, until --rounds rounds are complete (resumes after Ctrl-C or a crash)')
    .argument('<run-dir>', 'run directory')
    .requiredOption('--rounds <n>', 'train until this many rounds are complete', intOption('--rounds', 1, 10_000_000))
    .option('--json', 'print one JSON object per round on stdout', false)
    .option(
      '--eval-problems <n>',
      'held-out problems per evaluation (default: run.json evalProblems)',
      intOption('--eval-problems', 1, 1_000_000),
    )
    .addOption(new Option('--device <device>', 'execution provider').choices([...DEVICE_CHOICES]).default('cpu'))
    .action(async (runDir: string, opts: TrainOptions) => {
      const { runtime, device, log: deviceLog } = await selectDevice(opts.device)
      if (opts.device === 'auto') io.stderr(`device ${device} (${deviceLog.join('; ')})\n`)
      const status = statusLine(io.stderr, Boolean(process.stderr.isTTY) && !opts.json)
      const controller = new AbortController()
      const onSigint = () => {
        if (!opts.json) io.stderr('\nstopping after this round (Ctrl-C again to kill; the last checkpoint is kept)\n')
        controller.abort()
      }
      process.once('SIGINT', onSigint)
      let result: Awaited<ReturnType<typeof trainSolo>>
      try {
        result = await trainSolo({
          runtime,
          runDir,
          rounds: opts.rounds,
          signal: controller.signal,
          ...(opts.evalProblems === undefined ? {} : { evalProblems: opts.evalProblems }),
          onStatus: (s) => status.update(`round ${s.round}/${opts.rounds}: ${s.phase}…`),
          onRound: (m) => {
            if (opts.json) io.stdout(`${roundLine(m)}\n`)
            else status.update(roundStatus(m, opts.rounds), m.accuracy !== undefined || !process.stderr.isTTY)
          },
        })
      } finally {
        process.removeListener('SIGINT', onSigint)
        status.done()
      }
      if (result.interrupted)
        throw new CliError(
          `Interrupted after round ${result.endRound}; its checkpoint is in ${runDir}/checkpoints. Run the same command to resume.`,
          130,
        )
      if (!opts.json) {
        io.stdout(
          result.startRound >= opts.rounds
            ? `${runDir} already has ${result.startRound} rounds; nothing to do (raise --rounds to train more).\n`
            : `trained rounds ${result.startRound + 1}–${result.endRound} on ${device}${result.lastAccuracy === undefined ? '' : `; held-out greedy accuracy ${percent(result.lastAccuracy)}`}; metrics in ${runDir}/metrics.jsonl\n`,
        )
      }
    })
}
