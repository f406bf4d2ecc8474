// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * EIP-712 typed-data digests for murmur's fixed message types, computed with keccak256 from
 * @noble/hashes (no ethers at runtime). Every signed message is signed as its primary type
 * below; each carries `digest`, the message's tagged keccak256 over its canonical bytes
 * (messages/*.ts `hashX`), plus the fields a wallet or the ledger contract needs to see.
 * `Link` is not a message: a contributor key signs it once to name the wallet its ledger credit
 * adds up to (`linkDigest`).
 *
 *   digest = keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(message))
 *   domain = EIP712Domain(string name, string version, uint256 chainId, address verifyingContract, bytes32 salt)
 *          = { name: 'murmur', version: '1', chainId, verifyingContract: ledger, salt: runId }
 *
 * All member types are static (bytes32, uintN, address), so hashStruct is keccak256 of the
 * type hash followed by one 32-byte word per field. Ref: https://eips.ethereum.org/EIPS/eip-712
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { concatBytes } from '../bytes/bytes.js'
import { InvalidArgumentError } from '../errors.js'
import type { Address } from './identity.js'

/** EIP-712 domain `name`. */
export const EIP712_DOMAIN_NAME = 'murmur'
/** EIP-712 domain `version`; bumps with PROTOCOL_VERSION when a type changes. */
export const EIP712_DOMAIN_VERSION = '1'

export interface Eip712Domain {
  chainId: bigint
  /** The run's ledger contract. */
  verifyingContract: Address
  /** The run id (RunManifest hash). */
  salt: Uint8Array
}

type FieldType = 'bytes32' | 'address' | 'uint32' | 'uint64' | 'uint256'
interface Field {
  readonly name: string
  readonly type: FieldType
}

/** murmur's typed-data types, in member order (the order is part of the type hash). */
export const EIP712_TYPES = {
  ScoredGroup: [
    { name: 'run', type: 'bytes32' },
    { name: 'round', type: 'uint64' },
    { name: 'author', type: 'address' },
    { name: 'policyHash', type: 'bytes32' },
    { name: 'promptIndex', type: 'uint32' },
    { name: 'digest', type: 'bytes32' },
  ],
  Delta: [
    { name: 'run', type: 'bytes32' },
    { name: 'round', type: 'uint64' },
    { name: 'author', type: 'address' },
    { name: 'basePolicyHash', type: 'bytes32' },
    { name: 'payloadHash', type: 'bytes32' },
    { name: 'digest', type: 'bytes32' },
  ],
  RoundResult: [
    { name: 'run', type: 'bytes32' },
    { name: 'round', type: 'uint64' },
    { name: 'previousPolicyHash', type: 'bytes32' },
    { name: 'newPolicyHash', type: 'bytes32' },
    { name: 'contributionsRoot', type: 'bytes32' },
    { name: 'digest', type: 'bytes32' },
  ],
  CheckpointAnnouncement: [
    { name: 'run', type: 'bytes32' },
    { name: 'round', type: 'uint64' },
    { name: 'author', type: 'address' },
    { name: 'policyHash', type: 'bytes32' },
    { name: 'digest', type: 'bytes32' },
  ],
  PeerStatus: [
    { name: 'run', type: 'bytes32' },
    { name: 'round', type: 'uint64' },
    { name: 'author', type: 'address' },
    { name: 'digest', type: 'bytes32' },
  ],
  DeltaCommitment: [
    { name: 'run', type: 'bytes32' },
    { name: 'round', type: 'uint64' },
    { name: 'author', type: 'address' },
    { name: 'delta', type: 'bytes32' },
    { name: 'digest', type: 'bytes32' },
  ],
  Link: [
    { name: 'run', type: 'bytes32' },
    { name: 'owner', type: 'address' },
  ],
} as const satisfies Record<string, readonly Field[]>

export type Eip712PrimaryType = keyof typeof EIP712_TYPES
type FieldValue<T extends FieldType> = T extends 'bytes32' | 'address' ? Uint8Array : T extends 'uint32' ? number : bigint
/** The message object of a primary type: bytes for bytes32/address, number for uint32, bigint otherwise. */
export type Eip712Message<P extends Eip712PrimaryType> = {
  [F in (typeof EIP712_TYPES)[P][number] as F['name']]: FieldValue<F['type']>
}

const EIP712_DOMAIN_TYPE = 'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)'

/** `Name(type1 name1,…)`: the EIP-712 encodeType of a primary type. */
export function encodeType(primary: Eip712PrimaryType): string {
  return `${primary}(${EIP712_TYPES[primary].map((f) => `${f.type} ${f.name}`).join(',')})`
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}

function word(field: string, type: FieldType, value: unknown): Uint8Array {
  const out = new Uint8Array(32)
  if (type === 'bytes32' || type === 'address') {
    const n = type === 'bytes32' ? 32 : 20
    if (!(value instanceof Uint8Array) || value.length !== n) throw new InvalidArgumentError(`EIP-712 field "${field}" must be ${n} bytes.`)
    out.set(value, 32 - n)
    return out
  }
  const bits = type === 'uint32' ? 32n : type === 'uint64' ? 64n : 256n
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << bits) {
    throw new InvalidArgumentError(`EIP-712 field "${field}" must be a ${type}, got ${String(value)}.`)
  }
  let x = v
  for (let i = 31; i >= 0 && x > 0n; i--) {
    out[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return out
}

export function domainSeparator(domain: Eip712Domain): Uint8Array {
  return keccak_256(
    concatBytes(
      keccak_256(utf8(EIP712_DOMAIN_TYPE)),
      keccak_256(utf8(EIP712_DOMAIN_NAME)),
      keccak_256(utf8(EIP712_DOMAIN_VERSION)),
      word('chainId', 'uint256', domain.chainId),
      word('verifyingContract', 'address', domain.verifyingContract),
      word('salt', 'bytes32', domain.salt),
    ),
  )
}

export function hashStruct<P extends Eip712PrimaryType>(primary: P, message: Eip712Message<P>): Uint8Array {
  const fields: readonly Field[] = EIP712_TYPES[primary]
  const values = message as Record<string, unknown>
  return keccak_256(concatBytes(keccak_256(utf8(encodeType(primary))), ...fields.map((f) => word(f.name, f.type, values[f.name]))))
}

/** The 32-byte digest a murmur key signs for `message` of type `primary` in `domain`. */
export function typedDataDigest<P extends Eip712PrimaryType>(domain: Eip712Domain, primary: P, message: Eip712Message<P>): Uint8Array {
  return keccak_256(concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator(domain), hashStruct(primary, message)))
}

/**
 * The digest a contributor key signs to name `owner` as the account its credit in the run adds
 * up to on the ledger (`ContributionLedger.link`, sent by `owner`): how a browser tab's key,
 * which signs every group and delta, gives its credit to the wallet the user connected, which
 * signs nothing but that one transaction. The run is the domain's salt.
 */
export function linkDigest(domain: Eip712Domain, owner: Address): Uint8Array {
  return typedDataDigest(domain, 'Link', { run: domain.salt, owner })
}
