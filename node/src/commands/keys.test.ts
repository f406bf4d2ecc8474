import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { Wallet } from 'ethers'
import { describe, expect, it } from 'vitest'
import { run } from '../cli.js'
import { encryptKey, generatePrivateKey, keyIdentity, writeKeystoreFile } from '../keys/keystore.js'
import type { PasswordSource } from '../keys/password.js'
import { keysCommand } from './keys.js'

const home = () => mkdtempSync(join(tmpdir(), 'murmur-home-'))

/** Runs `murmur keys …` with injected passwords and a cheap scrypt; resolves to output or the error. */
async function keys(args: string[], passwords: Partial<PasswordSource> & { env: NodeJS.ProcessEnv }) {
  let stdout = ''
  const prompts: string[] = []
  const source: PasswordSource = {
    interactive: false,
    prompt: async (p) => {
      prompts.push(p)
      return 'typed-secret'
    },
    ...passwords,
  }
  const program = new Command('murmur').exitOverride()
  program.addCommand(keysCommand({ stdout: (t) => void (stdout += t), stderr: () => {} }, { passwords: source, scryptN: 1024 }))
  for (const c of program.commands) c.exitOverride()
  try {
    await program.parseAsync(['node', 'murmur', 'keys', ...args])
    return { stdout, prompts, error: undefined }
  } catch (err) {
    return { stdout, prompts, error: err as Error & { exitCode?: number } }
  }
}

describe('murmur keys', () => {
  it('new writes a keystore under MURMUR_HOME and show prints the same address and PeerId', async () => {
    const env = { MURMUR_HOME: home(), MURMUR_PASSWORD: 'pw' }
    const created = await keys(['new', '--json'], { env })
    expect(created.error).toBeUndefined()
    const id = JSON.parse(created.stdout)
    expect(id.keystore).toBe(join(env.MURMUR_HOME, 'keystore.json'))
    expect(id.peerId).toMatch(/^16Uiu2/)
    const shown = await keys(['show', '--json'], { env })
    expect(JSON.parse(shown.stdout)).toEqual(id)
    const address = await keys(['address'], { env })
    expect(address.stdout.trim()).toBe(id.address)
    expect(created.stdout + shown.stdout).not.toContain('privateKey')
  })

  it('never overwrites an existing keystore', async () => {
    const env = { MURMUR_HOME: home(), MURMUR_PASSWORD: 'pw' }
    await keys(['new'], { env })
    const before = readFileSync(join(env.MURMUR_HOME, 'keystore.json'), 'utf8')
    const again = await keys(['new'], { env })
    expect(again.error?.message).toBe(
      `A keystore already exists at ${join(env.MURMUR_HOME, 'keystore.json')}; murmur never overwrites one. Pass --keystore NEW_PATH.`,
    )
    expect(again.error?.exitCode).toBe(1)
    expect(readFileSync(join(env.MURMUR_HOME, 'keystore.json'), 'utf8')).toBe(before)
  })

  it('prompts twice on a terminal when MURMUR_PASSWORD is unset, and fails clearly when neither exists', async () => {
    const env = { MURMUR_HOME: home() }
    const ok = await keys(['new'], { env, interactive: true })
    expect(ok.error).toBeUndefined()
    expect(ok.prompts).toEqual([`Password for the new keystore ${join(env.MURMUR_HOME, 'keystore.json')}: `, 'Repeat the password: '])
    const none = await keys(['show'], { env: { MURMUR_HOME: env.MURMUR_HOME } })
    expect(none.error?.message).toBe(
      `No password for the keystore ${join(env.MURMUR_HOME, 'keystore.json')}: set MURMUR_PASSWORD or run this command in a terminal to be prompted.`,
    )
    expect(none.error?.exitCode).toBe(2)
    const shown = await keys(['show'], { env, interactive: true })
    expect(shown.error).toBeUndefined()
  })

  it('rejects a wrong password and a missing keystore with exit code 3', async () => {
    const env = { MURMUR_HOME: home(), MURMUR_PASSWORD: 'pw' }
    await keys(['new'], { env })
    const wrong = await keys(['show'], { env: { ...env, MURMUR_PASSWORD: 'nope' } })
    expect([wrong.error?.message, wrong.error?.exitCode]).toEqual([
      `Wrong password for the keystore at ${join(env.MURMUR_HOME, 'keystore.json')}.`,
      3,
    ])
    const missing = await keys(['show', '--keystore', join(env.MURMUR_HOME, 'nope.json')], { env })
    expect(missing.error?.exitCode).toBe(3)
    expect(missing.error?.message).toMatch(/^No keystore at .*nope\.json\. Create one with `murmur keys new` or pass --keystore PATH\.$/)
  })

  it('imports a hex private key file and an encrypted keystore, keeping the address', async () => {
    const d = home()
    const sk = generatePrivateKey()
    const hexFile = join(d, 'key.hex')
    writeFileSync(hexFile, `0x${Buffer.from(sk).toString('hex')}\n`)
    const env = { MURMUR_HOME: d, MURMUR_PASSWORD: 'pw' }
    const imported = await keys(['import', hexFile, '--json'], { env })
    expect(JSON.parse(imported.stdout).address).toBe(keyIdentity(sk).address)
    const other = join(d, 'other.json')
    writeKeystoreFile(other, await encryptKey(sk, 'old-pw', 1024))
    const fromKeystore = await keys(['import', other, '--keystore', join(d, 'second.json'), '--json'], {
      env: { ...env, MURMUR_IMPORT_PASSWORD: 'old-pw' },
    })
    expect(JSON.parse(fromKeystore.stdout).address).toBe(new Wallet(`0x${Buffer.from(sk).toString('hex')}`).address)
    const bad = join(d, 'bad.hex')
    writeFileSync(bad, 'hello')
    const rejected = await keys(['import', bad, '--keystore', join(d, 'third.json')], { env })
    expect([rejected.error?.message, rejected.error?.exitCode]).toEqual([
      `${bad} does not hold a 32-byte hex private key or an Ethereum JSON keystore.`,
      3,
    ])
  })

  it('prints one line and exit code 3 through the real CLI for a missing keystore', async () => {
    const d = home()
    let stderr = ''
    const code = await run(['node', 'murmur', 'keys', 'address', '--keystore', join(d, 'none.json')], {
      stdout: () => {},
      stderr: (t) => void (stderr += t),
    })
    expect(code).toBe(3)
    expect(stderr).toBe(`murmur: No keystore at ${join(d, 'none.json')}. Create one with \`murmur keys new\` or pass --keystore PATH.\n`)
  })

  it('reports an unknown flag of a subcommand with exit code 2 instead of exiting', async () => {
    let stderr = ''
    const code = await run(['node', 'murmur', 'keys', 'new', '--private-key', 'abc'], {
      stdout: () => {},
      stderr: (t) => void (stderr += t),
    })
    expect(code).toBe(2)
    expect(stderr).toContain("unknown option '--private-key'")
  })

  it('shows a keystore that omits the optional address field, which `address` then cannot print', async () => {
    const d = home()
    const sk = generatePrivateKey()
    const path = join(d, 'noaddr.json')
    const parsed = JSON.parse(await encryptKey(sk, 'pw', 1024))
    delete parsed.address
    writeFileSync(path, JSON.stringify(parsed))
    const env = { MURMUR_HOME: d, MURMUR_PASSWORD: 'pw' }
    const shown = await keys(['show', '--keystore', path, '--json'], { env })
    expect(JSON.parse(shown.stdout).address).toBe(keyIdentity(sk).address)
    const address = await keys(['address', '--keystore', path], { env })
    expect([address.error?.message, address.error?.exitCode]).toEqual([`${path} has no valid address field.`, 3])
  })
})
