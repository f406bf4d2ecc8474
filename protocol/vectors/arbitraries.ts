/** fast-check arbitraries for every message, shared by the codec property tests. */
import fc from 'fast-check'
import { compareBytes, toHex0x } from '../src/bytes/bytes.js'
import { MAX_DELTA_NUMEL } from '../src/constants.js'
import type { CheckpointAnnouncement } from '../src/messages/checkpoint.js'
import type { Delta } from '../src/messages/delta.js'
import type { DeltaCommitment } from '../src/messages/delta-commitment.js'
import type { DeltaPayload } from '../src/messages/delta-payload.js'
import type { PeerStatus } from '../src/messages/peer-status.js'
import { type CreditEntry, compareOffenses, type OffenseKind, type RoundResult } from '../src/messages/round-result.js'
import type { RunManifest } from '../src/messages/run-manifest.js'
import type { Completion, ScoredGroup } from '../src/messages/scored-group.js'

export const bytesN = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
export const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
const fold = (x: number) => (x === 0 ? 0 : x)
export const f32 = fc.float({ noNaN: true, noDefaultInfinity: true }).map(fold)
const nonNegF32 = fc.float({ min: 0, noNaN: true, noDefaultInfinity: true }).map(fold)
const logprob = fc.float({ max: 0, noNaN: true, noDefaultInfinity: true }).map(fold)

/** Strictly ascending distinct byte strings of length n. */
export const sortedIds = (n: number, min: number, max: number) =>
  fc
    .uniqueArray(bytesN(n), { minLength: min, maxLength: max, comparator: (a, b) => compareBytes(a, b) === 0 })
    .map((xs) => xs.sort(compareBytes))

export const completion: fc.Arbitrary<Completion> = fc.integer({ min: 0, max: 12 }).chain((n) =>
  fc.record({
    tokens: fc.array(fc.nat({ max: 0xffffffff }), { minLength: n, maxLength: n }).map((a) => Uint32Array.from(a)),
    logprobs: fc.array(logprob, { minLength: n, maxLength: n }).map((a) => Float32Array.from(a)),
    reward: f32,
  }),
)

export const scoredGroup: fc.Arbitrary<ScoredGroup> = fc.record({
  run: bytesN(32),
  round: u64,
  author: bytesN(20),
  policyHash: bytesN(32),
  promptIndex: fc.nat({ max: 0xffffffff }),
  seed: bytesN(32),
  completions: fc.array(completion, { minLength: 1, maxLength: 6 }),
})

export const delta: fc.Arbitrary<Delta> = fc.record({
  run: bytesN(32),
  round: u64,
  author: bytesN(20),
  basePolicyHash: bytesN(32),
  payloadHash: bytesN(32),
  payloadSizeBytes: fc.nat({ max: 256 * 1024 * 1024 }),
  norm: nonNegF32,
  groups: sortedIds(32, 1, 5),
})

export const creditEntries: fc.Arbitrary<CreditEntry[]> = sortedIds(20, 0, 5).chain((addrs) =>
  fc.tuple(
    ...addrs.map((contributor) =>
      fc.record({
        contributor: fc.constant(contributor),
        acceptedGroups: fc.nat({ max: 0xffffffff }),
        acceptedDeltas: fc.nat({ max: 0xffffffff }),
        credit: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
      }),
    ),
  ),
)

export const roundResult: fc.Arbitrary<RoundResult> = fc
  .record({
    run: bytesN(32),
    round: u64,
    previousPolicyHash: bytesN(32),
    newPolicyHash: bytesN(32),
    contributionsRoot: bytesN(32),
    deltas: sortedIds(32, 0, 4),
    credits: creditEntries,
  })
  // screened: any subset of the included deltas, kept in their ascending order
  .chain((rr) => fc.subarray(rr.deltas).map((screened) => ({ ...rr, screened })))
  .chain((rr) =>
    fc
      .uniqueArray(
        fc.record({
          kind: fc.constantFrom<OffenseKind>('reward-mismatch', 'wrong-result', 'replay-mismatch', 'invalid-payload'),
          offender: bytesN(20),
          id: bytesN(32),
        }),
        { maxLength: 4, selector: (o) => `${toHex0x(o.offender)}${toHex0x(o.id)}` },
      )
      .map((offenses) => ({ ...rr, offenses: offenses.sort(compareOffenses) })),
  )

export const checkpoint: fc.Arbitrary<CheckpointAnnouncement> = fc.record({
  run: bytesN(32),
  round: u64,
  author: bytesN(20),
  policyHash: bytesN(32),
  sizeBytes: u64,
  roundResultHash: bytesN(32),
})

export const deltaCommitment: fc.Arbitrary<DeltaCommitment> = fc.record({
  run: bytesN(32),
  round: u64,
  author: bytesN(20),
  delta: bytesN(32),
})

/** Printable ASCII (0x20-0x7e), as PeerStatus strings are. */
const printableAscii = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength, maxLength })

export const peerStatus: fc.Arbitrary<PeerStatus> = fc.record({
  run: bytesN(32),
  round: u64,
  author: bytesN(20),
  roles: fc.integer({ min: 0, max: 7 }),
  device: fc.oneof(fc.constantFrom('cpu', 'wasm', 'webgpu', 'cuda'), printableAscii(1, 16)),
  client: printableAscii(0, 40),
  tokensPerSecond: fc.nat({ max: 0xffffffff }),
  groupsPublished: fc.nat({ max: 0xffffffff }),
})

const safeString = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength })

const groupShape = fc.integer({ min: 1, max: 64 }).chain((groupSize) =>
  fc.record({
    groupSize: fc.constant(groupSize),
    // the largest group must fit MAX_SCORED_GROUP_BYTES: 131 + G·(8 + 8n) bytes
    maxCompletionTokens: fc.integer({ min: 1, max: Math.min(4096, Math.floor(((1024 * 1024 - 1024 - 131) / groupSize - 8) / 8)) }),
  }),
)

export const runManifest: fc.Arbitrary<RunManifest> = fc
  .tuple(sortedIds(20, 1, 4), groupShape)
  .chain(([validators, { groupSize, maxCompletionTokens }]) =>
    fc.record({
      groupSize: fc.constant(groupSize),
      maxCompletionTokens: fc.constant(maxCompletionTokens),
      name: safeString(20),
      chainId: u64,
      ledger: bytesN(20),
      modelConfig: fc.uint8Array({ maxLength: 40 }),
      genesisPolicyHash: bytesN(32),
      taskKind: safeString(10),
      taskParams: fc.uint8Array({ maxLength: 40 }),
      promptsPerPeer: fc.integer({ min: 1, max: 0xffff }),
      temperature: fc.float({ min: Math.fround(1e-6), max: 1000, noNaN: true }),
      learningRate: f32,
      klCoef: f32,
      clipEps: f32,
      localSteps: fc.integer({ min: 1, max: 0xffff }),
      roundDurationMs: fc.integer({ min: 1, max: 0xffffffff }),
      aggregation: fc.constantFrom('trimmed-mean' as const, 'median' as const),
      trimFraction: fc.float({ min: 0, max: Math.fround(0.49), noNaN: true }).map(fold),
      clipNorm: fc.float({ min: Math.fround(1e-6), max: Math.fround(1e30), noNaN: true }),
      maxDeltaNorm: fc.float({ min: Math.fround(1e-6), max: Math.fround(1e30), noNaN: true }),
      outerLearningRate: f32,
      outerMomentum: f32,
      compression: fc.constantFrom('dense-f32' as const, 'topk-int8' as const),
      topKPpm: fc.integer({ min: 1, max: 1_000_000 }),
      chunkSize: fc.integer({ min: 1, max: 1 << 20 }),
      replayRatePpm: fc.integer({ min: 0, max: 1_000_000 }),
      validators: fc.constant(validators),
      quorum: fc.integer({ min: 1, max: validators.length }),
      bootstrap: fc.array(safeString(30), { maxLength: 3 }),
    }),
  )

/** A topk-int8 payload over `numel` with the given ascending indices, random scales and values. */
const topKPayload = (numel: number, indices: number[]): fc.Arbitrary<DeltaPayload> =>
  fc.integer({ min: 1, max: 8 }).chain((chunkSize) => {
    const k = indices.length
    return fc.record({
      format: fc.constant('topk-int8' as const),
      numel: fc.constant(numel),
      chunkSize: fc.constant(chunkSize),
      indices: fc.constant(Uint32Array.from(indices)),
      scales: fc
        .array(nonNegF32, { minLength: Math.ceil(k / chunkSize), maxLength: Math.ceil(k / chunkSize) })
        .map((a) => Float32Array.from(a)),
      quantized: fc.array(fc.integer({ min: -127, max: 127 }), { minLength: k, maxLength: k }).map((a) => Int8Array.from(a)),
    })
  })

/** Index gaps on both sides of every LEB128 length boundary (1, 2, 3 and 4 bytes), and anything up to 2^26. */
const indexGap = fc.oneof(
  fc.integer({ min: 1, max: 3 }),
  fc.constantFrom(127, 128, 16_383, 16_384, 2_097_151, 2_097_152),
  fc.integer({ min: 1, max: 1 << 26 }),
)

/** Sparse indices over a large numel (up to MAX_DELTA_NUMEL), so gaps take every varint length. */
const sparseTopK: fc.Arbitrary<DeltaPayload> = fc
  .record({
    first: fc.oneof(fc.constant(0), indexGap),
    gaps: fc.array(indexGap, { maxLength: 12 }),
    tail: fc.oneof(fc.constant(0), fc.nat({ max: 1 << 22 })),
    empty: fc.boolean(),
  })
  .chain(({ first, gaps, tail, empty }) => {
    const indices: number[] = []
    if (!empty)
      for (let i = first, j = 0; i < MAX_DELTA_NUMEL; i += gaps[j++] ?? MAX_DELTA_NUMEL) {
        indices.push(i)
        if (j === gaps.length) break
      }
    const last = indices.length ? indices[indices.length - 1]! : 0
    return topKPayload(Math.min(MAX_DELTA_NUMEL, last + 1 + tail), indices)
  })

export const deltaPayload: fc.Arbitrary<DeltaPayload> = fc.oneof(
  fc.array(f32, { minLength: 1, maxLength: 20 }).map((v) => ({ format: 'dense-f32' as const, values: Float32Array.from(v) })),
  fc.integer({ min: 1, max: 40 }).chain((numel) =>
    fc.uniqueArray(fc.nat({ max: numel - 1 }), { maxLength: numel }).chain((idx) =>
      topKPayload(
        numel,
        idx.sort((a, b) => a - b),
      ),
    ),
  ),
  sparseTopK,
)

/** A byte-level mutation: flip, truncate, extend, insert or delete. */
export function mutated(bytes: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = bytes.length
  return fc.oneof(
    fc.record({ i: fc.nat({ max: Math.max(0, n - 1) }), x: fc.integer({ min: 1, max: 255 }) }).map(({ i, x }) => {
      const b = bytes.slice()
      if (n > 0) b[i] = b[i]! ^ x
      return b
    }),
    fc.nat({ max: Math.max(0, n - 1) }).map((k) => bytes.slice(0, k)),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((extra) => Uint8Array.from([...bytes, ...extra])),
    fc
      .record({ i: fc.nat({ max: n }), x: fc.nat({ max: 255 }) })
      .map(({ i, x }) => Uint8Array.from([...bytes.slice(0, i), x, ...bytes.slice(i)])),
    fc.nat({ max: Math.max(0, n - 1) }).map((i) => Uint8Array.from([...bytes.slice(0, i), ...bytes.slice(i + 1)])),
  )
}
