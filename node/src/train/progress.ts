/** Terminal rendering of training progress: a bar for the warm-up, a one-line round status. */

export function progressBar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : width
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}

export const percent = (x: number) => `${(100 * x).toFixed(1)}%`

/**
 * Writes status lines to `write`: on a terminal each line replaces the previous one (carriage
 * return + erase line); otherwise only lines marked `keep` are printed, one per line.
 */
export function statusLine(write: (text: string) => void, tty: boolean) {
  let shown = false
  return {
    update(text: string, keep = false) {
      if (tty) {
        write(`\r\x1b[2K${text}`)
        shown = true
        if (keep) {
          write('\n')
          shown = false
        }
      } else if (keep) write(`${text}\n`)
    },
    done() {
      if (tty && shown) write('\n')
      shown = false
    },
  }
}
