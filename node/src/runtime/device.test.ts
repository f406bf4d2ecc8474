import { describe, expect, it } from 'vitest'
import { selectDevice } from './device.js'

describe('selectDevice', () => {
  it('proves the CPU execution provider with a real session', async () => {
    const s = await selectDevice('cpu')
    expect(s.device).toBe('cpu')
    expect(s.runtime.executionProviders).toEqual(['cpu'])
    expect(s.log).toEqual(['cpu: ok'])
  })

  it('proves onnxruntime-web wasm inside Node', async () => {
    const s = await selectDevice('wasm')
    expect(s.runtime.executionProviders).toEqual(['wasm'])
  })

  it('explains what is missing when CUDA is requested without the CUDA EP, instead of falling back', async () => {
    await expect(selectDevice('cuda')).rejects.toMatchObject({
      name: 'DeviceUnavailableError',
      message: expect.stringContaining('the CUDA execution provider is not installed'),
    })
  })

  it('auto skips unavailable providers, says why, and ends on a working one', async () => {
    const s = await selectDevice('auto')
    expect(['webgpu', 'cpu']).toContain(s.device)
    expect(s.log[0]).toMatch(/^cuda: unavailable/)
    expect(s.log.at(-1)).toBe(`${s.device}: ok`)
  })
})
