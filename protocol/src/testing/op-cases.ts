/**
 * One small forward+backward case per primitive op, shared by the runtime compliance suite:
 * each builds `op(params…)`, projects it to a scalar loss and differentiates it, so a runtime
 * that passes computes every op and every backward rule like the reference evaluator.
 */
import type { GraphBuilder, Value } from '../model/graph.js'
import type { OpName } from '../model/ops.js'
import * as op from '../model/ops.js'
import { type RefTensor, refTensor } from '../runtime/reference.js'

export interface OpCase {
  name: string
  /** Ops this case exercises (forward; their backward rules come along). */
  covers: readonly OpName[]
  params: readonly (readonly number[])[]
  extra?: readonly { name: string; dtype: 'float32' | 'int64'; tensor: RefTensor }[]
  build: (b: GraphBuilder, p: readonly Value[]) => Value
  /** Maps a uniform draw u ∈ [0,1) to an input value for parameter i. */
  init?: (i: number, k: number, u: number) => number
}

const awayFromZero = (_i: number, _k: number, u: number) => (u < 0.5 ? -0.2 - u : u + 0.2)
const positive = (_i: number, _k: number, u: number) => 0.3 + u

export const OP_CASES: readonly OpCase[] = [
  {
    name: 'matmul',
    covers: ['matmul', 'transpose'],
    params: [
      [2, 3, 4],
      [4, 5],
    ],
    build: (b, [x, y]) => op.matmul(b, x!, y!),
  },
  {
    name: 'gemm',
    covers: ['gemm'],
    params: [
      [3, 4],
      [5, 4],
    ],
    build: (b, [x, y]) => op.gemm(b, x!, y!, false, true),
  },
  {
    name: 'gemm-transA',
    covers: ['gemm'],
    params: [
      [4, 3],
      [4, 5],
    ],
    build: (b, [x, y]) => op.gemm(b, x!, y!, true, false),
  },
  { name: 'add-broadcast', covers: ['add', 'reduceSum', 'reshape'], params: [[2, 3, 4], [4]], build: (b, [x, y]) => op.add(b, x!, y!) },
  {
    name: 'sub',
    covers: ['sub', 'neg'],
    params: [
      [2, 3],
      [2, 1],
    ],
    build: (b, [x, y]) => op.sub(b, x!, y!),
  },
  {
    name: 'mul',
    covers: ['mul'],
    params: [
      [3, 4],
      [1, 4],
    ],
    build: (b, [x, y]) => op.mul(b, x!, y!),
  },
  {
    name: 'div',
    covers: ['div'],
    params: [
      [3, 4],
      [3, 1],
    ],
    build: (b, [x, y]) => op.div(b, x!, y!),
    init: (i, _k, u) => (i === 1 ? 0.5 + u : u * 2 - 1),
  },
  { name: 'exp', covers: ['exp'], params: [[3, 4]], build: (b, [x]) => op.exp(b, x!) },
  { name: 'log', covers: ['log'], params: [[3, 4]], build: (b, [x]) => op.log(b, x!), init: positive },
  { name: 'sqrt', covers: ['sqrt'], params: [[3, 4]], build: (b, [x]) => op.sqrt(b, x!), init: positive },
  { name: 'sigmoid', covers: ['sigmoid'], params: [[3, 4]], build: (b, [x]) => op.sigmoid(b, x!) },
  { name: 'abs', covers: ['abs', 'sign'], params: [[3, 4]], build: (b, [x]) => op.abs(b, x!), init: awayFromZero },
  { name: 'relu', covers: ['relu', 'sign'], params: [[3, 4]], build: (b, [x]) => op.relu(b, x!), init: awayFromZero },
  { name: 'reduceSum', covers: ['reduceSum', 'expandAs'], params: [[2, 3, 4]], build: (b, [x]) => op.reduceSum(b, x!, [0, 2]) },
  {
    name: 'reduceMax',
    covers: ['reduceMax', 'expandAs', 'abs', 'sign'],
    params: [[2, 3, 4]],
    build: (b, [x]) => op.reduceMax(b, x!, [-1], true),
  },
  { name: 'reshape', covers: ['reshape'], params: [[2, 3, 4]], build: (b, [x]) => op.reshape(b, x!, [6, 4]) },
  { name: 'transpose', covers: ['transpose'], params: [[2, 3, 4]], build: (b, [x]) => op.transpose(b, x!, [2, 0, 1]) },
  {
    name: 'gather',
    covers: ['gather', 'scatterAdd'],
    params: [[5, 3]],
    extra: [{ name: 'idx', dtype: 'int64', tensor: refTensor([2, 3], [0, 4, 4, 1, 0, 2]) }],
    build: (b, [t, i]) => op.gather(b, t!, i!),
  },
  {
    name: 'concat',
    covers: ['concat', 'slice'],
    params: [
      [2, 3],
      [2, 2],
    ],
    build: (b, [x, y]) => op.concat(b, [x!, y!], 1),
  },
  { name: 'slice', covers: ['slice', 'pad'], params: [[3, 5]], build: (b, [x]) => op.slice(b, x!, 1, 1, 4) },
  { name: 'pad', covers: ['pad', 'slice'], params: [[3, 2]], build: (b, [x]) => op.pad(b, x!, 0, 1, 2) },
  {
    name: 'expandAs',
    covers: ['expandAs'],
    params: [
      [1, 4],
      [3, 4],
    ],
    build: (b, [x, l]) => op.mul(b, op.expandAs(b, x!, l!), l!),
  },
  { name: 'square', covers: ['square'], params: [[3, 4]], build: (b, [x]) => op.square(b, x!) },
  { name: 'reduceMean', covers: ['reduceMean', 'expandAs'], params: [[2, 3, 4]], build: (b, [x]) => op.reduceMean(b, x!, [-1], true) },
  { name: 'softmax', covers: ['softmax', 'reduceSum'], params: [[3, 5]], build: (b, [x]) => op.softmax(b, x!) },
  { name: 'stopGradient', covers: ['stopGradient'], params: [[4]], build: (b, [x]) => op.mul(b, x!, op.stopGradient(b, x!)) },
]
