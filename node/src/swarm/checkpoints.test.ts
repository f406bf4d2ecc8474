import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deriveSeed, initWeights, toHex, weightsHash } from '@murmur/protocol'
import { TOY_CONFIG } from '@murmur/protocol/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { encodePolicy, readLatestSwarmCheckpoint, readSwarmCheckpoint, SWARM_CHECKPOINTS_DIR, writeSwarmCheckpoint } from './checkpoints.js'

const dirs: string[] = []
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'murmur-ckpt-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const weights = initWeights(TOY_CONFIG, deriveSeed('murmur/test/checkpoints', 'w'))
const policy = encodePolicy(TOY_CONFIG, weights)
const numel = [...weights.values()].reduce((n, t) => n + t.data.length, 0)
const momentum = Float32Array.from({ length: numel }, (_, i) => Math.fround(Math.sin(i) * 1e-3))

describe('swarm checkpoints on disk', () => {
  it('keep θ and its outer momentum, and read both back bit for bit', async () => {
    const dir = dataDir()
    await writeSwarmCheckpoint(dir, 3n, policy, 5, momentum)
    const back = await readSwarmCheckpoint(dir, TOY_CONFIG, 3n)
    expect(toHex(back.policyHash)).toBe(toHex(weightsHash(TOY_CONFIG, weights)))
    expect(new Uint8Array(back.momentum!.buffer)).toEqual(new Uint8Array(momentum.buffer))
    // an SGD run has no momentum file
    await writeSwarmCheckpoint(dir, 4n, policy, 5)
    expect((await readSwarmCheckpoint(dir, TOY_CONFIG, 4n)).momentum).toBeNull()
  })

  it('refuse a momentum file that was changed, and fall back to the checkpoint before it', async () => {
    const dir = dataDir()
    await writeSwarmCheckpoint(dir, 1n, policy, 5, momentum)
    await writeSwarmCheckpoint(dir, 2n, policy, 5, momentum)
    writeFileSync(join(dir, SWARM_CHECKPOINTS_DIR, 'round-000002', 'outer-state.bin'), new Uint8Array(numel * 4))
    await expect(readSwarmCheckpoint(dir, TOY_CONFIG, 2n)).rejects.toThrow(
      /round-000002 is unreadable \(outer-state\.bin hashes to [0-9a-f]{64}, checkpoint\.json says [0-9a-f]{64}\)/,
    )
    const warnings: string[] = []
    const latest = await readLatestSwarmCheckpoint(dir, TOY_CONFIG, (w) => warnings.push(w))
    expect(latest?.round).toBe(1n)
    expect(warnings).toHaveLength(1)
  })
})
