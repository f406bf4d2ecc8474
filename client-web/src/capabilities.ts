/** What this browser can offer a swarm: WebGPU for compute, cross-origin isolation for threaded wasm. */
export interface BrowserCapabilities {
  webgpu: boolean
  crossOriginIsolated: boolean
  hardwareConcurrency: number
}

export function detectCapabilities(
  nav: Pick<Navigator, 'hardwareConcurrency'> & { gpu?: unknown },
  isolated: boolean,
): BrowserCapabilities {
  return {
    webgpu: nav.gpu !== undefined,
    crossOriginIsolated: isolated,
    hardwareConcurrency: nav.hardwareConcurrency || 1,
  }
}

/** Execution providers to try, in order: WebGPU when an adapter API exists, wasm always. */
export function executionProvidersFor(caps: BrowserCapabilities): string[] {
  return caps.webgpu ? ['webgpu', 'wasm'] : ['wasm']
}
