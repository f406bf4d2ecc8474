import { describeRuntimeCompliance } from '@murmur/protocol/testing'
import { nodeRuntime, wasmRuntime } from './runtimes.js'

describeRuntimeCompliance('onnxruntime-node cpu', () => nodeRuntime('cpu'))
describeRuntimeCompliance('onnxruntime-web wasm (in Node)', () => wasmRuntime())
