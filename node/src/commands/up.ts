import { Command } from 'commander'
import type { CliIo } from '../cli.js'
import { intOption } from '../cli.js'
import { describeEnvironment } from '../environment.js'

/**
 * `murmur up`: the one command a new user runs. It will bring up a whole local swarm (chain,
 * peers, web client, dashboard); today it runs the most complete thing that exists and says so.
 */
export function upCommand(io: CliIo): Command {
  return new Command('up')
    .description('run a local swarm on embedded defaults (what exists today: an environment and runtime self-check)')
    .option('--peers <n>', 'number of local peers', intOption('--peers', 1, 64), 3)
    .option('--rounds <n>', 'stop after this many rounds (0 = run until Ctrl-C)', intOption('--rounds', 0), 0)
    .option('--headless', 'do not serve the web client and dashboard', false)
    .option('--json', 'print a JSON summary as the last line', false)
    .action(async (opts: { peers: number; rounds: number; headless: boolean; json: boolean }) => {
      const env = await describeEnvironment()
      const lines = [
        'murmur up — local swarm',
        '  This build has no swarm yet: the local chain, peers and dashboard land with later work.',
        '  Running the environment and runtime self-check instead.',
        `  node ${env.node} on ${env.platform}/${env.arch}, ${env.cpus} cores`,
        `  onnxruntime-node ${env.ort.version}: backends ${env.ort.backends.join(', ') || 'none'}`,
        `  requested: ${opts.peers} peers, ${opts.rounds === 0 ? 'unbounded' : opts.rounds} rounds${opts.headless ? ', headless' : ''}`,
      ]
      if (!opts.json) io.stdout(`${lines.join('\n')}\n`)
      else io.stdout(`${JSON.stringify({ ok: true, swarm: false, ...env })}\n`)
    })
}
