import { describe, expect, it } from 'vitest'
import { detectCapabilities, executionProvidersFor } from './capabilities.js'

describe('executionProvidersFor', () => {
  it('prefers webgpu and falls back to wasm when the browser exposes navigator.gpu', () => {
    const caps = detectCapabilities({ hardwareConcurrency: 8, gpu: {} }, true)
    expect(executionProvidersFor(caps)).toEqual(['webgpu', 'wasm'])
  })

  it('uses wasm alone when there is no WebGPU', () => {
    const caps = detectCapabilities({ hardwareConcurrency: 0 }, false)
    expect(caps.hardwareConcurrency).toBe(1)
    expect(executionProvidersFor(caps)).toEqual(['wasm'])
  })
})
