import { cpus } from 'node:os'

export interface EnvironmentReport {
  node: string
  platform: string
  arch: string
  cpus: number
  ort: { version: string; backends: string[] }
}

/** What this machine offers murmur: Node version, cores and the onnxruntime backends present. */
export async function describeEnvironment(): Promise<EnvironmentReport> {
  const ort = await import('onnxruntime-node')
  const backends = ort.listSupportedBackends().map((b) => b.name)
  return {
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus().length,
    ort: { version: ort.env.versions.node ?? ort.env.versions.common, backends },
  }
}
