import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { run } from './cli.js'

const dir = mkdtempSync(join(tmpdir(), 'murmur-config-'))

/** Runs `murmur doctor` (fast, no side effects) with a config; doctor's --port is repeatable and validated. */
async function doctor(config: unknown, ...args: string[]) {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config))
  let stdout = ''
  let stderr = ''
  const code = await run(['node', 'murmur', '--config-file', file, 'doctor', '--json', ...args], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  })
  return { code, stderr, checks: code === 0 || code === 1 ? (JSON.parse(stdout) as { checks: { name: string }[] }).checks : [] }
}

const ports = (checks: { name: string }[]) => checks.filter((c) => c.name.startsWith('port ')).map((c) => c.name)

afterEach(() => {
  delete process.env.MURMUR_DOCTOR_PORT
})

describe('murmur.config.json and MURMUR_<COMMAND>_<OPTION>', () => {
  it("takes a command's options from its section, under the flags and the environment", async () => {
    expect(ports((await doctor({ doctor: { port: [7001, 7002] } })).checks)).toEqual(['port 7001', 'port 7002'])
    // a flag wins over the file (repeatable options append to it, as a second flag would)
    expect(ports((await doctor({ doctor: { port: 7001 } }, '--port', '7003')).checks)).toEqual(['port 7001', 'port 7003'])
    // the environment wins over the file
    process.env.MURMUR_DOCTOR_PORT = '7004'
    expect(ports((await doctor({ doctor: { port: 7001 } })).checks)).toEqual(['port 7004'])
  })

  it('refuses a bad file naming the file, the command and the field', async () => {
    expect((await doctor('{nope')).stderr).toMatch(/is not readable JSON/)
    expect((await doctor([1])).stderr).toMatch(/must hold a JSON object with one section per command/)
    expect((await doctor({ nodes: {} })).stderr).toMatch(/"nodes" is not a murmur command/)
    expect((await doctor({ doctor: { prot: 1 } })).stderr).toMatch(/doctor\.prot is not an option of `murmur doctor` \(options: .*port/)
    const bad = await doctor({ doctor: { port: 'eighty' } })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/doctor\.port: .*--port/)
    expect((await doctor({ doctor: { json: 'yes' } })).stderr).toMatch(/doctor\.json: expected true or false/)
  })
})
