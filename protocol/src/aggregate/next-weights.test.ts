import { describe, expect, it } from 'vitest'
import { flattenParameters } from '../compress/flatten.js'
import { pseudoGradient } from '../compress/pseudo-gradient.js'
import { NAMED_CONFIGS } from '../model/config.js'
import { parameterSpecs } from '../model/parameters.js'
import { initWeights, seedFromInteger, weightsHash } from '../model/weights.js'
import { nextWeights } from './next-weights.js'

describe('nextWeights', () => {
  it('moves a model to its local copy with one pseudo-gradient and SGD at lr 1, and hashes it as a checkpoint', () => {
    const cfg = NAMED_CONFIGS.tiny
    const specs = parameterSpecs(cfg)
    const start = initWeights(cfg, seedFromInteger(1))
    const local = initWeights(cfg, seedFromInteger(2))
    const delta = pseudoGradient(specs, start, local)
    const out = nextWeights({
      cfg,
      weights: start,
      deltas: [{ id: new Uint8Array(32), values: delta }],
      config: { rule: 'trimmed-mean', trimFraction: 0.2, clipNorm: 1e9, optimizer: { kind: 'sgd', learningRate: 1 } },
    })
    const a = flattenParameters(specs, out.weights)
    const b = flattenParameters(specs, local)
    let worst = 0
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
    expect(worst).toBeLessThan(1e-8) // (θ − (θ − θ')) rounds twice in float32; equal up to an ulp
    expect(out.policyHash).toEqual(weightsHash(cfg, out.weights))
    expect([...out.weights.keys()]).toEqual(specs.map((s) => s.name))
  })
})
