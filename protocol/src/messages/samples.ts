/**
 * Deterministic sample values for golden vectors, tests and the fuzzer's seed corpus: fixed keys
 * (sha256 of a label, never used outside tests), one sample of every message, and a domain.
 * Nothing here is random.
 */
import { fromHex } from '../bytes/bytes.js'
import { roundCredits } from '../credit/round-credit.js'
import type { Eip712Domain } from '../crypto/eip712.js'
import { contentHash } from '../crypto/hash.js'
import { addressFromPrivateKey } from '../crypto/identity.js'
import { buildContributionsTree } from '../merkle/contributions.js'
import { derivePromptSeed } from '../verify/prompt-seed.js'
import type { CheckpointAnnouncement } from './checkpoint.js'
import { type Delta, encodeDelta, hashDelta } from './delta.js'
import type { DeltaCommitment } from './delta-commitment.js'
import { compressTopKInt8, type DeltaPayload, deltaPayloadNorm, encodeDeltaPayload, hashDeltaPayload } from './delta-payload.js'
import type { PeerStatus } from './peer-status.js'
import type { RoundResult } from './round-result.js'
import { encodeRunManifest, hashRunManifest, type RunManifest } from './run-manifest.js'
import { encodeScoredGroup, hashScoredGroup, type ScoredGroup } from './scored-group.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

/** A test private key: sha256("murmur/test-key/" + label). */
export function testKey(label: string): Uint8Array {
  return contentHash(utf8(`murmur/test-key/${label}`))
}

export const alice = { privateKey: testKey('alice'), address: addressFromPrivateKey(testKey('alice')) }
export const bob = { privateKey: testKey('bob'), address: addressFromPrivateKey(testKey('bob')) }
export const validator = { privateKey: testKey('validator'), address: addressFromPrivateKey(testKey('validator')) }

export const LEDGER = fromHex('0x5FbDB2315678afecb367f032d93F642f64180aa3')

export const sampleManifest: RunManifest = {
  name: 'vectors',
  chainId: 31337n,
  ledger: LEDGER,
  modelConfig: utf8('engine-config-bytes'),
  genesisPolicyHash: contentHash(utf8('genesis')),
  taskKind: 'arithmetic',
  taskParams: Uint8Array.of(1, 2, 3),
  groupSize: 4,
  promptsPerPeer: 8,
  maxCompletionTokens: 64,
  temperature: 1,
  learningRate: Math.fround(1e-4),
  klCoef: 0,
  clipEps: 0.25,
  localSteps: 1,
  roundDurationMs: 60_000,
  aggregation: 'trimmed-mean',
  trimFraction: 0.125,
  clipNorm: 1,
  maxDeltaNorm: 100,
  outerLearningRate: 0.75,
  outerMomentum: 0.5,
  compression: 'topk-int8',
  topKPpm: 10_000,
  chunkSize: 256,
  replayRatePpm: 50_000,
  validators: [validator.address],
  quorum: 1,
  bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/16Uiu2HAmExample'],
}

export const RUN = hashRunManifest(encodeRunManifest(sampleManifest))
export const domain: Eip712Domain = { chainId: sampleManifest.chainId, verifyingContract: LEDGER, salt: RUN }
export const POLICY_0 = sampleManifest.genesisPolicyHash
export const POLICY_1 = contentHash(utf8('policy-1'))

export const sampleGroup: ScoredGroup = {
  run: RUN,
  round: 0n,
  author: alice.address,
  policyHash: POLICY_0,
  promptIndex: 3,
  seed: derivePromptSeed({ run: RUN, round: 0n, author: alice.address, promptIndex: 3 }),
  completions: [
    { tokens: Uint32Array.of(5, 17, 2), logprobs: Float32Array.of(-0.5, -1.25, -0.0625), reward: 1 },
    { tokens: Uint32Array.of(9, 2), logprobs: Float32Array.of(-2, -0.125), reward: 0 },
    { tokens: Uint32Array.of(), logprobs: Float32Array.of(), reward: 0 },
    { tokens: Uint32Array.of(4, 4, 4, 2), logprobs: Float32Array.of(-3.5, -0.25, -0.25, 0), reward: 0.5 },
  ],
}

const denseDelta = Float32Array.from({ length: 16 }, (_, i) => Math.fround(((i * 7) % 11) / 8 - 0.6))
export const samplePayload: DeltaPayload = compressTopKInt8(denseDelta, { k: 6, chunkSize: 4 })
export const samplePayloadBytes = encodeDeltaPayload(samplePayload)

export function sampleDelta(groupIds: Uint8Array[]): Delta {
  return {
    run: RUN,
    round: 0n,
    author: bob.address,
    basePolicyHash: POLICY_0,
    payloadHash: hashDeltaPayload(samplePayloadBytes),
    payloadSizeBytes: samplePayloadBytes.length,
    norm: deltaPayloadNorm(samplePayload),
    groups: groupIds,
  }
}

export function sampleRoundResult(deltaIds: Uint8Array[], root: Uint8Array, credits: RoundResult['credits']): RoundResult {
  return {
    run: RUN,
    round: 0n,
    previousPolicyHash: POLICY_0,
    newPolicyHash: POLICY_1,
    contributionsRoot: root,
    deltas: deltaIds,
    screened: [],
    offenses: [],
    credits,
  }
}

export const sampleCheckpoint: CheckpointAnnouncement = {
  run: RUN,
  round: 1n,
  author: validator.address,
  policyHash: POLICY_1,
  sizeBytes: 43_690_000n,
  roundResultHash: contentHash(utf8('round-result-0')),
}

export const samplePeerStatus: PeerStatus = {
  run: RUN,
  round: 7n,
  author: alice.address,
  roles: 3,
  device: 'webgpu',
  client: 'murmur-web/0.1.0',
  tokensPerSecond: 1234,
  groupsPublished: 56,
}

/** The sample round: alice's group, bob's delta on it, credits, tree and result. */
export function sampleRound() {
  const groupBytes = encodeScoredGroup(sampleGroup)
  const groupId = hashScoredGroup(groupBytes)
  const delta = sampleDelta([groupId])
  const deltaBytes = encodeDelta(delta)
  const deltaId = hashDelta(deltaBytes)
  const tokens = sampleGroup.completions.reduce((n, c) => n + c.tokens.length, 0)
  const credits = roundCredits({
    groups: [{ id: groupId, author: alice.address, promptIndex: sampleGroup.promptIndex, tokens, accepted: true }],
    deltas: [{ id: deltaId, author: bob.address, groups: [groupId], accepted: true }],
  })
  const tree = buildContributionsTree(RUN, 0n, credits)
  const roundResult = sampleRoundResult([deltaId], tree.root, credits)
  const commitment: DeltaCommitment = { run: delta.run, round: delta.round, author: delta.author, delta: deltaId }
  return { groupId, delta, deltaId, commitment, credits, tree, roundResult }
}
