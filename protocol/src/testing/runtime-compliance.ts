/**
 * `describeRuntimeCompliance(name, makeRuntime)`: runs murmur's graphs through a runtime
 * (onnxruntime-node CPU, onnxruntime-web wasm, the WebGPU EP, CUDA…) and compares every result
 * with the float64 reference evaluator within named tolerances. Each app runs it against the
 * runtimes it ships (the libp2p interface-compliance-tests pattern).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { gradients } from '../model/grad.js'
import { GraphBuilder } from '../model/graph.js'
import { toOnnx } from '../model/onnx.js'
import { mul, type OpName, reduceSum } from '../model/ops.js'
import { createRng, deriveSeed } from '../random/rng.js'
import { evaluateReference, type RefTensor } from '../runtime/reference.js'
import { GraphSession } from '../runtime/session.js'
import type { HostTensor, RuntimeComponents } from '../runtime/types.js'
import { OP_CASES } from './op-cases.js'
import { describePolicyCompliance } from './policy-compliance.js'

export interface ComplianceOptions {
  /** |ort − ref| ≤ atol + rtol·|ref| elementwise. Defaults suit float32 kernels. */
  atol?: number
  rtol?: number
  /** Run the policy suite (training graph, sampling, replay); default true. */
  policy?: boolean
  /** Extra suites registered by the caller after the built-in ones. */
  extend?: (getRuntime: () => RuntimeComponents) => void
}

/** Float32 runtimes vs the float64 reference: ~1e-6 relative per op, so 1e-4 leaves headroom. */
export const OP_ATOL = 1e-4
export const OP_RTOL = 1e-4

function toHost(t: RefTensor, dtype: 'float32' | 'int64'): HostTensor {
  return dtype === 'int64'
    ? { dtype, shape: t.shape, data: BigInt64Array.from(t.data, (x) => BigInt(x)) }
    : { dtype, shape: t.shape, data: Float32Array.from(t.data) }
}

/** Largest violation of |a − b| ≤ atol + rtol·|b| (≤ 0 means within tolerance). */
export function worstViolation(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): number {
  let worst = Number.NEGATIVE_INFINITY
  for (let i = 0; i < expected.length; i++) {
    const v = Math.abs(actual[i]! - expected[i]!) - (atol + rtol * Math.abs(expected[i]!))
    if (!(v <= worst)) worst = Number.isNaN(v) ? Number.POSITIVE_INFINITY : v
  }
  return worst
}

export function describeRuntimeCompliance(
  name: string,
  makeRuntime: () => Promise<RuntimeComponents> | RuntimeComponents,
  options: ComplianceOptions = {},
): void {
  const atol = options.atol ?? OP_ATOL
  const rtol = options.rtol ?? OP_RTOL
  describe(`runtime compliance: ${name}`, () => {
    let runtime: RuntimeComponents
    beforeAll(async () => {
      runtime = await makeRuntime()
    })

    it('covers every primitive op of the IR', () => {
      const covered = new Set<OpName>(OP_CASES.flatMap((c) => c.covers))
      const all: OpName[] = [
        'matmul', 'gemm', 'add', 'sub', 'mul', 'div', 'neg', 'exp', 'log', 'sqrt', 'sigmoid', 'abs', 'sign', 'relu',
        'reduceSum', 'reduceMax', 'reshape', 'transpose', 'gather', 'scatterAdd', 'concat', 'slice', 'pad', 'expandAs', 'stopGradient', 'square', 'reduceMean', 'softmax',
      ] // biome-ignore format: one list
      expect(all.filter((o) => !covered.has(o))).toEqual([])
    })

    for (const c of OP_CASES) {
      it(`computes ${c.name} forward and backward like the reference`, async () => {
        const rng = createRng(deriveSeed('murmur/test/compliance', c.name))
        const b = new GraphBuilder(`op_${c.name}`)
        const params = c.params.map((s, i) => b.input(`p${i}`, 'float32', s))
        const extras = (c.extra ?? []).map((e) => b.input(e.name, e.dtype, e.tensor.shape))
        const y = c.build(b, [...params, ...extras])
        const proj = b.input('proj', 'float32', y.shape)
        const loss = reduceSum(
          b,
          mul(b, y, proj),
          y.shape.map((_, i) => i),
        )
        const grads = gradients(b, loss, params)
        b.output('y', y)
        b.output('loss', loss)
        grads.forEach((g, i) => {
          b.output(`grad${i}`, g)
        })
        const graph = b.finish()

        const size = (s: readonly number[]) => s.reduce((a, d) => a * d, 1)
        const draw = (i: number, s: readonly number[]) =>
          Float64Array.from({ length: size(s) }, (_, k) => {
            const u = rng.nextFloat()
            // float32-representable inputs, so both sides see identical values
            return Math.fround(c.init ? c.init(i, k, u) : u * 2 - 1)
          })
        const ref: Record<string, RefTensor> = {}
        const host: Record<string, HostTensor> = {}
        c.params.forEach((s, i) => {
          ref[`p${i}`] = { shape: s, data: draw(i, s) }
          host[`p${i}`] = toHost(ref[`p${i}`]!, 'float32')
        })
        for (const e of c.extra ?? []) {
          ref[e.name] = e.tensor
          host[e.name] = toHost(e.tensor, e.dtype)
        }
        const ys = y.shape as number[]
        ref.proj = { shape: ys, data: draw(99, ys) }
        host.proj = toHost(ref.proj, 'float32')

        const expected = evaluateReference(graph, ref)
        const session = await GraphSession.create(runtime, toOnnx(graph), `op case ${c.name}`)
        try {
          const actual = await session.run(host)
          for (const out of graph.outputs) {
            const a = actual[out.name]!
            const e = expected[out.name]!
            expect(a.shape, `${c.name}.${out.name} shape`).toEqual([...e.shape])
            expect(worstViolation(a.data, e.data, atol, rtol), `${c.name}.${out.name}`).toBeLessThanOrEqual(0)
          }
        } finally {
          await session.release()
        }
      })
    }

    if (options.policy !== false) describePolicyCompliance(() => runtime)
    options.extend?.(() => runtime)
  })
}
