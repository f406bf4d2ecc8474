/**
 * Exact multiply-add count of a graph's matrix products (Gemm/MatMul), for benchmarks'
 * achieved-GFLOP/s figures. Symbolic dimensions take the values in `dims`.
 */
import type { Graph, Shape } from './graph.js'

export function matmulFlops(graph: Graph, dims: Readonly<Record<string, number>> = {}): number {
  const n = (d: Shape[number]): number => (typeof d === 'number' ? d : d.split('+').reduce((s, p) => s + (dims[p] ?? Number(p)), 0))
  let flops = 0
  for (const node of graph.nodes) {
    if (node.op !== 'gemm' && node.op !== 'matmul') continue
    const out = node.output.shape.map(n)
    const a = node.inputs[0]!.shape.map(n)
    const k = node.op === 'gemm' && (node.attrs as { transA: boolean }).transA ? a[0]! : a.at(-1)!
    flops += 2 * k * out.reduce((x, y) => x * y, 1)
  }
  return flops
}
