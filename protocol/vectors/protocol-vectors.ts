/**
 * Golden vectors of identity, messages, EIP-712 signatures, the contributions tree, prompt seeds,
 * replay selection and the credit rule. `generate.ts` writes them; `vectors.test.ts` checks both
 * ways. The `eip712` vector is the one the Solidity ledger tests reuse: it carries the domain,
 * types, message, digest, signer and r/s/v. A change here is a protocol change (STYLE.md §7).
 */
import { toHex0x } from '../src/bytes/bytes.js'
import { CREDIT_PER_ACCEPTED_GROUP, CREDIT_PER_TRAINED_GROUP, CREDIT_PER_VERIFIED_TOKEN } from '../src/constants.js'
import {
  domainSeparator,
  EIP712_DOMAIN_NAME,
  EIP712_DOMAIN_VERSION,
  EIP712_TYPES,
  encodeType,
  hashStruct,
  linkDigest,
} from '../src/crypto/eip712.js'
import {
  addressFromPrivateKey,
  peerIdFromPublicKey,
  peerIdToString,
  publicKeyFromPrivateKey,
  toChecksumAddress,
} from '../src/crypto/identity.js'
import { signatureParts, signDigest } from '../src/crypto/sign.js'
import { buildContributionsTree, CONTRIBUTION_LEAF_ENCODING, contributionLeafHash } from '../src/merkle/contributions.js'
import { encodeCheckpointAnnouncement, hashCheckpointAnnouncement } from '../src/messages/checkpoint.js'
import { encodeDelta, hashDelta } from '../src/messages/delta.js'
import { encodeDeltaCommitment, hashDeltaCommitment } from '../src/messages/delta-commitment.js'
import { type DeltaPayload, denseF32Payload, encodeDeltaPayload, hashDeltaPayload } from '../src/messages/delta-payload.js'
import { encodePeerStatus, hashPeerStatus } from '../src/messages/peer-status.js'
import { encodeRoundResult, hashRoundResult, type RoundResult } from '../src/messages/round-result.js'
import { encodeRunManifest, hashRunManifest } from '../src/messages/run-manifest.js'
import { encodeScoredGroup, hashScoredGroup } from '../src/messages/scored-group.js'
import {
  encodeSignedMessage,
  SIGNED_CODECS,
  type SignedKind,
  type SignedTypes,
  signingDigest,
  signMessage,
} from '../src/messages/signed.js'
import { derivePromptSeed } from '../src/verify/prompt-seed.js'
import { selectReplayIndices } from '../src/verify/replay-selection.js'
import {
  alice,
  bob,
  domain,
  RUN,
  sampleCheckpoint,
  sampleGroup,
  sampleManifest,
  samplePayload,
  samplePayloadBytes,
  samplePeerStatus,
  sampleRound,
  testKey,
  validator,
} from './fixtures.js'
import { toJson } from './json.js'

export function identityVectors() {
  return ['alice', 'bob', 'validator', 'carol'].map((label) => {
    const privateKey = testKey(label)
    const publicKey = publicKeyFromPrivateKey(privateKey)
    const peerId = peerIdFromPublicKey(publicKey)
    return {
      label,
      privateKey: toHex0x(privateKey),
      publicKey: toHex0x(publicKey),
      address: toChecksumAddress(addressFromPrivateKey(privateKey)),
      peerIdBytes: toHex0x(peerId),
      peerId: peerIdToString(peerId),
    }
  })
}

export function messageVectors() {
  const { delta, roundResult, commitment } = sampleRound()
  const screenedResult = { ...roundResult, screened: roundResult.deltas, credits: [], contributionsRoot: new Uint8Array(32) }
  // one offense of each kind, in (offender, id) order: pins `offenses`' bytes
  const offendingResult: RoundResult = {
    ...roundResult,
    offenses: [
      { kind: 'wrong-result', offender: new Uint8Array(20).fill(0x11), id: new Uint8Array(32).fill(0xaa) },
      { kind: 'reward-mismatch', offender: new Uint8Array(20).fill(0x22), id: new Uint8Array(32).fill(0xbb) },
      { kind: 'replay-mismatch', offender: new Uint8Array(20).fill(0x22), id: new Uint8Array(32).fill(0xcc) },
      { kind: 'invalid-payload', offender: new Uint8Array(20).fill(0x33), id: new Uint8Array(32).fill(0xdd) },
    ],
  }
  const dense = denseF32Payload(Float32Array.of(0.5, -0, 1.5, -2))
  // top-k index gaps of every varint length: 0, +127, +128, +16384, +2^21, +1 (1, 1, 2, 3, 4, 1 bytes)
  const sparse: DeltaPayload = {
    format: 'topk-int8',
    numel: 3_000_000,
    chunkSize: 2,
    indices: Uint32Array.of(0, 127, 255, 16_639, 2_113_791, 2_113_792),
    scales: Float32Array.of(1, 0.5, 0),
    quantized: Int8Array.of(1, -1, 127, -127, 0, 5),
  }
  const entry = (name: string, value: unknown, bytes: Uint8Array, hash: Uint8Array) => ({
    name,
    value: toJson(value),
    bytes: toHex0x(bytes),
    hash: toHex0x(hash),
  })
  return [
    entry('RunManifest', sampleManifest, encodeRunManifest(sampleManifest), hashRunManifest(encodeRunManifest(sampleManifest))),
    entry('ScoredGroup', sampleGroup, encodeScoredGroup(sampleGroup), hashScoredGroup(encodeScoredGroup(sampleGroup))),
    entry('Delta', delta, encodeDelta(delta), hashDelta(encodeDelta(delta))),
    entry('DeltaPayload', samplePayload, samplePayloadBytes, hashDeltaPayload(samplePayloadBytes)),
    entry(
      'DeltaPayload',
      { format: 'dense-f32', values: Float32Array.of(0.5, 0, 1.5, -2) },
      encodeDeltaPayload(dense),
      hashDeltaPayload(encodeDeltaPayload(dense)),
    ),
    entry('DeltaPayload', sparse, encodeDeltaPayload(sparse), hashDeltaPayload(encodeDeltaPayload(sparse))),
    entry('RoundResult', roundResult, encodeRoundResult(roundResult), hashRoundResult(encodeRoundResult(roundResult))),
    // the same round with its one delta screened out (and so no credit): pins `screened`'s bytes
    entry('RoundResult', screenedResult, encodeRoundResult(screenedResult), hashRoundResult(encodeRoundResult(screenedResult))),
    entry('RoundResult', offendingResult, encodeRoundResult(offendingResult), hashRoundResult(encodeRoundResult(offendingResult))),
    entry(
      'CheckpointAnnouncement',
      sampleCheckpoint,
      encodeCheckpointAnnouncement(sampleCheckpoint),
      hashCheckpointAnnouncement(encodeCheckpointAnnouncement(sampleCheckpoint)),
    ),
    entry('PeerStatus', samplePeerStatus, encodePeerStatus(samplePeerStatus), hashPeerStatus(encodePeerStatus(samplePeerStatus))),
    entry('DeltaCommitment', commitment, encodeDeltaCommitment(commitment), hashDeltaCommitment(encodeDeltaCommitment(commitment))),
  ]
}

/** Typed data in the JSON shape ethers and Solidity tests use (hex strings, decimal strings). */
function ethersMessage(kind: SignedKind, typed: Record<string, unknown>): Record<string, string | number> {
  return Object.fromEntries(
    EIP712_TYPES[kind].map((f) => {
      const v = typed[f.name]
      if (f.type === 'address') return [f.name, toChecksumAddress(v as Uint8Array)]
      if (v instanceof Uint8Array) return [f.name, toHex0x(v)]
      return [f.name, typeof v === 'bigint' ? v.toString() : (v as number)]
    }),
  )
}

export function eip712Vectors() {
  const { delta, roundResult, commitment } = sampleRound()
  const signed: { [K in SignedKind]: [SignedTypes[K], Uint8Array] } = {
    ScoredGroup: [sampleGroup, alice.privateKey],
    Delta: [delta, bob.privateKey],
    RoundResult: [roundResult, validator.privateKey],
    CheckpointAnnouncement: [sampleCheckpoint, validator.privateKey],
    PeerStatus: [samplePeerStatus, alice.privateKey],
    DeltaCommitment: [commitment, bob.privateKey],
  }
  return {
    domain: {
      name: EIP712_DOMAIN_NAME,
      version: EIP712_DOMAIN_VERSION,
      chainId: domain.chainId.toString(),
      verifyingContract: toChecksumAddress(domain.verifyingContract),
      salt: toHex0x(domain.salt),
    },
    domainSeparator: toHex0x(domainSeparator(domain)),
    // alice's key names bob's account as the owner of its credit in the run (ContributionLedger.link)
    link: (() => {
      const digest = linkDigest(domain, bob.address)
      return {
        encodeType: encodeType('Link'),
        types: { Link: EIP712_TYPES.Link },
        message: { run: toHex0x(domain.salt), owner: toChecksumAddress(bob.address) },
        digest: toHex0x(digest),
        signer: toChecksumAddress(alice.address),
        signature: toHex0x(signDigest(digest, alice.privateKey)),
      }
    })(),
    signatures: (Object.keys(signed) as SignedKind[]).map((kind) => {
      const [value, key] = signed[kind]
      const m = signMessage(kind, value as never, domain, key)
      const { digest, id } = signingDigest(kind, m.body, domain)
      const typed = (SIGNED_CODECS[kind].typed as (v: unknown, d: Uint8Array) => Record<string, unknown>)(value, id)
      const { r, s, v } = signatureParts(m.signature)
      return {
        primaryType: kind,
        encodeType: encodeType(kind),
        types: { [kind]: EIP712_TYPES[kind] },
        message: ethersMessage(kind, typed),
        hashStruct: toHex0x(hashStruct(kind, typed as never)),
        digest: toHex0x(digest),
        signer: toChecksumAddress(addressFromPrivateKey(key)),
        signature: toHex0x(m.signature),
        r: `0x${r.toString(16).padStart(64, '0')}`,
        s: `0x${s.toString(16).padStart(64, '0')}`,
        v,
        envelope: toHex0x(encodeSignedMessage(m)),
      }
    }),
  }
}

export function merkleVectors() {
  const { credits, tree } = sampleRound()
  const extra = [3, 4, 5].map((i) => ({
    contributor: addressFromPrivateKey(testKey(`contributor-${i}`)),
    acceptedGroups: i,
    acceptedDeltas: i - 3,
    credit: 10n ** BigInt(i * 6),
  }))
  const all = [...credits, ...extra]
  const big = buildContributionsTree(RUN, 0n, all)
  const describe = (t: typeof tree, entries: typeof all) => ({
    root: toHex0x(t.root),
    leaves: entries.map((e) => ({
      contributor: toChecksumAddress(e.contributor),
      acceptedGroups: e.acceptedGroups,
      acceptedDeltas: e.acceptedDeltas,
      credit: e.credit.toString(),
      leafHash: toHex0x(contributionLeafHash(RUN, 0n, e)),
      proof: t.proof(e.contributor).map(toHex0x),
    })),
  })
  return { leafEncoding: CONTRIBUTION_LEAF_ENCODING, run: toHex0x(RUN), round: '0', trees: [describe(tree, credits), describe(big, all)] }
}

export function seedVectors() {
  return {
    prompt: [0, 1, 7].map((promptIndex) => ({
      run: toHex0x(RUN),
      round: '5',
      author: toChecksumAddress(alice.address),
      promptIndex,
      seed: toHex0x(derivePromptSeed({ run: RUN, round: 5n, author: alice.address, promptIndex })),
    })),
    replay: [50_000, 250_000].map((ratePpm) => {
      const secret = new Uint8Array(32).fill(7)
      const messageId = hashScoredGroup(encodeScoredGroup(sampleGroup))
      return {
        ratePpm,
        secret: toHex0x(secret),
        messageId: toHex0x(messageId),
        completions: 64,
        indices: selectReplayIndices({ ratePpm, secret }, messageId, 64),
      }
    }),
  }
}

export function creditVectors() {
  const { credits } = sampleRound()
  return {
    constants: {
      CREDIT_PER_VERIFIED_TOKEN: CREDIT_PER_VERIFIED_TOKEN.toString(),
      CREDIT_PER_ACCEPTED_GROUP: CREDIT_PER_ACCEPTED_GROUP.toString(),
      CREDIT_PER_TRAINED_GROUP: CREDIT_PER_TRAINED_GROUP.toString(),
    },
    sampleRound: credits.map((c) => ({ ...c, contributor: toChecksumAddress(c.contributor), credit: c.credit.toString() })),
  }
}

/** Every vector file this module owns, by file name. */
export function protocolVectors(): Record<string, unknown> {
  return {
    'identity.json': identityVectors(),
    'messages.json': messageVectors(),
    'eip712.json': eip712Vectors(),
    'merkle.json': merkleVectors(),
    'seeds.json': seedVectors(),
    'credit.json': creditVectors(),
  }
}
