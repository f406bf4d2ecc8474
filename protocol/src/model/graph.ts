// consensus-critical: graph construction order fixes value ids, hence ONNX names and bytes.
/**
 * murmur's graph IR: plain data (values, nodes, initialisers) built in program order by a
 * {@link GraphBuilder}. Every node has exactly one output. Shapes are tracked at build time;
 * a dimension is a number or a symbolic name (an ONNX `dim_param`, e.g. 'batch').
 *
 * Why our own IR: onnxruntime has no training API for JavaScript and npm has no ONNX graph
 * builder (DESIGN.md §2), so murmur builds forward and backward graphs itself.
 */
import { GraphError } from '../errors.js'
import { type AttrsOf, inferOp, type OpName } from './ops.js'

export type DType = 'float32' | 'int64'
export type Dim = number | string
export type Shape = readonly Dim[]

export interface Value {
  readonly id: number
  readonly dtype: DType
  readonly shape: Shape
}

export interface Node<K extends OpName = OpName> {
  readonly op: K
  readonly inputs: readonly Value[]
  readonly output: Value
  readonly attrs: AttrsOf<K>
}

export type ConstantData = Float32Array | BigInt64Array

export interface GraphInput {
  readonly name: string
  readonly value: Value
}

export interface Initializer {
  readonly name: string
  readonly value: Value
  readonly data: ConstantData
}

export interface GraphOutput {
  readonly name: string
  readonly value: Value
}

/** A finished graph: everything the ONNX writer and the reference evaluator need. */
export interface Graph {
  readonly name: string
  readonly inputs: readonly GraphInput[]
  readonly initializers: readonly Initializer[]
  readonly nodes: readonly Node[]
  readonly outputs: readonly GraphOutput[]
}

export function numel(shape: Shape): number {
  let n = 1
  for (const d of shape) {
    if (typeof d !== 'number')
      throw new GraphError(`Shape [${shape.join(', ')}] has symbolic dimension "${d}"; a static size is needed here.`)
    n *= d
  }
  return n
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number')
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`
}

/**
 * Records nodes in program order. Op helpers live in `ops.ts` as free functions taking the
 * builder, so model code reads like `matmul(b, x, w)`.
 */
export class GraphBuilder {
  readonly name: string
  private nextId = 0
  private readonly _inputs: GraphInput[] = []
  private readonly _initializers: Initializer[] = []
  private readonly _nodes: Node[] = []
  private readonly _outputs: GraphOutput[] = []
  private readonly names = new Set<string>()
  private readonly scalarCache = new Map<string, Value>()
  /** Which node produced each value id (absent for inputs and initialisers). */
  readonly producer = new Map<number, Node>()

  constructor(name: string) {
    this.name = name
  }

  private newValue(dtype: DType, shape: Shape): Value {
    return { id: this.nextId++, dtype, shape: [...shape] }
  }

  private claim(name: string): void {
    if (!/^[A-Za-z_][A-Za-z0-9_.:/-]*$/.test(name)) throw new GraphError(`Invalid graph name "${name}".`)
    if (this.names.has(name)) throw new GraphError(`Graph name "${name}" is used twice.`)
    this.names.add(name)
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    this.claim(name)
    const value = this.newValue(dtype, shape)
    this._inputs.push({ name, value })
    return value
  }

  constant(name: string, shape: readonly number[], data: ConstantData): Value {
    this.claim(name)
    if (data.length !== numel(shape))
      throw new GraphError(`Constant "${name}" has ${data.length} elements; shape ${formatShape(shape)} needs ${numel(shape)}.`)
    const value = this.newValue(data instanceof BigInt64Array ? 'int64' : 'float32', shape)
    this._initializers.push({ name, value, data })
    return value
  }

  /** A float32 scalar constant, shared by every use of the same value. */
  scalar(x: number): Value {
    const key = Object.is(x, -0) ? '0' : String(x)
    const hit = this.scalarCache.get(key)
    if (hit) return hit
    if (!Number.isFinite(x)) throw new GraphError(`Scalar constant must be finite, got ${x}.`)
    const v = this.constant(`const.${this.scalarCache.size}`, [], Float32Array.of(x))
    this.scalarCache.set(key, v)
    return v
  }

  node<K extends OpName>(op: K, inputs: readonly Value[], attrs: AttrsOf<K>): Value {
    const { dtype, shape } = inferOp(op, inputs, attrs)
    const output = this.newValue(dtype, shape)
    const node: Node<K> = { op, inputs: [...inputs], output, attrs }
    this._nodes.push(node as unknown as Node)
    this.producer.set(output.id, node as unknown as Node)
    return output
  }

  output(name: string, value: Value): void {
    this.claim(name)
    this._outputs.push({ name, value })
  }

  get nodes(): readonly Node[] {
    return this._nodes
  }

  finish(): Graph {
    if (this._outputs.length === 0) throw new GraphError(`Graph "${this.name}" has no outputs.`)
    return {
      name: this.name,
      inputs: [...this._inputs],
      initializers: [...this._initializers],
      nodes: [...this._nodes],
      outputs: [...this._outputs],
    }
  }
}
