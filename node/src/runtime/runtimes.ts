/**
 * onnxruntime backends available to a Node peer, each as protocol RuntimeComponents:
 * onnxruntime-node with the CPU or WebGPU EP (and CUDA where the user installed it), and
 * onnxruntime-web's wasm backend running inside Node.
 */
import type { RuntimeComponents } from '@murmur/protocol'

export type NodeDevice = 'cpu' | 'webgpu' | 'cuda' | 'wasm'

export async function nodeRuntime(device: Exclude<NodeDevice, 'wasm'> = 'cpu'): Promise<RuntimeComponents> {
  const ort = await import('onnxruntime-node')
  return { ort, executionProviders: [device] }
}

export async function wasmRuntime(threads = 1): Promise<RuntimeComponents> {
  const ort = await import('onnxruntime-web')
  ort.env.wasm.numThreads = threads
  return { ort: ort as unknown as RuntimeComponents['ort'], executionProviders: ['wasm'] }
}
