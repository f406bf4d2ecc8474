import { describe, expect, it } from 'vitest'
import { contentHash, toHex } from '../crypto/hash.js'
import { deriveSeed } from '../random/rng.js'
import { MICRO_CONFIG } from '../testing/fixtures.js'
import { GraphBuilder } from './graph.js'
import { buildSamplingGraph, buildTrainingGraph } from './llama.js'
import { toOnnx, toOnnxWithExternalData } from './onnx.js'
import { add, gemm, reshape } from './ops.js'
import { initWeights } from './weights.js'

describe('toOnnx', () => {
  it('writes a tiny graph to the pinned canonical bytes', () => {
    const b = new GraphBuilder('tiny')
    const x = b.input('x', 'float32', ['batch', 3])
    const w = b.constant('w', [2, 3], Float32Array.of(1, -0, 2, 0.5, 3, -1))
    b.output('y', add(b, gemm(b, reshape(b, x, ['batch', 3]), w, false, true), 1))
    const bytes = toOnnx(b.finish())
    expect(toHex(bytes)).toMatchInlineSnapshot(
      `"080812066d75726d75723abb010a280a01780a0177120276321a076e305f47656d6d220447656d6d2a0d0a067472616e73421801a001020a1d0a0276320a07636f6e73742e301201791a066e315f4164642203416464120474696e792a230802080310014201774a180000803f00000000000000400000003f00004040000080bf2a1110014207636f6e73742e304a040000803f5a180a017812130a110801120d0a07120562617463680a02080362180a017912130a110801120d0a07120562617463680a02080242040a001011"`,
    )
  })

  it('stores initialisers of at least minBytes as in-memory external data, the rest inline', () => {
    const graph = () => {
      const b = new GraphBuilder('tiny')
      const x = b.input('x', 'float32', ['batch', 3])
      const w = b.constant('w', [2, 3], Float32Array.of(1, -0.25, 2, 0.5, 3, -1))
      b.output('y', add(b, gemm(b, reshape(b, x, ['batch', 3]), w, false, true), 1))
      return b.finish()
    }
    expect(toOnnxWithExternalData(graph(), Number.POSITIVE_INFINITY)).toEqual({ model: toOnnx(graph()), externalData: [] })
    const { model, externalData } = toOnnxWithExternalData(graph(), 16)
    expect(externalData).toHaveLength(1)
    expect(externalData[0]!.path).toBe('weights/0.bin')
    expect(Array.from(new Float32Array(externalData[0]!.data.slice().buffer))).toEqual([1, -0.25, 2, 0.5, 3, -1])
    // TensorProto "w": dims 2 3, FLOAT, name, external_data (13) {location, offset 0, length 24}, data_location (14) EXTERNAL
    expect(toHex(model)).toContain(
      '2a410802080310014201776a190a086c6f636174696f6e120d776569676874732f302e62696e6a0b0a066f66667365741201306a0c0a066c656e677468120232347001',
    )
    expect(() => toOnnxWithExternalData(nonFinite(), 0)).toThrow(/non-finite/)
  })

  it('is byte-identical for the same graph and pinned for the reference model (training and sampling)', () => {
    const weights = initWeights(MICRO_CONFIG, deriveSeed('murmur/vectors/onnx', 'micro'))
    const sampling = toOnnx(buildSamplingGraph(MICRO_CONFIG, weights))
    expect(toOnnx(buildSamplingGraph(MICRO_CONFIG, weights))).toEqual(sampling)
    const training = toOnnx(buildTrainingGraph({ cfg: MICRO_CONFIG, batch: 2, seq: 8, loss: { klBeta: 0.04 } }).graph)
    expect(toOnnx(buildTrainingGraph({ cfg: MICRO_CONFIG, batch: 2, seq: 8, loss: { klBeta: 0.04 } }).graph)).toEqual(training)
    expect({
      sampling: toHex(contentHash(sampling)),
      samplingBytes: sampling.length,
      training: toHex(contentHash(training)),
      trainingBytes: training.length,
    }).toMatchInlineSnapshot(`
      {
        "sampling": "12d04eaec71b32a652a46d0ec6f0ccda8dedd5e968a592bf23607a0fc8b2b9ae",
        "samplingBytes": 25203,
        "training": "f76c9fbee72dca4177bf8bdb4ff39f70c8b7dc321393373dabec05d6508d964e",
        "trainingBytes": 28868,
      }
    `)
  })

  it('folds -0 to +0 in initialisers', () => {
    const mk = (z: number) => {
      const b = new GraphBuilder('z')
      const c = b.constant('c', [1], Float32Array.of(z))
      b.output('y', add(b, b.input('x', 'float32', [1]), c))
      return toOnnx(b.finish())
    }
    expect(mk(-0)).toEqual(mk(0))
  })

  it('rejects a non-finite initialiser with the tensor name', () => {
    const b = new GraphBuilder('nan')
    b.output('y', add(b, b.input('x', 'float32', [1]), b.constant('bad', [1], Float32Array.of(Number.NaN))))
    expect(() => toOnnx(b.finish())).toThrowErrorMatchingInlineSnapshot(`[GraphError: Tensor "bad" has a non-finite value NaN at 0.]`)
  })
})

function nonFinite() {
  const b = new GraphBuilder('bad')
  const x = b.input('x', 'float32', [2])
  b.output('y', add(b, x, b.constant('w', [2], Float32Array.of(1, Number.NaN))))
  return b.finish()
}
