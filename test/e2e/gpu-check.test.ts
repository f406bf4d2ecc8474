import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * test/gpu/check.sh, the prepared GPU device check, on this GPU-less machine: without an NVIDIA
 * Vulkan driver it stops at once and says what is missing; with MURMUR_GPU_CHECK_SOFTWARE=1 it
 * runs every step end to end on SwiftShader (tiny model) and writes its JSON and Markdown.
 */
const script = fileURLToPath(new URL('../gpu/check.sh', import.meta.url))
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json'
const nvidia = ['/usr/share/vulkan/icd.d/nvidia_icd.json', '/etc/vulkan/icd.d/nvidia_icd.json'].some((f) => existsSync(f))

function withoutVulkanOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { VK_ICD_FILENAMES: _icd, VK_DRIVER_FILES: _driver, ...rest } = env
  return rest
}

function runCheck(env: Record<string, string>): Promise<{ code: number | null; stderr: string; out: string }> {
  const out = mkdtempSync(join(tmpdir(), 'murmur-gpu-check-'))
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], {
      env: { ...withoutVulkanOverrides(process.env), OUT: out, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr, out }))
  })
}

describe.skipIf(nvidia)('test/gpu/check.sh without a GPU', () => {
  it('stops at once without an NVIDIA Vulkan driver and says so in its JSON', async () => {
    const r = await runCheck({})
    expect(r.code).toBe(1)
    const report = JSON.parse(readFileSync(join(r.out, 'gpu-check.json'), 'utf8'))
    expect(report.ok).toBe(false)
    expect(report.steps).toEqual([expect.objectContaining({ name: 'vulkan driver', status: 'fail' })])
    expect(report.steps[0].detail).toContain('no NVIDIA Vulkan driver')
    expect(readFileSync(join(r.out, 'gpu-check.md'), 'utf8')).toContain('| vulkan driver | fail |')
  })

  it.skipIf(!existsSync(SWIFTSHADER))(
    'runs doctor, the WebGPU compliance suite and the engine benchmark on SwiftShader with MURMUR_GPU_CHECK_SOFTWARE=1',
    async () => {
      const r = await runCheck({ MURMUR_GPU_CHECK_SOFTWARE: '1', MURMUR_GPU_CHECK_QUICK: '1' })
      expect(r.code, r.stderr).toBe(0)
      const report = JSON.parse(readFileSync(join(r.out, 'gpu-check.json'), 'utf8'))
      expect(report.ok).toBe(true)
      expect(report.vulkanIcd).toBe(SWIFTSHADER)
      expect(report.steps.map((s: { name: string; status: string }) => `${s.name.split(' (')[0]}: ${s.status}`)).toEqual([
        'vulkan driver: skip',
        'murmur doctor: ok',
        'compliance: ok',
        'engine benchmark: ok',
      ])
      expect(report.steps[2].detail).toMatch(/Tests \d+ passed/)
      const engine = JSON.parse(readFileSync(join(r.out, 'engine.json'), 'utf8'))
      const [row] = engine.results.rows
      expect(row).toMatchObject({ config: 'tiny', trainBatch: 1, trainSeq: 8 })
      expect(row.backend).toContain('ort-node webgpu')
      expect(row.decodeTokPerSec['8']).toBeGreaterThan(0)
      expect(readFileSync(join(r.out, 'gpu-check.md'), 'utf8')).toContain('### engine')
    },
    300_000,
  )
})
