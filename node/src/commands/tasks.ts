import { TASK_FAMILIES, type TaskFamilyInfo } from '@murmur/protocol'
import { Command } from 'commander'
import type { CliIo } from '../cli.js'

function difficultySyntax(f: TaskFamilyInfo): string {
  if (f.difficulty.length === 0) return '(none)'
  if (f.difficulty.length === 1) return `N (${f.difficulty[0]})`
  return `LO-HI or N (${f.difficulty.join(', ')})`
}

/** `murmur tasks`: every task family with its difficulty knobs, ranges and defaults. */
export function tasksCommand(io: CliIo): Command {
  return new Command('tasks')
    .description('list the task families `murmur init --task` accepts, with their knobs')
    .option('--json', 'print JSON', false)
    .action((opts: { json: boolean }) => {
      if (opts.json) {
        io.stdout(`${JSON.stringify(TASK_FAMILIES.map((f) => ({ ...f, difficultySyntax: difficultySyntax(f) })))}\n`)
        return
      }
      const lines: string[] = []
      for (const f of TASK_FAMILIES) {
        lines.push(`${f.family} — ${f.description}`)
        lines.push(`  --difficulty ${difficultySyntax(f)}`)
        for (const k of f.knobs)
          lines.push(`  ${k.name.padEnd(10)} ${`${k.min}..${k.max}`.padEnd(9)} default ${String(k.default).padEnd(6)} ${k.description}`)
      }
      lines.push('', 'example: murmur init --task addition --difficulty 2-3 --model tiny --out runs/add', '')
      io.stdout(lines.join('\n'))
    })
}
