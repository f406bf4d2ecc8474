/**
 * The tab's identity: a secp256k1 key made on the first visit and kept in IndexedDB (its
 * Ethereum address is the peer's ledger identity, its PeerId the libp2p one). It can be exported
 * as an encrypted Ethereum JSON keystore (ethers, loaded only when asked) and used by `murmur`
 * on a server, or replaced by importing one.
 */
import { addressFromPrivateKey, publicKeyFromPrivateKey, toChecksumAddress } from '@murmur/protocol'

const DB = 'murmur'
const STORE = 'keys'
const KEY = 'peer'

function db(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1)
    req.onupgradeneeded = () => req.result.createObjectStore(STORE)
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB is unavailable'))
  })
}

async function tx<T>(mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const d = await db()
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = work(d.transaction(STORE, mode).objectStore(STORE))
      req.onsuccess = () => resolve(req.result)
      req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
    })
  } finally {
    d.close()
  }
}

function isValidKey(k: unknown): k is Uint8Array {
  if (!(k instanceof Uint8Array) || k.length !== 32) return false
  try {
    publicKeyFromPrivateKey(k)
    return true
  } catch {
    return false
  }
}

export interface Identity {
  privateKey: Uint8Array
  address: `0x${string}`
  created: boolean
}

const identityOf = (privateKey: Uint8Array, created: boolean): Identity => ({
  privateKey,
  address: toChecksumAddress(addressFromPrivateKey(privateKey)),
  created,
})

/** The stored key, or a new one (stored before it is returned). */
export async function loadOrCreateIdentity(): Promise<Identity> {
  const stored = await tx('readonly', (s) => s.get(KEY) as IDBRequest<unknown>)
  if (isValidKey(stored)) return identityOf(stored, false)
  let key: Uint8Array
  do key = crypto.getRandomValues(new Uint8Array(32))
  while (!isValidKey(key))
  await tx('readwrite', (s) => s.put(key, KEY))
  return identityOf(key, true)
}

/** The key as an encrypted JSON keystore (scrypt, as every Ethereum wallet reads it). */
export async function exportKeystore(privateKey: Uint8Array, password: string): Promise<string> {
  const { Wallet, hexlify } = await import('ethers')
  return new Wallet(hexlify(privateKey)).encrypt(password)
}

/** Replaces the stored key with the one in `keystore`. @throws when the password or file is wrong. */
export async function importKeystore(keystore: string, password: string): Promise<Identity> {
  const { Wallet, getBytes } = await import('ethers')
  const wallet = await Wallet.fromEncryptedJson(keystore, password)
  const key = getBytes(wallet.privateKey)
  await tx('readwrite', (s) => s.put(key, KEY))
  return identityOf(key, false)
}
