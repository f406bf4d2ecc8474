import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { deriveSeed, initWeights, NAMED_CONFIGS, Policy, replayCompletions } from '@murmur/protocol'
import { Command } from 'commander'
import type { CliIo } from '../cli.js'
import { describeEnvironment } from '../environment.js'
import { readModelFolder, writeModelFolder } from '../model/folder.js'
import { nodeRuntime, wasmRuntime } from '../runtime/runtimes.js'
import { intOption } from './options.js'

/** Where `murmur up` keeps its state between runs. */
export function dataDir(): string {
  return process.env.MURMUR_HOME ?? join(homedir(), '.murmur')
}

/**
 * `murmur up`: the one command a new user runs. It will bring up a whole local swarm (chain,
 * peers, web client, dashboard). Today it runs the most complete thing that exists and says so:
 * a genesis model in the data dir, seeded rollouts by every local peer, and each peer's
 * rollouts replay-checked by the others on a different backend (onnxruntime-node CPU and
 * onnxruntime-web wasm), which is what swarm peers will do.
 */
export function upCommand(io: CliIo): Command {
  return new Command('up')
    .description(
      'run murmur locally on embedded defaults (today: engine self-check — rollouts cross-verified between peers; the networked swarm comes next)',
    )
    .option('--peers <n>', 'number of local peers', intOption('--peers', 1, 64), 3)
    .option('--rounds <n>', 'rounds of rollouts (0 = 1 for now)', intOption('--rounds', 0), 1)
    .option('--headless', 'do not serve the web client and dashboard', false)
    .option('--json', 'print a JSON summary as the last line', false)
    .action(async (opts: { peers: number; rounds: number; headless: boolean; json: boolean }) => {
      const say = (line: string) => (opts.json ? io.stderr(`${line}\n`) : io.stdout(`${line}\n`))
      const started = performance.now()
      const env = await describeEnvironment()
      say('murmur up — local run')
      say('  The networked swarm (libp2p peers, local chain, dashboard) is not built yet; running what exists:')
      say('  each local peer samples seeded rollouts of the genesis policy and the next peer replay-checks them.')
      say(
        `  node ${env.node}, ${env.cpus} cores, onnxruntime-node ${env.ort.version} (${env.ort.backends.join(', ')}; installable separately: ${env.ort.installable.join(', ') || 'none'})`,
      )

      const modelDir = join(dataDir(), 'up', 'genesis')
      const cfg = NAMED_CONFIGS.tiny
      if (!existsSync(join(modelDir, 'model.safetensors'))) {
        say(`  creating the genesis model in ${modelDir}`)
        await writeModelFolder(modelDir, cfg, initWeights(cfg, deriveSeed('murmur/up/genesis')))
      } else say(`  reusing the genesis model in ${modelDir}`)
      const folder = await readModelFolder(modelDir)
      const runtimes = [await nodeRuntime('cpu'), await wasmRuntime()]
      const backends = ['cpu', 'wasm']
      const peers = await Promise.all(
        Array.from({ length: opts.peers }, (_, i) =>
          Policy.load(runtimes[i % 2]!, folder.config, folder.weights).then((policy) => ({ i, policy, backend: backends[i % 2]! })),
        ),
      )
      let completions = 0
      let accepted = 0
      try {
        for (let round = 0; round < Math.max(1, opts.rounds); round++) {
          for (const peer of peers) {
            const params = {
              prompt: [1, 3 + peer.i, 7, 11],
              group: 4,
              seed: deriveSeed('murmur/up/rollout', round, peer.i),
              maxNewTokens: 12,
              stopTokens: [2],
              temperature: 1,
              topP: 0.95,
            }
            const group = await peer.policy.generate(params)
            const verifier = peers[(peer.i + 1) % peers.length]!
            const verdicts = await replayCompletions(
              verifier.policy,
              group.map((c, index) => ({ prompt: params.prompt, index, tokens: c.tokens, logprobs: c.logprobs })),
              params,
            )
            completions += group.length
            accepted += verdicts.filter((v) => v.ok).length
            say(
              `  round ${round} peer ${peer.i} (${peer.backend}): ${group.length} rollouts, ${verdicts.filter((v) => v.ok).length} verified by peer ${verifier.i} (${verifier.backend})`,
            )
          }
        }
      } finally {
        for (const p of peers) await p.policy.release()
      }
      const summary = {
        ok: accepted === completions,
        swarm: false,
        peers: opts.peers,
        rounds: Math.max(1, opts.rounds),
        completions,
        verified: accepted,
        seconds: (performance.now() - started) / 1000,
        ...env,
      }
      say(`  ${accepted}/${completions} rollouts verified across backends in ${summary.seconds.toFixed(1)} s`)
      if (opts.json) io.stdout(`${JSON.stringify(summary)}\n`)
      if (!summary.ok)
        throw Object.assign(new Error('Some rollouts failed the replay check across backends; please report this.'), { exitCode: 1 })
    })
}
