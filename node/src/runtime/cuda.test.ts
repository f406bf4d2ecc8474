import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describeRuntimeCompliance } from '@murmur/protocol/testing'
import { describe, it } from 'vitest'
import { ortNativeDir } from './device.js'
import { nodeRuntime } from './runtimes.js'

/**
 * onnxruntime-node's CUDA EP, where `murmur setup cuda` installed it (it is not in the npm
 * package). The GPU check (test/gpu/check.sh) runs this on a machine with an NVIDIA GPU;
 * elsewhere it skips, saying why.
 */
const provider = join(ortNativeDir(), 'libonnxruntime_providers_cuda.so')

if (existsSync(provider)) {
  describeRuntimeCompliance('onnxruntime-node cuda', () => nodeRuntime('cuda'), { atol: 2e-4, rtol: 2e-4 })
} else {
  describe('runtime compliance: onnxruntime-node cuda', () => {
    it.skip(`the CUDA EP is not installed (${provider} is missing; see murmur setup cuda)`, () => {})
  })
}
