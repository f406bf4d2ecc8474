/**
 * onnxruntime backends available to a Node peer, each as protocol RuntimeComponents:
 * onnxruntime-node with the CPU or WebGPU EP (and CUDA where the user installed it), and
 * onnxruntime-web's wasm backend running inside Node.
 */
import type { RuntimeComponents } from '@murmur/protocol'

export type NodeDevice = 'cpu' | 'webgpu' | 'cuda' | 'wasm'

export interface NodeRuntimeInit {
  /**
   * Let ORT's worker threads spin while waiting for work (default false). Spinning shaves
   * latency on an idle machine but burns cores a volunteer's machine shares with everything
   * else; measured here with the machine oversubscribed, no-spin made the small model's train
   * step ~1.6× and decode ~2-5× faster.
   */
  spin?: boolean
  /** Intra-op threads (default: onnxruntime's choice, the physical cores). */
  threads?: number
}

export async function nodeRuntime(device: Exclude<NodeDevice, 'wasm'> = 'cpu', init: NodeRuntimeInit = {}): Promise<RuntimeComponents> {
  const ort = await import('onnxruntime-node')
  const spin = init.spin ? '1' : '0'
  return {
    ort,
    executionProviders: [device],
    sessionOptions: {
      ...(init.threads ? { intraOpNumThreads: init.threads } : {}),
      extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
    },
  }
}

export async function wasmRuntime(threads = 1): Promise<RuntimeComponents> {
  const ort = await import('onnxruntime-web')
  ort.env.wasm.numThreads = threads
  return { ort: ort as unknown as RuntimeComponents['ort'], executionProviders: ['wasm'], exclusiveRuns: true }
}
