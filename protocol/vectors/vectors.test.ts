import { readFileSync } from 'node:fs'
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { TypedDataEncoder, verifyTypedData } from 'ethers'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex0x } from '../src/bytes/bytes.js'
import {
  addressFromPeerId,
  parseAddress,
  peerIdFromString,
  publicKeyFromPeerId,
  publicKeyFromPrivateKey,
  toChecksumAddress,
} from '../src/crypto/identity.js'
import { recoverSigner } from '../src/crypto/verify.js'
import { verifyContributionProof } from '../src/merkle/contributions.js'
import { decodeCheckpointAnnouncement, encodeCheckpointAnnouncement, hashCheckpointAnnouncement } from '../src/messages/checkpoint.js'
import { decodeDelta, encodeDelta, hashDelta } from '../src/messages/delta.js'
import { decodeDeltaCommitment, encodeDeltaCommitment, hashDeltaCommitment } from '../src/messages/delta-commitment.js'
import { decodeDeltaPayload, encodeDeltaPayload, hashDeltaPayload } from '../src/messages/delta-payload.js'
import { decodePeerStatus, encodePeerStatus, hashPeerStatus } from '../src/messages/peer-status.js'
import { decodeRoundResult, encodeRoundResult, hashRoundResult } from '../src/messages/round-result.js'
import { decodeRunManifest, encodeRunManifest, hashRunManifest } from '../src/messages/run-manifest.js'
import { decodeScoredGroup, encodeScoredGroup, hashScoredGroup } from '../src/messages/scored-group.js'
import { decodeSignedMessage, signingDigest } from '../src/messages/signed.js'
import { derivePromptSeed } from '../src/verify/prompt-seed.js'
import { selectReplayIndices } from '../src/verify/replay-selection.js'
import { domain } from './fixtures.js'
import { fromJson, type Json, toJson } from './json.js'
import { protocolVectors } from './protocol-vectors.js'

const read = (name: string) => JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8'))

const codecs: Record<
  string,
  { encode: (v: never) => Uint8Array; decode: (b: Uint8Array) => unknown; hash: (b: Uint8Array) => Uint8Array }
> = {
  RunManifest: { encode: encodeRunManifest, decode: decodeRunManifest, hash: hashRunManifest },
  ScoredGroup: { encode: encodeScoredGroup, decode: decodeScoredGroup, hash: hashScoredGroup },
  Delta: { encode: encodeDelta, decode: decodeDelta, hash: hashDelta },
  DeltaPayload: { encode: encodeDeltaPayload, decode: decodeDeltaPayload, hash: hashDeltaPayload },
  RoundResult: { encode: encodeRoundResult, decode: decodeRoundResult, hash: hashRoundResult },
  CheckpointAnnouncement: { encode: encodeCheckpointAnnouncement, decode: decodeCheckpointAnnouncement, hash: hashCheckpointAnnouncement },
  PeerStatus: { encode: encodePeerStatus, decode: decodePeerStatus, hash: hashPeerStatus },
  DeltaCommitment: { encode: encodeDeltaCommitment, decode: decodeDeltaCommitment, hash: hashDeltaCommitment },
}

describe('protocol vectors', () => {
  it('are exactly what the code generates (regenerate with vectors/generate.ts only for a protocol change)', () => {
    for (const [name, value] of Object.entries(protocolVectors())) expect(JSON.parse(JSON.stringify(value)), name).toEqual(read(name))
  })

  it('messages: value → bytes and bytes → value, and the hash of the bytes', () => {
    const file: { name: string; value: Json; bytes: string; hash: string }[] = read('messages.json')
    expect(new Set(file.map((v) => v.name))).toEqual(new Set(Object.keys(codecs)))
    for (const v of file) {
      const codec = codecs[v.name]!
      const bytes = fromHex(v.bytes)
      expect(toHex0x(codec.encode(fromJson(v.value) as never)), v.name).toBe(v.bytes)
      expect(toJson(codec.decode(bytes)), v.name).toEqual(v.value)
      expect(toHex0x(codec.hash(bytes)), v.name).toBe(v.hash)
    }
  })

  it('identity: private key → public key → address and PeerId, and PeerId → key and address', () => {
    for (const v of read('identity.json')) {
      expect(toHex0x(publicKeyFromPrivateKey(fromHex(v.privateKey)))).toBe(v.publicKey)
      const peerId = peerIdFromString(v.peerId)
      expect(toHex0x(peerId)).toBe(v.peerIdBytes)
      expect(toHex0x(publicKeyFromPeerId(peerId))).toBe(v.publicKey)
      expect(toChecksumAddress(addressFromPeerId(peerId))).toBe(v.address)
    }
  })

  it('eip712: ethers computes the same digests and recovers the same signers; so does murmur from the envelopes', () => {
    const file = read('eip712.json')
    expect(TypedDataEncoder.hashDomain(file.domain)).toBe(file.domainSeparator)
    for (const s of file.signatures) {
      expect(TypedDataEncoder.hash(file.domain, s.types, s.message)).toBe(s.digest)
      expect(TypedDataEncoder.from(s.types).hash(s.message)).toBe(s.hashStruct)
      expect(verifyTypedData(file.domain, s.types, s.message, s.signature)).toBe(s.signer)
      expect(s.signature).toBe(`${s.r}${s.s.slice(2)}${s.v.toString(16)}`)
      const env = decodeSignedMessage(fromHex(s.envelope))
      expect(env.kind).toBe(s.primaryType)
      const { digest } = signingDigest(env.kind, env.body, domain)
      expect(toHex0x(digest)).toBe(s.digest)
      expect(recoverSigner(digest, env.signature)).toEqual({ ok: true, address: parseAddress(s.signer) })
    }
  })

  it('eip712 link: ethers computes the same Link digest and recovers the contributor key', () => {
    const { domain: d, link } = read('eip712.json')
    expect(TypedDataEncoder.hash(d, link.types, link.message)).toBe(link.digest)
    expect(verifyTypedData(d, link.types, link.message, link.signature)).toBe(link.signer)
    expect(link.message.run).toBe(d.salt)
  })

  it('merkle: OpenZeppelin rebuilds the same roots and leaf hashes; every proof verifies', () => {
    const file = read('merkle.json')
    for (const tree of file.trees) {
      const values = tree.leaves.map((l: Record<string, string | number>) => [
        file.run,
        file.round,
        l.contributor,
        l.acceptedGroups,
        l.acceptedDeltas,
        l.credit,
      ])
      const oz = StandardMerkleTree.of(values, file.leafEncoding)
      expect(oz.root).toBe(tree.root)
      tree.leaves.forEach(
        (
          l: { leafHash: string; proof: string[]; contributor: string; acceptedGroups: number; acceptedDeltas: number; credit: string },
          i: number,
        ) => {
          expect(oz.leafHash(values[i])).toBe(l.leafHash)
          expect(StandardMerkleTree.verify(tree.root, file.leafEncoding, values[i], l.proof)).toBe(true)
          const entry = {
            contributor: parseAddress(l.contributor),
            acceptedGroups: l.acceptedGroups,
            acceptedDeltas: l.acceptedDeltas,
            credit: BigInt(l.credit),
          }
          expect(verifyContributionProof(fromHex(tree.root), fromHex(file.run), BigInt(file.round), entry, l.proof.map(fromHex))).toBe(true)
        },
      )
    }
  })

  it('seeds: prompt seeds and replay choices follow from the inputs in the file', () => {
    const file = read('seeds.json')
    for (const p of file.prompt) {
      const seed = derivePromptSeed({
        run: fromHex(p.run),
        round: BigInt(p.round),
        author: parseAddress(p.author),
        promptIndex: p.promptIndex,
      })
      expect(toHex0x(seed)).toBe(p.seed)
    }
    for (const r of file.replay) {
      expect(selectReplayIndices({ ratePpm: r.ratePpm, secret: fromHex(r.secret) }, fromHex(r.messageId), r.completions)).toEqual(r.indices)
    }
  })
})
