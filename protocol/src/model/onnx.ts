// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Serialises a {@link Graph} to canonical ONNX bytes: fixed opset ({@link ONNX_OPSET}), stable
 * names (inputs, initialisers and outputs keep theirs; intermediates are `v<id>` in build
 * order; helper constants `c<n>` in first-use order), fields in ascending field-number order,
 * float data as little-endian float32 with -0 folded to +0. The same graph always gives the
 * same bytes, so the sha256 of the bytes identifies the model.
 */
import { ONNX_IR_VERSION, ONNX_OPSET } from '../constants.js'
import { GraphError } from '../errors.js'
import type { ConstantData, Dim, Graph, Initializer, Node, Shape, Value } from './graph.js'
import type { OpAttrs, OpName } from './ops.js'
import { ProtoWriter } from './protobuf.js'

const ELEM = { float32: 1, int64: 7 } as const
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, INTS: 7 } as const

type Attr = { name: string } & ({ i: number } | { ints: readonly number[] } | { s: string } | { f: number } | { t: EmittedTensor })

interface EmittedTensor {
  name: string
  dims: readonly number[]
  data: ConstantData
}

interface OnnxNode {
  op: string
  inputs: string[]
  outputs: string[]
  attrs: Attr[]
}

interface LowerContext {
  emit(op: string, inputs: string[], attrs?: Attr[], output?: string): string
  int64s(values: readonly number[]): string
  float32Scalar(value: number): string
  tmp(): string
}

type Lowering<K extends OpName> = (ctx: LowerContext, node: Node<K> & { attrs: OpAttrs[K] }, inputs: string[], out: string) => void

const same = (op: string) => (ctx: LowerContext, _n: unknown, inputs: string[], out: string) => void ctx.emit(op, inputs, [], out)

function sameDim(a: Dim | undefined, b: Dim | undefined): boolean {
  return a !== undefined && a === b
}

/** Axes to squeeze so that `from` becomes `to`, or null when it is not a pure squeeze. */
function squeezeAxes(from: Shape, to: Shape): number[] | null {
  const axes: number[] = []
  let j = 0
  for (let i = 0; i < from.length; i++) {
    if (j < to.length && sameDim(from[i], to[j])) j++
    else if (from[i] === 1) axes.push(i)
    else return null
  }
  return j === to.length && axes.length > 0 ? axes : null
}

function lowerReshape(ctx: LowerContext, from: Shape, to: Shape, input: string, out: string): void {
  const sq = squeezeAxes(from, to)
  if (sq) return void ctx.emit('Squeeze', [input, ctx.int64s(sq)], [], out)
  const unsq = squeezeAxes(to, from)
  if (unsq) return void ctx.emit('Unsqueeze', [input, ctx.int64s(unsq)], [], out)
  let inferred = false
  const target = to.map((d, i) => {
    if (typeof d === 'number') return d
    if (sameDim(from[i], d)) return 0
    if (inferred) throw new GraphError(`Cannot lower reshape [${from.join(', ')}] → [${to.join(', ')}]: two symbolic dimensions move.`)
    inferred = true
    return -1
  })
  ctx.emit('Reshape', [input, ctx.int64s(target)], [], out)
}

const lowerings: { [K in OpName]: Lowering<K> } = {
  matmul: same('MatMul'),
  gemm: (ctx, { attrs: { transA, transB } }, inputs, out) =>
    void ctx.emit('Gemm', inputs, [...(transA ? [{ name: 'transA', i: 1 }] : []), ...(transB ? [{ name: 'transB', i: 1 }] : [])], out),
  add: same('Add'),
  sub: same('Sub'),
  mul: same('Mul'),
  div: same('Div'),
  neg: same('Neg'),
  exp: same('Exp'),
  log: same('Log'),
  sqrt: same('Sqrt'),
  sigmoid: same('Sigmoid'),
  abs: same('Abs'),
  sign: same('Sign'),
  relu: same('Relu'),
  reduceSum: (ctx, { inputs: [x], attrs: { axes, keepDims } }, [i], out) =>
    void ctx.emit(
      'ReduceSum',
      [i!, ctx.int64s(axes.map((a) => (a < 0 ? a + x!.shape.length : a)))],
      [{ name: 'keepdims', i: keepDims ? 1 : 0 }],
      out,
    ),
  reduceMax: (ctx, { inputs: [x], attrs: { axes, keepDims } }, [i], out) =>
    void ctx.emit(
      'ReduceMax',
      [i!],
      [
        { name: 'axes', ints: axes.map((a) => (a < 0 ? a + x!.shape.length : a)) },
        { name: 'keepdims', i: keepDims ? 1 : 0 },
      ],
      out,
    ),
  reshape: (ctx, { inputs: [x], attrs: { shape } }, [i], out) => lowerReshape(ctx, x!.shape, shape, i!, out),
  transpose: (ctx, { attrs: { perm } }, inputs, out) => void ctx.emit('Transpose', inputs, [{ name: 'perm', ints: perm }], out),
  gather: (ctx, _n, inputs, out) => void ctx.emit('Gather', inputs, [{ name: 'axis', i: 0 }], out),
  scatterAdd: (ctx, { output }, [idx, upd], out) => {
    const shape = output.shape
    if (!shape.every((d) => typeof d === 'number')) throw new GraphError('scatterAdd needs a static output shape.')
    const zeros = ctx.emit(
      'ConstantOfShape',
      [ctx.int64s(shape as number[])],
      [{ name: 'value', t: { name: 'value', dims: [1], data: new Float32Array(1) } }],
    )
    const idxN = ctx.emit('Unsqueeze', [idx!, ctx.int64s([-1])])
    ctx.emit('ScatterND', [zeros, idxN, upd!], [{ name: 'reduction', s: 'add' }], out)
  },
  concat: (ctx, { attrs: { axis } }, inputs, out) => void ctx.emit('Concat', inputs, [{ name: 'axis', i: axis }], out),
  slice: (ctx, { attrs: { axis, start, end } }, [i], out) =>
    void ctx.emit('Slice', [i!, ctx.int64s([start]), ctx.int64s([end]), ctx.int64s([axis])], [], out),
  pad: (ctx, { inputs: [x], attrs: { axis, before, after } }, [i], out) => {
    const r = x!.shape.length
    const ax = axis < 0 ? axis + r : axis
    const pads = new Array<number>(2 * r).fill(0)
    pads[ax] = before
    pads[r + ax] = after
    ctx.emit('Pad', [i!, ctx.int64s(pads)], [], out)
  },
  expandAs: (ctx, _n, [x, like], out) => void ctx.emit('Expand', [x!, ctx.emit('Shape', [like!])], [], out),
  stopGradient: same('Identity'),
  // Pow(x, 2) (not Mul(x, x)) so onnxruntime fuses RMSNorm into SimplifiedLayerNormalization
  square: (ctx, _n, [i], out) => void ctx.emit('Pow', [i!, ctx.float32Scalar(2)], [], out),
  reduceMean: (ctx, { inputs: [x], attrs: { axes, keepDims } }, [i], out) =>
    void ctx.emit(
      'ReduceMean',
      [i!],
      [
        { name: 'axes', ints: axes.map((a) => (a < 0 ? a + x!.shape.length : a)) },
        { name: 'keepdims', i: keepDims ? 1 : 0 },
      ],
      out,
    ),
  softmax: (ctx, _n, inputs, out) => void ctx.emit('Softmax', inputs, [{ name: 'axis', i: -1 }], out),
}

function checkFinite(t: { name: string; data: ConstantData }): void {
  if (t.data instanceof BigInt64Array) return
  const d = t.data
  for (let k = 0; k < d.length; k++) {
    const v = d[k]!
    if (!Number.isFinite(v)) throw new GraphError(`Tensor "${t.name}" has a non-finite value ${v} at ${k}.`)
  }
}

function writeTensor(w: ProtoWriter, t: EmittedTensor): void {
  for (const d of t.dims) w.int(1, d)
  w.int(2, t.data instanceof BigInt64Array ? ELEM.int64 : ELEM.float32)
  w.string(8, t.name)
  const raw = new Uint8Array(t.data.length * (t.data instanceof BigInt64Array ? 8 : 4))
  const dv = new DataView(raw.buffer)
  if (t.data instanceof BigInt64Array) {
    for (let k = 0; k < t.data.length; k++) dv.setBigInt64(k * 8, t.data[k]!, true)
  } else {
    checkFinite(t)
    t.data.forEach((v, k) => {
      dv.setFloat32(k * 4, v === 0 ? 0 : v, true)
    })
  }
  w.bytes(9, raw)
}

/** An initialiser stored outside the protobuf: TensorProto.external_data (13) + data_location EXTERNAL (14). */
function writeExternalTensor(w: ProtoWriter, t: EmittedTensor, file: ExternalDataFile): void {
  for (const d of t.dims) w.int(1, d)
  w.int(2, t.data instanceof BigInt64Array ? ELEM.int64 : ELEM.float32)
  w.string(8, t.name)
  const entry = (key: string, value: string) => w.message(13, (e) => e.string(1, key).string(2, value))
  entry('location', file.path)
  entry('offset', '0')
  entry('length', String(file.data.byteLength))
  w.int(14, 1)
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/** The little-endian bytes of an initialiser: a view of its own memory where the host is little-endian. */
function tensorBytes(t: { name: string; data: ConstantData }): Uint8Array {
  checkFinite(t)
  if (LITTLE_ENDIAN) return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
  const out = new Uint8Array(t.data.byteLength)
  const dv = new DataView(out.buffer)
  const d = t.data
  if (d instanceof BigInt64Array) for (let k = 0; k < d.length; k++) dv.setBigInt64(k * 8, d[k]!, true)
  else for (let k = 0; k < d.length; k++) dv.setFloat32(k * 4, d[k]!, true)
  return out
}

function writeAttr(w: ProtoWriter, a: Attr): void {
  w.string(1, a.name)
  if ('f' in a) w.float(2, a.f).int(20, ATTR.FLOAT)
  else if ('i' in a) w.int(3, a.i).int(20, ATTR.INT)
  else if ('s' in a) w.string(4, a.s).int(20, ATTR.STRING)
  else if ('t' in a) w.message(5, (m) => writeTensor(m, a.t)).int(20, ATTR.TENSOR)
  else {
    for (const v of a.ints) w.int(8, v)
    w.int(20, ATTR.INTS)
  }
}

function writeValueInfo(w: ProtoWriter, name: string, v: Value): void {
  w.string(1, name)
  w.message(2, (type) =>
    type.message(1, (tt) => {
      tt.int(1, ELEM[v.dtype])
      tt.message(2, (shape) => {
        for (const d of v.shape) {
          shape.message(1, (dim) => {
            if (typeof d === 'number') dim.int(1, d)
            else if (!d.includes('+')) dim.string(2, d)
          })
        }
      })
    }),
  )
}

/** An external-data file of an ONNX model, handed to onnxruntime in memory (session option `externalData`). */
export interface ExternalDataFile {
  /** The `location` the model's TensorProto names: a relative file name. */
  readonly path: string
  readonly data: Uint8Array
}

export interface OnnxWithExternalData {
  model: Uint8Array
  externalData: ExternalDataFile[]
}

/** Canonical ONNX ModelProto bytes for `graph`. */
export function toOnnx(graph: Graph): Uint8Array {
  return writeModel(graph, () => false).model
}

/**
 * ONNX bytes with every initialiser of at least `minBytes` stored as external data, one
 * in-memory file per tensor (`weights/<k>.bin`, a view of the tensor's own memory, no copy).
 * A protobuf holds at most 2 GiB, so a model of real size (the 0.5b config's 1.98 GB of fp32
 * weights) cannot bake its weights in; this way they still load as initialisers — prepacked by
 * the CPU EP and resident on a GPU EP's device — instead of travelling as inputs every run.
 */
export function toOnnxWithExternalData(graph: Graph, minBytes = 1 << 20): OnnxWithExternalData {
  return writeModel(graph, (init) => init.data.byteLength >= minBytes)
}

function writeModel(graph: Graph, external: (init: Initializer) => boolean): OnnxWithExternalData {
  const names = new Map<number, string>()
  for (const { name, value } of graph.inputs) names.set(value.id, name)
  for (const { name, value } of graph.initializers) names.set(value.id, name)
  const aliasOutputs: { from: string; to: string }[] = []
  const nodeOutputIds = new Set(graph.nodes.map((n) => n.output.id))
  for (const { name, value } of graph.outputs) {
    if (nodeOutputIds.has(value.id) && !names.has(value.id)) names.set(value.id, name)
    else aliasOutputs.push({ from: `v${value.id}`, to: name })
  }
  const nameOf = (v: Value) => names.get(v.id) ?? `v${v.id}`

  const nodes: OnnxNode[] = []
  const helperTensors: EmittedTensor[] = []
  const int64Cache = new Map<string, string>()
  let tmpCount = 0
  const ctx: LowerContext = {
    emit(op, inputs, attrs = [], output) {
      const out = output ?? ctx.tmp()
      nodes.push({ op, inputs, outputs: [out], attrs })
      return out
    },
    int64s(values) {
      const key = values.join(',')
      const hit = int64Cache.get(key)
      if (hit) return hit
      const name = `c${int64Cache.size}`
      int64Cache.set(key, name)
      helperTensors.push({ name, dims: [values.length], data: BigInt64Array.from(values, BigInt) })
      return name
    },
    float32Scalar(value) {
      const key = `f32:${value}`
      const hit = int64Cache.get(key)
      if (hit) return hit
      const name = `c${int64Cache.size}`
      int64Cache.set(key, name)
      helperTensors.push({ name, dims: [], data: Float32Array.of(value) })
      return name
    },
    tmp: () => `t${tmpCount++}`,
  }
  for (const node of graph.nodes) {
    const lower = lowerings[node.op] as Lowering<OpName>
    lower(ctx, node, node.inputs.map(nameOf), nameOf(node.output))
  }
  for (const { to } of aliasOutputs) {
    const value = graph.outputs.find((o) => o.name === to)!.value
    ctx.emit('Identity', [nameOf(value)], [], to)
  }

  const externalData: ExternalDataFile[] = []
  const w = new ProtoWriter()
  w.int(1, ONNX_IR_VERSION)
  w.string(2, 'murmur')
  w.message(7, (g) => {
    nodes.forEach((n, k) => {
      g.message(1, (m) => {
        for (const i of n.inputs) m.string(1, i)
        for (const o of n.outputs) m.string(2, o)
        m.string(3, `n${k}_${n.op}`)
        m.string(4, n.op)
        for (const a of n.attrs) m.message(5, (am) => writeAttr(am, a))
      })
    })
    g.string(2, graph.name)
    for (const init of graph.initializers) {
      const t = { name: init.name, dims: init.value.shape as number[], data: init.data }
      if (external(init)) {
        const file = { path: `weights/${externalData.length}.bin`, data: tensorBytes(init) }
        externalData.push(file)
        g.message(5, (m) => writeExternalTensor(m, t, file))
      } else g.message(5, (m) => writeTensor(m, t))
    }
    for (const t of helperTensors) g.message(5, (m) => writeTensor(m, t))
    for (const { name, value } of graph.inputs) g.message(11, (m) => writeValueInfo(m, name, value))
    for (const { name, value } of graph.outputs) g.message(12, (m) => writeValueInfo(m, name, value))
  })
  w.message(8, (o) => o.string(1, '').int(2, ONNX_OPSET))
  return { model: w.finish(), externalData }
}
