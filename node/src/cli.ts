import './polyfill.js'
import { Command, CommanderError } from 'commander'
import { auditCommand } from './commands/audit.js'
import { benchCommand } from './commands/bench.js'
import { chainCommand } from './commands/chain.js'
import { doctorCommand } from './commands/doctor.js'
import { evidenceCommand } from './commands/evidence.js'
import { initCommand } from './commands/init.js'
import { keysCommand } from './commands/keys.js'
import { modelCommand } from './commands/model.js'
import { setupCommand } from './commands/setup.js'
import { nodeCommand, swarmCommand } from './commands/swarm.js'
import { tasksCommand } from './commands/tasks.js'
import { trainCommand } from './commands/train.js'
import { upCommand } from './commands/up.js'
import { applyConfig, applyEnvironment, CONFIG_FILE, withEnvironment } from './config.js'
import { EXIT } from './errors.js'
import { packageVersion } from './version.js'

export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
}

const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
}

/** Builds the `murmur` program. Every command registers itself here, in help order. */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('murmur')
    .description('murmur: decentralized volunteer-compute RL training over libp2p, with an Ethereum ledger.')
    .version(packageVersion(), '-V, --version', 'print the murmur version')
    .showHelpAfterError('(run `murmur --help` for usage)')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
  program.addCommand(upCommand(io))
  program.addCommand(benchCommand(io))
  program.addCommand(keysCommand(io))
  program.addCommand(modelCommand(io))
  program.addCommand(tasksCommand(io))
  program.addCommand(initCommand(io))
  program.addCommand(trainCommand(io))
  program.addCommand(swarmCommand(io))
  program.addCommand(nodeCommand(io))
  program.addCommand(chainCommand(io))
  program.addCommand(evidenceCommand(io))
  program.addCommand(auditCommand(io))
  program.addCommand(doctorCommand(io))
  program.addCommand(setupCommand(io))
  for (const cmd of program.commands) withEnvironment(cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }))
  // murmur.config.json (or --config-file FILE): each command's section, under flags and environment
  program.option('--config-file <file>', `options per command from a JSON file (default: ./${CONFIG_FILE} when present)`)
  program.hook('preSubcommand', (root, sub) => {
    applyConfig(
      sub,
      root.opts<{ configFile?: string }>().configFile ?? process.env.MURMUR_CONFIG,
      program.commands.map((c) => c.name()),
    )
    applyEnvironment(sub)
  })
  return program
}

/**
 * Runs the CLI on `argv` (process.argv layout) and resolves to the exit code. Expected errors
 * print one line; unexpected ones print the stack, because they are bugs.
 */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io)
  try {
    await program.parseAsync([...argv])
    return EXIT.ok
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are reported by commander as "errors" with exit code 0
      if (err.exitCode === 0) return EXIT.ok
      return EXIT.usage
    }
    if (err instanceof Error && err.name === 'CliUsageError') {
      io.stderr(`murmur: ${err.message}\n`)
      return EXIT.usage
    }
    if (err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number') {
      io.stderr(`murmur: ${err.message}\n`)
      return err.exitCode
    }
    if (err instanceof Error && err.name !== 'Error' && err.name.endsWith('Error') && 'details' in err) {
      // a typed ProtocolError: a problem with the user's input data, not a murmur bug
      io.stderr(`murmur: ${err.message}\n`)
      return EXIT.input
    }
    io.stderr(`murmur: unexpected failure, please report it:\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return EXIT.failure
  }
}
