import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (p: string) => fileURLToPath(new URL(`../protocol/src/${p}`, import.meta.url))

export default defineConfig({
  resolve: {
    // test against protocol's sources, so a protocol change is exercised without a rebuild
    alias: [{ find: /^@murmur\/protocol$/, replacement: src('index.ts') }],
  },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
