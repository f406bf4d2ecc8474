import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { aggregateDeltas } from '../src/aggregate/aggregate.js'
import { hashFlatTensor, nextPolicy } from '../src/aggregate/next-policy.js'
import { fromHex, toHex0x } from '../src/bytes/bytes.js'
import { compressDeltaBytes, decompressDelta } from '../src/compress/compress.js'
import { contentHash } from '../src/crypto/hash.js'
import { aggregateVectorInputs, aggregateVectors } from './aggregate.js'
import { fromJson } from './json.js'

const file = JSON.parse(readFileSync(new URL('aggregate.json', import.meta.url), 'utf8'))

describe('aggregation vectors', () => {
  it('match what the code computes (regenerate with vectors/generate.ts only for a protocol change)', () => {
    expect(JSON.parse(JSON.stringify(aggregateVectors()))).toEqual(file)
  })

  it('recompute θ_{r+1} bytes and hash from the JSON inputs alone', () => {
    const theta = fromJson(file.theta) as Float32Array
    const deltas = file.deltas.map((d: { id: string; values: never }) => ({
      id: fromHex(d.id),
      values: fromJson(d.values) as Float32Array,
    }))
    for (const c of file.cases) {
      const config = { rule: c.rule, trimFraction: file.trimFraction, clipNorm: file.clipNorm, optimizer: c.optimizer }
      const r1 = nextPolicy({ theta, deltas, config })
      expect(toHex0x(hashFlatTensor(r1.theta)), c.rule).toBe(c.theta1Hash)
      expect(toHex0x(contentHash(fromHex(c.theta1)))).toBe(c.theta1Hash)
    }
  })

  it('pin a compressed delta: payload bytes, hash and decompressed values', () => {
    const { deltas } = aggregateVectorInputs()
    const c = file.compression
    expect(toHex0x(compressDeltaBytes(deltas[0]!.values, { format: 'topk-int8', topKPpm: c.topKPpm, chunkSize: c.chunkSize }))).toBe(
      c.payload,
    )
    expect([...decompressDelta(fromHex(c.payload))]).toEqual(c.decompressed.f32)
    expect(c.decompressed.f32.filter((v: number) => v !== 0).length).toBe(3)
  })

  it('screen out the huge delta (norm) and the sign-flipped one (direction), and keep the honest five', () => {
    const { deltas } = aggregateVectorInputs()
    const name = new Map<string, string>(deltas.map((d, i) => [toHex0x(d.id), i < 5 ? 'honest' : i === 5 ? 'evil' : 'flip']))
    for (const c of file.cases) {
      expect(c.screened.map((x: { id: string; reason: string }) => `${name.get(x.id)}:${x.reason}`).sort()).toEqual([
        'evil:norm',
        'flip:direction',
      ])
      expect(c.included).toHaveLength(7)
    }
  })

  it('include an adversarial delta that the robust rules resist', () => {
    const { deltas } = aggregateVectorInputs()
    const p = { numel: file.numel, trimFraction: 0.2, clipNorm: 1e9 }
    const mean = aggregateDeltas({ ...p, deltas, rule: 'mean' })
    const tm = aggregateDeltas({ ...p, deltas, rule: 'trimmed-mean' })
    expect(Math.max(...mean.map(Math.abs))).toBeGreaterThan(1e4)
    expect(Math.max(...tm.map(Math.abs))).toBeLessThan(0.05)
  })
})
