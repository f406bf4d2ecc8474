/**
 * Execution-provider selection for a Node peer. Every device is proven with a real session
 * (a one-node graph run end to end), never assumed from a package listing: onnxruntime-node
 * throws for ['cuda', 'cpu'] when the CUDA EP is absent instead of falling back, and the
 * WebGPU EP needs a Vulkan driver at run time. `auto` tries CUDA, then WebGPU, then CPU.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { GraphBuilder, GraphSession, ops, type RuntimeComponents, toOnnx } from '@murmur/protocol'
import { type NodeDevice, nodeRuntime, wasmRuntime } from './runtimes.js'

export type DeviceChoice = NodeDevice | 'auto'
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'cpu', 'wasm', 'webgpu', 'cuda']

/** Debian chromium's SwiftShader Vulkan ICD: WebGPU without a GPU (correct, slow). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json'

export interface SelectedDevice {
  device: NodeDevice
  runtime: RuntimeComponents
  /** One line per device tried, in order: why it was taken or skipped. */
  log: string[]
}

export class DeviceUnavailableError extends Error {
  override name = 'DeviceUnavailableError' as const
  readonly exitCode = 1
}

const HINTS: Record<NodeDevice, string> = {
  cpu: 'onnxruntime-node failed to load; reinstall with `npm ci`.',
  wasm: 'onnxruntime-web failed to load; reinstall with `npm ci`.',
  webgpu: `needs a Vulkan driver: an NVIDIA/AMD/Intel GPU driver, or Debian's chromium package for SwiftShader (${SWIFTSHADER_ICD}, set VK_ICD_FILENAMES to it) and libvulkan1.`,
  cuda: 'the CUDA execution provider is not installed (it is not in the npm package); on Linux x64 with an NVIDIA GPU, CUDA 12 and cuDNN 9, run `murmur setup cuda`: it checks those, then runs onnxruntime-node’s installer with ONNXRUNTIME_NODE_INSTALL=cuda12 (needs the network; offline, see docs/OPERATING.md "GPU peers: CUDA").',
}

/** Where onnxruntime-node keeps its native libraries (the CUDA EP's must be installed there). */
export function ortNativeDir(): string {
  const main = createRequire(import.meta.url).resolve('onnxruntime-node')
  return join(dirname(main), '..', 'bin', 'napi-v6', process.platform, process.arch)
}

/**
 * Whether the machine exposes a GPU to Vulkan: DRM render nodes (Mesa, AMD, Intel, and NVIDIA
 * desktops) or NVIDIA's own device nodes (headless NVIDIA servers often have no /dev/dri). Then
 * the Vulkan loader finds the vendor's ICD itself and murmur must not point it at SwiftShader.
 */
function hasGpuDeviceNodes(): boolean {
  return existsSync('/dev/dri') || existsSync('/dev/nvidiactl') || existsSync('/dev/nvidia0')
}

async function runtimeFor(device: NodeDevice): Promise<RuntimeComponents> {
  if (device === 'wasm') return wasmRuntime()
  if (device === 'cuda' && !existsSync(join(ortNativeDir(), 'libonnxruntime_providers_cuda.so'))) {
    throw new Error(`libonnxruntime_providers_cuda.so is not in ${ortNativeDir()}`)
  }
  if (device === 'webgpu' && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD) && !hasGpuDeviceNodes()) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD // no GPU device nodes: use the software driver
  }
  return nodeRuntime(device)
}

/** Proves a runtime by loading and running a one-Gemm graph; resolves to an error message or null. */
export async function probeRuntime(runtime: RuntimeComponents): Promise<string | null> {
  const b = new GraphBuilder('probe')
  const x = b.input('x', 'float32', [1, 2])
  b.output('y', ops.gemm(b, x, b.constant('w', [2, 2], Float32Array.of(1, 2, 3, 4)), false, true))
  let session: GraphSession | undefined
  try {
    // a failed probe is an expected outcome, reported through the return value, not the log
    const quiet = { ...runtime, sessionOptions: { ...runtime.sessionOptions, logSeverityLevel: 4 as const } }
    session = await GraphSession.create(quiet, toOnnx(b.finish()), 'the device probe')
    const y = await session.run({ x: { dtype: 'float32', shape: [1, 2], data: Float32Array.of(1, 1) } })
    const got = Array.from(y.y!.data)
    return got[0] === 3 && got[1] === 7 ? null : `wrong result ${got.join(', ')} (expected 3, 7)`
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  } finally {
    await session?.release()
  }
}

/** Resolves `--device` to a proven runtime, or throws DeviceUnavailableError saying why. */
export async function selectDevice(choice: DeviceChoice): Promise<SelectedDevice> {
  const candidates: NodeDevice[] = choice === 'auto' ? ['cuda', 'webgpu', 'cpu'] : [choice]
  const log: string[] = []
  for (const device of candidates) {
    let problem: string | null
    let runtime: RuntimeComponents | undefined
    try {
      runtime = await runtimeFor(device)
      problem = await probeRuntime(runtime)
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err)
    }
    if (!problem && runtime) {
      log.push(`${device}: ok`)
      return { device, runtime, log }
    }
    const short = (problem ?? '').split('\n')[0]!.slice(0, 200)
    log.push(`${device}: unavailable (${short}); ${HINTS[device]}`)
  }
  throw new DeviceUnavailableError(
    choice === 'auto'
      ? `No execution provider works on this machine:\n  ${log.join('\n  ')}`
      : `Device "${choice}" is unavailable: ${HINTS[choice]}\n  ${log[0]}`,
  )
}
