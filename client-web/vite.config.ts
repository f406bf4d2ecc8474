import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Cross-origin isolation lets onnxruntime-web use multi-threaded wasm (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

const here = dirname(fileURLToPath(import.meta.url))
const shim = join(here, 'src/shims/node-builtins.ts')
/** Node built-ins reached by `@murmur/node/browser` (see the shim's comment). */
const nodeOnly = ['node:events', 'node:path', 'node:crypto', 'node:fs/promises', 'node:fs', 'node:module', '@libp2p/tcp']

export default defineConfig({
  resolve: { alias: nodeOnly.map((find) => ({ find: new RegExp(`^${find}$`), replacement: shim })) },
  server: { headers: isolation, host: '127.0.0.1' },
  preview: { headers: isolation, host: '127.0.0.1' },
  // onnxruntime-web's bundle loads its wasm with new URL(…, import.meta.url): Vite emits it as an asset
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2048 },
  test: { include: ['src/**/*.test.ts'] },
})
