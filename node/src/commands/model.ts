import { readdir, readFile, stat } from 'node:fs/promises'
import { initWeights, type ModelConfig, NAMED_CONFIGS, parameterCount, parseHfConfig, toHex, weightsHash } from '@murmur/protocol'
import { Command } from 'commander'
import type { CliIo } from '../cli.js'
import { CliError, CliUsageError, EXIT } from '../errors.js'
import { type ModelFile, readModelFolder, writeModelFolder } from '../model/folder.js'
import { modelRunSubcommands } from './model-run.js'
import { parseSeed } from './options.js'

/** Inits at least this big print progress to stderr. */
const PROGRESS_MIN_PARAMETERS = 5_000_000

const count = (n: number) => n.toLocaleString('en-US')

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(1)} ${units[u]}`
}

const filesLine = (files: readonly ModelFile[]) => files.map((f) => `${f.name} (${formatBytes(f.sizeBytes)})`).join(', ')

/** `--config`: a named config (tiny, small) or the path of a Hugging Face config.json. */
async function resolveConfig(value: string): Promise<{ name: string; config: ModelConfig }> {
  if (Object.hasOwn(NAMED_CONFIGS, value)) return { name: value, config: NAMED_CONFIGS[value as keyof typeof NAMED_CONFIGS] }
  let text: string
  try {
    text = await readFile(value, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CliUsageError(
      `--config "${value}" is neither a named config (${Object.keys(NAMED_CONFIGS).join(', ')}) nor a readable config.json (${code ?? String(err)}).`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new CliError(`${value}: is not valid JSON (${(err as Error).message}).`, EXIT.input, { cause: err })
  }
  return { name: value, config: parseHfConfig(json, value) }
}

async function assertWritableDir(dir: string, force: boolean): Promise<void> {
  const s = await stat(dir).catch(() => undefined)
  if (s === undefined) return
  if (!s.isDirectory()) throw new CliError(`--out ${dir} exists and is not a directory.`, EXIT.failure)
  const entries = await readdir(dir)
  if (entries.length > 0 && !force) {
    throw new CliError(
      `--out ${dir} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}). Pass --force to overwrite its config.json and model.safetensors (other files are kept).`,
      EXIT.failure,
    )
  }
}

/** `murmur model init`: deterministic random weights for a config, written as a model folder. */
function initSubcommand(io: CliIo): Command {
  return new Command('init')
    .description('create a model folder (config.json + model.safetensors) with deterministic random weights')
    .requiredOption('--config <name|path>', `named config (${Object.keys(NAMED_CONFIGS).join(', ')}) or a Hugging Face config.json`)
    .requiredOption('--out <dir>', 'model folder to create')
    .option('--seed <n>', 'integer seed, or 0x + 64 hex digits', '0')
    .option('--force', 'write into a non-empty folder, replacing config.json and model.safetensors', false)
    .option('--json', 'print a JSON summary', false)
    .action(async (opts: { config: string; out: string; seed: string; force: boolean; json: boolean }) => {
      const seed = parseSeed(opts.seed)
      const { name, config } = await resolveConfig(opts.config)
      await assertWritableDir(opts.out, opts.force)
      const parameters = parameterCount(config)
      let shownDecile = 0
      const weights = initWeights(config, seed, {
        onProgress: (p) => {
          if (parameters < PROGRESS_MIN_PARAMETERS) return
          const decile = Math.floor((10 * p.doneParameters) / p.totalParameters)
          if (decile > shownDecile) {
            shownDecile = decile
            io.stderr(`initialising ${count(parameters)} parameters: ${decile * 10}% (${p.done}/${p.total} tensors)\n`)
          }
        },
      })
      const { policyHash, files } = await writeModelFolder(opts.out, config, weights)
      const summary = {
        dir: opts.out,
        config: name,
        modelType: config.modelType,
        seed: opts.seed,
        parameters,
        policyHash: toHex(policyHash),
        files,
      }
      io.stdout(
        opts.json
          ? `${JSON.stringify(summary)}\n`
          : [
              `initialised ${name} (${config.modelType}) in ${opts.out}`,
              `  parameters   ${count(parameters)}`,
              `  seed         ${opts.seed}`,
              `  policy hash  ${summary.policyHash}`,
              `  files        ${filesLine(files)}`,
              '',
            ].join('\n'),
      )
    })
}

/** `murmur model info`: what a model folder holds. */
function infoSubcommand(io: CliIo): Command {
  return new Command('info')
    .description('describe a model folder: architecture, parameter count, policy hash, dtype, files')
    .argument('<dir>', 'model folder')
    .option('--json', 'print JSON', false)
    .action(async (dir: string, opts: { json: boolean }) => {
      const folder = await readModelFolder(dir)
      const c = folder.config
      const info = {
        dir,
        modelType: c.modelType,
        config: c,
        parameters: parameterCount(c),
        policyHash: toHex(weightsHash(c, folder.weights)),
        dtypes: folder.dtypes,
        files: folder.files,
      }
      if (opts.json) {
        io.stdout(`${JSON.stringify(info)}\n`)
        return
      }
      io.stdout(
        [
          `model        ${dir}`,
          `type         ${c.modelType}${c.attentionBias ? ' (q/k/v bias)' : ''}`,
          `layers       ${c.numLayers}`,
          `width        hidden ${c.hiddenSize}, intermediate ${c.intermediateSize}`,
          `heads        ${c.numHeads} query, ${c.numKvHeads} key/value, head dim ${c.headDim}`,
          `vocab        ${c.vocabSize}${c.tieWordEmbeddings ? ' (tied embeddings)' : ''}`,
          `context      ${c.maxPositionEmbeddings} positions, rope theta ${c.ropeTheta}`,
          `parameters   ${count(info.parameters)}`,
          `dtype        ${folder.dtypes.join(', ')}`,
          `policy hash  ${info.policyHash}`,
          `files        ${filesLine(folder.files)}`,
          '',
        ].join('\n'),
      )
    })
}

/**
 * `murmur model <subcommand>`: model folders. Each subcommand is one function taking `io`;
 * add one by appending it to the list below.
 */
export function modelCommand(io: CliIo): Command {
  const model = new Command('model').description('create and inspect model folders (Hugging Face layout: config.json + model.safetensors)')
  for (const sub of [initSubcommand, infoSubcommand, ...modelRunSubcommands]) {
    model.addCommand(sub(io).exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }))
  }
  return model
}
