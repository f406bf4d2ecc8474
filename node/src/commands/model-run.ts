/**
 * `murmur model score` and `murmur model generate`: run a model folder through the engine on
 * a chosen device. Tokens in, log-probs out — the same code paths peers use for rollouts and
 * for the replay check.
 */

import { Policy } from '@murmur/protocol'
import { Command, Option } from 'commander'
import type { CliIo } from '../cli.js'
import { CliUsageError } from '../errors.js'
import { readModelFolder } from '../model/folder.js'
import { DEVICE_CHOICES, type DeviceChoice, selectDevice } from '../runtime/device.js'
import { parseSeed, parseTokenList } from './options.js'

function parseNumber(flag: string, value: string, ok: (x: number) => boolean, range: string): number {
  const x = Number(value)
  if (value.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new CliUsageError(`${flag} must be a number in ${range}, got "${value}".`)
  return x
}

const deviceOption = () => new Option('--device <device>', 'execution provider').choices([...DEVICE_CHOICES]).default('cpu')

async function loadPolicy(dir: string, device: DeviceChoice, io: CliIo) {
  const folder = await readModelFolder(dir)
  const selected = await selectDevice(device)
  io.stderr(`device: ${selected.device} (${selected.log.join('; ')})\n`)
  return { folder, policy: await Policy.load(selected.runtime, folder.config, folder.weights), device: selected.device }
}

function scoreSubcommand(io: CliIo): Command {
  return new Command('score')
    .description('per-token log-probs of each token given its prefix, and the last position’s logits')
    .argument('<dir>', 'model folder')
    .requiredOption('--tokens <ids>', 'comma-separated token ids, e.g. 1,5,9')
    .addOption(deviceOption())
    .option('--json', 'print JSON', false)
    .action(async (dir: string, opts: { tokens: string; device: DeviceChoice; json: boolean }) => {
      const tokens = parseTokenList('--tokens', opts.tokens)
      const { folder, policy, device } = await loadPolicy(dir, opts.device, io)
      try {
        const V = folder.config.vocabSize
        const { logits } = await policy.logits([tokens])
        const logprobs: (number | null)[] = [null]
        for (let t = 1; t < tokens.length; t++) {
          const row = logits.subarray((t - 1) * V, t * V)
          let m = Number.NEGATIVE_INFINITY
          for (const x of row) m = Math.max(m, x)
          let z = 0
          for (const x of row) z += Math.exp(x - m)
          logprobs.push(row[tokens[t]!]! - m - Math.log(z))
        }
        const lastLogits = Array.from(logits.subarray((tokens.length - 1) * V, tokens.length * V))
        if (opts.json) io.stdout(`${JSON.stringify({ device, tokens, logprobs, lastLogits })}\n`)
        else {
          io.stdout(
            `${tokens.map((t, i) => `${i}\t${t}\t${logprobs[i] === null ? '-' : (logprobs[i] as number).toFixed(6)}`).join('\n')}\n`,
          )
          const top = lastLogits
            .map((x, i) => [i, x] as const)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 5)
          io.stdout(`next-token top logits: ${top.map(([i, x]) => `${i}:${x.toFixed(3)}`).join(' ')}\n`)
        }
      } finally {
        await policy.release()
      }
    })
}

function generateSubcommand(io: CliIo): Command {
  return new Command('generate')
    .description('sample completions with murmur’s seeded inverse-CDF sampler (KV cache)')
    .argument('<dir>', 'model folder')
    .requiredOption('--prompt-tokens <ids>', 'comma-separated prompt token ids')
    .option('--max-new <n>', 'maximum new tokens', '32')
    .option('--seed <seed>', 'rollout seed: 0x + 64 hex digits, or a decimal integer', '0')
    .option('--temperature <t>', 'sampling temperature (> 0)', '1')
    .option('--top-p <p>', 'nucleus mass in (0, 1]', '1')
    .option('--group <g>', 'completions of the prompt (GRPO group size)', '1')
    .option('--stop <ids>', 'comma-separated stop token ids')
    .addOption(deviceOption())
    .option('--json', 'print JSON', false)
    .action(
      async (
        dir: string,
        opts: {
          promptTokens: string
          maxNew: string
          seed: string
          temperature: string
          topP: string
          group: string
          stop?: string
          device: DeviceChoice
          json: boolean
        },
      ) => {
        const prompt = parseTokenList('--prompt-tokens', opts.promptTokens)
        const maxNewTokens = parseNumber(
          '--max-new',
          opts.maxNew,
          (x) => Number.isInteger(x) && x >= 1 && x <= 65536,
          '[1, 65536] (integer)',
        )
        const group = parseNumber('--group', opts.group, (x) => Number.isInteger(x) && x >= 1 && x <= 1024, '[1, 1024] (integer)')
        const temperature = parseNumber('--temperature', opts.temperature, (x) => x > 0, '(0, ∞)')
        const topP = parseNumber('--top-p', opts.topP, (x) => x > 0 && x <= 1, '(0, 1]')
        const seed = parseSeed(opts.seed)
        const stopTokens = opts.stop ? parseTokenList('--stop', opts.stop) : []
        const { policy, device } = await loadPolicy(dir, opts.device, io)
        try {
          const completions = await policy.generate({ prompt, group, seed, maxNewTokens, stopTokens, temperature, topP })
          if (opts.json) io.stdout(`${JSON.stringify({ device, prompt, completions })}\n`)
          else for (const [k, c] of completions.entries()) io.stdout(`${k}\t${c.tokens.join(',')}\t${c.stopped ? 'stop' : 'length'}\n`)
        } finally {
          await policy.release()
        }
      },
    )
}

export const modelRunSubcommands = [scoreSubcommand, generateSubcommand] as const
