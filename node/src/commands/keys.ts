import { readFileSync } from 'node:fs'
import { Command } from 'commander'
import type { CliIo } from '../cli.js'
import { CliError, EXIT } from '../errors.js'
import {
  DEFAULT_SCRYPT_N,
  decryptKey,
  defaultKeystorePath,
  encryptKey,
  generatePrivateKey,
  keyIdentity,
  keystoreAddress,
  parsePrivateKey,
  readKeystoreJson,
  writeKeystoreFile,
} from '../keys/keystore.js'
import { getPassword, type PasswordSource, processPasswordSource } from '../keys/password.js'

export interface KeysCommandDeps {
  /** Environment and password prompt; the process's own by default. */
  passwords?: PasswordSource
  /** scrypt cost for new keystores (tests lower it; decrypting reads it from the file). */
  scryptN?: number
}

interface KeystoreOpts {
  keystore?: string
  json: boolean
}

/**
 * `murmur keys new|show|address|import`: the peer's identity key in an encrypted keystore.
 * Private keys are never printed and never taken from argv.
 */
export function keysCommand(io: CliIo, deps: KeysCommandDeps = {}): Command {
  const passwords = () => deps.passwords ?? processPasswordSource()
  const scryptN = deps.scryptN ?? DEFAULT_SCRYPT_N
  const pathOf = (opts: KeystoreOpts) => opts.keystore ?? defaultKeystorePath(passwords().env)
  const print = (opts: KeystoreOpts, keystore: string, id: ReturnType<typeof keyIdentity>) =>
    io.stdout(
      opts.json ? `${JSON.stringify({ keystore, ...id })}\n` : `address   ${id.address}\npeer id   ${id.peerId}\nkeystore  ${keystore}\n`,
    )
  const withKeystore = (cmd: Command) =>
    cmd
      .option('--keystore <path>', 'keystore file (default: $MURMUR_HOME/keystore.json, MURMUR_HOME defaults to ~/.murmur)')
      .option('--json', 'print JSON', false)

  const keys = new Command('keys').description('manage the peer key: one secp256k1 key gives the ledger address and the libp2p PeerId')

  keys.addCommand(
    withKeystore(new Command('new'))
      .description('create a new key in an encrypted keystore (password from MURMUR_PASSWORD or a prompt); never overwrites')
      .action(async (opts: KeystoreOpts) => {
        const path = pathOf(opts)
        assertAbsent(path)
        const password = await getPassword(passwords(), { label: `the new keystore ${path}`, confirm: true })
        const privateKey = generatePrivateKey()
        writeKeystoreFile(path, await encryptKey(privateKey, password, scryptN))
        print(opts, path, keyIdentity(privateKey))
      }),
  )

  keys.addCommand(
    withKeystore(new Command('show'))
      .description('decrypt the keystore and print its address and PeerId')
      .action(async (opts: KeystoreOpts) => {
        const path = pathOf(opts)
        const json = readKeystoreJson(path) // missing or corrupt file: fail before asking for a password
        const privateKey = await decryptKey(json, await getPassword(passwords(), { label: `the keystore ${path}` }), path)
        print(opts, path, keyIdentity(privateKey))
      }),
  )

  keys.addCommand(
    withKeystore(new Command('address'))
      .description("print the keystore's address without decrypting it (use `show` to verify it)")
      .action((opts: KeystoreOpts) => {
        const address = keystoreAddress(pathOf(opts))
        io.stdout(opts.json ? `${JSON.stringify({ address })}\n` : `${address}\n`)
      }),
  )

  keys.addCommand(
    withKeystore(new Command('import'))
      .description(
        'import a key from FILE (a hex private key, or an Ethereum JSON keystore whose password comes from MURMUR_IMPORT_PASSWORD or a prompt) into a new keystore; never overwrites',
      )
      .argument('<file>', 'file holding the key ("-" for stdin); keys are never taken from argv')
      .action(async (file: string, opts: KeystoreOpts) => {
        const path = pathOf(opts)
        assertAbsent(path)
        const source = file === '-' ? 'stdin' : file
        let text: string
        try {
          text = readFileSync(file === '-' ? 0 : file, 'utf8')
        } catch (err) {
          throw new CliError(`Cannot read ${source}: ${(err as Error).message}`, EXIT.input, { cause: err })
        }
        const privateKey = text.trimStart().startsWith('{')
          ? await decryptKey(
              text,
              await getPassword(passwords(), { envName: 'MURMUR_IMPORT_PASSWORD', label: `the keystore being imported (${source})` }),
              source,
            )
          : parsePrivateKey(text, source)
        const password = await getPassword(passwords(), { label: `the new keystore ${path}`, confirm: true })
        writeKeystoreFile(path, await encryptKey(privateKey, password, scryptN))
        print(opts, path, keyIdentity(privateKey))
      }),
  )
  // subcommands added with addCommand do not inherit the program's settings: report usage errors
  // through the same io and let `run` map them to exit codes instead of exiting the process
  for (const cmd of keys.commands) cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
  return keys
}

function assertAbsent(path: string): void {
  try {
    readFileSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
  }
  throw new CliError(`A keystore already exists at ${path}; murmur never overwrites one. Pass --keystore NEW_PATH.`, EXIT.failure)
}
