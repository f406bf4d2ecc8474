import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url))

export default defineConfig({
  resolve: {
    // integration tests exercise the packages' sources; e2e tests run the built CLI
    alias: [
      { find: /^@murmur\/protocol\/testing$/, replacement: src('protocol/src/testing/index.ts') },
      { find: /^@murmur\/protocol$/, replacement: src('protocol/src/index.ts') },
      { find: /^@murmur\/node$/, replacement: src('node/src/index.ts') },
      { find: /^@murmur\/contracts$/, replacement: src('contracts/src/index.ts') },
    ],
  },
  test: {
    include: ['integration/**/*.test.ts', 'e2e/**/*.test.ts', 'bench/**/*.test.ts'],
    setupFiles: ['../node/src/polyfill.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
})
