import { existsSync } from 'node:fs'
import { describeRuntimeCompliance } from '@murmur/protocol/testing'
import { describe, it } from 'vitest'
import { nodeRuntime } from './runtimes.js'

/**
 * onnxruntime-node's bundled WebGPU EP. Without a GPU it runs on Debian chromium's
 * SwiftShader Vulkan driver (DESIGN.md §7): correct and slow, so only the compliance suite's
 * small graphs. CI installs `chromium` for the driver; a machine without it skips with a reason.
 */
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json'
const icd = process.env.VK_ICD_FILENAMES ?? (existsSync(SWIFTSHADER) ? SWIFTSHADER : undefined)

if (icd) {
  process.env.VK_ICD_FILENAMES = icd
  describeRuntimeCompliance('onnxruntime-node webgpu', () => nodeRuntime('webgpu'), { atol: 2e-4, rtol: 2e-4 })
} else {
  describe('runtime compliance: onnxruntime-node webgpu', () => {
    it.skip(`needs a Vulkan driver: install Debian's chromium (for ${SWIFTSHADER}) or set VK_ICD_FILENAMES`, () => {})
  })
}
