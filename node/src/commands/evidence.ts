/**
 * `murmur evidence export`: copies rounds of a peer's evidence archive (DATA_DIR/evidence/) to a
 * folder `murmur audit --evidence` reads. The copy goes through the archive's reader and writer,
 * so a damaged source is reported (naming the file) instead of being copied on.
 */
import { join } from 'node:path'
import { Command } from 'commander'
import { EVIDENCE_DIR, listEvidenceRounds, readRoundEvidence, writeRoundEvidence } from '../chain/evidence.js'
import type { CliIo } from '../cli.js'
import { CliError, CliUsageError, EXIT } from '../errors.js'
import { roundOption } from './options.js'

interface ExportOptions {
  dataDir: string
  round?: bigint
  all: boolean
  out: string
  json: boolean
}

export function evidenceCommand(io: CliIo): Command {
  const exportCommand = new Command('export')
    .description("copy rounds of a peer's evidence archive (DATA_DIR/evidence/) to a folder for `murmur audit --evidence`")
    .requiredOption('--data-dir <dir>', 'the peer data dir (`murmur node --data-dir`)')
    .option('--round <r>', 'the round to export', roundOption('--round'))
    .option('--all', 'export every round the peer kept', false)
    .requiredOption('--out <dir>', 'destination folder (created; rounds already there are added to)')
    .option('--json', 'print one JSON line', false)
    .action(async (o: ExportOptions) => {
      if ((o.round === undefined) === !o.all) throw new CliUsageError('Pass exactly one of --round R or --all.')
      const source = join(o.dataDir, EVIDENCE_DIR)
      const have = await listEvidenceRounds(source)
      if (have.length === 0)
        throw new CliError(`${source} holds no round evidence; a validator peer writes it there as rounds are committed.`, EXIT.input)
      const rounds = o.all ? have : [o.round!]
      const written: string[] = []
      for (const round of rounds) written.push(await writeRoundEvidence(o.out, await readRoundEvidence(source, round)))
      if (o.json) io.stdout(`${JSON.stringify({ out: o.out, rounds: rounds.map(Number), dirs: written })}\n`)
      else io.stdout(`exported ${rounds.length === 1 ? `round ${rounds[0]}` : `${rounds.length} rounds`} from ${source} to ${o.out}\n`)
    })
  // subcommands do not inherit the program's settings: report usage errors through the same io
  // and let `run` map them to exit codes instead of exiting the process
  exportCommand.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
  return new Command('evidence')
    .description('signed evidence of committed rounds, kept by validators for `murmur audit`')
    .addCommand(exportCommand)
}
