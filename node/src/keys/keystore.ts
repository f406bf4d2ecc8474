/**
 * The peer's secp256k1 key in an encrypted Ethereum JSON keystore (Web3 Secret Storage v3,
 * scrypt + aes-128-ctr) through ethers v6. One key gives the ledger address and the libp2p
 * PeerId (DESIGN.md §4). Files are written atomically with mode 0600 and never overwritten.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import {
  addressFromPrivateKey,
  fromHex,
  peerIdFromPublicKey,
  peerIdToString,
  publicKeyFromPrivateKey,
  toChecksumAddress,
  toHex0x,
} from '@murmur/protocol'
import { decryptKeystoreJson, encryptKeystoreJson, isKeystoreJson } from 'ethers'
import { CliError, EXIT } from '../errors.js'

/** ethers' (and geth's) default scrypt cost: about a second per encrypt/decrypt on a laptop. */
export const DEFAULT_SCRYPT_N = 131_072

export interface KeyIdentity {
  /** EIP-55 address (ledger identity). */
  address: string
  /** libp2p PeerId text (base58btc, "16Uiu2…"). */
  peerId: string
  /** Compressed secp256k1 public key, 0x-hex. */
  publicKey: string
}

/** `$MURMUR_HOME/keystore.json`, MURMUR_HOME defaulting to ~/.murmur. */
export function defaultKeystorePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.MURMUR_HOME || join(homedir(), '.murmur'), 'keystore.json')
}

/** Address, PeerId and public key of a private key. */
export function keyIdentity(privateKey: Uint8Array): KeyIdentity {
  const publicKey = publicKeyFromPrivateKey(privateKey)
  return {
    address: toChecksumAddress(addressFromPrivateKey(privateKey)),
    peerId: peerIdToString(peerIdFromPublicKey(publicKey)),
    publicKey: toHex0x(publicKey),
  }
}

/** A fresh private key from the OS CSPRNG (retried in the 2^-128 case it is not a valid scalar). */
export function generatePrivateKey(): Uint8Array {
  for (;;) {
    const sk = new Uint8Array(randomBytes(32))
    try {
      publicKeyFromPrivateKey(sk)
      return sk
    } catch {
      // out of range: draw again
    }
  }
}

/** Parses a hex private key (with or without 0x, surrounding whitespace allowed). */
export function parsePrivateKey(text: string, source: string): Uint8Array {
  const t = text.trim()
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(t))
    throw new CliError(`${source} does not hold a 32-byte hex private key or an Ethereum JSON keystore.`, EXIT.input)
  const sk = fromHex(t)
  try {
    publicKeyFromPrivateKey(sk)
  } catch {
    throw new CliError(`${source} holds 32 bytes that are not a valid secp256k1 private key.`, EXIT.input)
  }
  return sk
}

export async function encryptKey(privateKey: Uint8Array, password: string, scryptN = DEFAULT_SCRYPT_N): Promise<string> {
  const address = toChecksumAddress(addressFromPrivateKey(privateKey))
  return encryptKeystoreJson({ address, privateKey: toHex0x(privateKey) }, password, { scrypt: { N: scryptN } })
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new CliError(`No keystore at ${path}. Create one with \`murmur keys new\` or pass --keystore PATH.`, EXIT.input)
    throw new CliError(`Cannot read the keystore at ${path}: ${(err as Error).message}`, EXIT.input, { cause: err })
  }
}

/** The keystore file's text, checked to look like an Ethereum JSON keystore (not decrypted). */
export function readKeystoreJson(path: string): string {
  const json = readText(path)
  if (!isKeystoreJson(json)) throw new CliError(`${path} is not an Ethereum JSON keystore.`, EXIT.input)
  return json
}

/** The keystore's plaintext address field, read without the password (unauthenticated). */
export function keystoreAddress(path: string): string {
  const json = readKeystoreJson(path)
  const { address } = JSON.parse(json) as { address?: unknown }
  if (typeof address !== 'string' || !/^(0x)?[0-9a-fA-F]{40}$/.test(address))
    throw new CliError(`${path} has no valid address field.`, EXIT.input)
  return toChecksumAddress(fromHex(address))
}

/** Decrypts `json` (from `source`, for messages); wrong password and corruption are one-line errors. */
export async function decryptKey(json: string, password: string, source: string): Promise<Uint8Array> {
  if (!isKeystoreJson(json)) throw new CliError(`${source} is not an Ethereum JSON keystore.`, EXIT.input)
  let account: Awaited<ReturnType<typeof decryptKeystoreJson>>
  try {
    account = await decryptKeystoreJson(json, password)
  } catch (err) {
    if ((err as { shortMessage?: string }).shortMessage === 'incorrect password')
      throw new CliError(`Wrong password for the keystore at ${source}.`, EXIT.input)
    throw new CliError(
      `${source} is a corrupt keystore: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}.`,
      EXIT.input,
      { cause: err },
    )
  }
  return fromHex(account.privateKey)
}

export async function readKeystore(path: string, password: string): Promise<Uint8Array> {
  return decryptKey(readKeystoreJson(path), password, path)
}

/**
 * Writes `json` to `path` atomically and only if nothing is there: the bytes go to a 0600 temp
 * file in the same directory, which is then hard-linked into place (link fails if `path` exists,
 * so a concurrent writer can never be overwritten) and unlinked.
 */
export function writeKeystoreFile(path: string, json: string): void {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  writeFileSync(tmp, json, { mode: 0o600, flag: 'wx' })
  try {
    chmodSync(tmp, 0o600) // in case the umask was wider than the mode
    linkSync(tmp, path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CliError(`A keystore already exists at ${path}; murmur never overwrites one. Pass --keystore NEW_PATH.`, EXIT.failure)
    throw new CliError(`Cannot write the keystore to ${path}: ${(err as Error).message}`, EXIT.failure, { cause: err })
  } finally {
    unlinkSync(tmp)
  }
}
