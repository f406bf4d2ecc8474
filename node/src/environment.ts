import { cpus } from 'node:os'

export interface EnvironmentReport {
  node: string
  platform: string
  arch: string
  cpus: number
  /** backends: shipped in the npm package; installable: known to onnxruntime but installed separately (CUDA, TensorRT). */
  ort: { version: string; backends: string[]; installable: string[] }
}

/** What this machine offers murmur: Node version, cores and the onnxruntime backends present. */
export async function describeEnvironment(): Promise<EnvironmentReport> {
  const ort = await import('onnxruntime-node')
  const listed = ort.listSupportedBackends()
  const backends = listed.filter((b) => b.bundled).map((b) => b.name)
  const installable = listed.filter((b) => !b.bundled).map((b) => b.name)
  return {
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus().length,
    ort: { version: ort.env.versions.node ?? ort.env.versions.common, backends, installable },
  }
}
