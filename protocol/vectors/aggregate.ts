/**
 * Golden vectors of aggregation (STYLE.md §7): fixed deltas and θ_r through every rule and both
 * outer optimisers, pinning the bytes of θ_{r+1} and its hash, plus one compressed delta. `generate.ts` writes them to
 * aggregate.json; `aggregate.test.ts` checks both ways. A change here is a protocol change.
 */

import type { AggregateRule, IncludedDelta } from '../src/aggregate/aggregate.js'
import { float32Bytes, hashFlatTensor, nextPolicy } from '../src/aggregate/next-policy.js'
import type { OuterOptimizer } from '../src/aggregate/outer-step.js'
import { toHex0x } from '../src/bytes/bytes.js'
import { compressDeltaBytes, decompressDelta } from '../src/compress/compress.js'
import { contentHash } from '../src/crypto/hash.js'
import { createRng, deriveSeed } from '../src/random/rng.js'

const NUMEL = 12
const DOMAIN = 'murmur/vectors/aggregate/v1'

function draw(label: string, scale: number): Float32Array {
  const rng = createRng(deriveSeed(DOMAIN, label))
  return Float32Array.from({ length: NUMEL }, () => (2 * rng.nextFloat() - 1) * scale)
}

/**
 * θ_0, five honest deltas (one shared direction plus their own noise, as deltas computed from
 * one θ_r are), one with a huge norm ("evil": the norm screen's) and one sign-flipped honest
 * delta ("flip": the direction screen's); ids = sha256(label).
 */
export function aggregateVectorInputs(): { theta: Float32Array; deltas: IncludedDelta[] } {
  const label = (i: number) => `delta-${i}`
  const id = (name: string) => contentHash(new TextEncoder().encode(name))
  const common = draw('common', 0.04)
  const deltas: IncludedDelta[] = [0, 1, 2, 3, 4].map((i) => {
    const own = draw(label(i), 0.02)
    return { id: id(label(i)), values: Float32Array.from(own, (v, k) => v + common[k]!) }
  })
  deltas.push({ id: id('evil'), values: draw('evil', 1e6) })
  deltas.push({ id: id('flip'), values: Float32Array.from(deltas[0]!.values, (v) => (v === 0 ? 0 : -v)) })
  return { theta: draw('theta', 0.02), deltas }
}

const CASES: { rule: AggregateRule; optimizer: OuterOptimizer }[] = [
  { rule: 'trimmed-mean', optimizer: { kind: 'sgd', learningRate: 0.7 } },
  { rule: 'median', optimizer: { kind: 'sgd', learningRate: 0.7 } },
  { rule: 'mean', optimizer: { kind: 'sgd', learningRate: 0.7 } },
  { rule: 'trimmed-mean', optimizer: { kind: 'nesterov', learningRate: 0.7, momentum: 0.9 } },
]

export function aggregateVectors() {
  const { theta, deltas } = aggregateVectorInputs()
  return {
    numel: NUMEL,
    theta: { f32: [...theta] },
    deltas: deltas.map((d) => ({ id: toHex0x(d.id), values: { f32: [...d.values] } })),
    trimFraction: 0.2,
    clipNorm: 0.1,
    // the first honest delta compressed as trainers do: top 25% (3 of 12), int8, chunks of 2
    compression: (() => {
      const bytes = compressDeltaBytes(deltas[0]!.values, { format: 'topk-int8', topKPpm: 250_000, chunkSize: 2 })
      return {
        topKPpm: 250_000,
        chunkSize: 2,
        payload: toHex0x(bytes),
        payloadHash: toHex0x(contentHash(bytes)),
        decompressed: { f32: [...decompressDelta(bytes)] },
      }
    })(),
    cases: CASES.map(({ rule, optimizer }) => {
      const config = { rule, trimFraction: 0.2, clipNorm: 0.1, optimizer }
      // two rounds with the same deltas, so Nesterov's momentum is exercised
      const r1 = nextPolicy({ theta, deltas, config })
      const r2 = nextPolicy({ theta: r1.theta, deltas: [...deltas].reverse(), config, momentum: r1.momentum })
      return {
        rule,
        optimizer,
        included: r1.included.map(toHex0x),
        screened: r1.screened.map((x) => ({ id: toHex0x(x.id), reason: x.reason })),
        update: { f32: [...r1.update] },
        theta1: toHex0x(float32Bytes(r1.theta)),
        theta1Hash: toHex0x(hashFlatTensor(r1.theta)),
        theta2: toHex0x(float32Bytes(r2.theta)),
        theta2Hash: toHex0x(hashFlatTensor(r2.theta)),
        momentum2: r2.momentum === null ? null : toHex0x(float32Bytes(r2.momentum)),
      }
    }),
  }
}
