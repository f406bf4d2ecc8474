/**
 * A toy run directory with a trained genesis, for the swarm tests: a one-layer, width-64 model
 * of the tiny vocabulary on one-digit addition, warmed up just enough that groups have reward
 * variance (so trainers produce deltas) in a few seconds on two cores.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGenesis, nodeRuntime, writeRun } from '@murmur/node'
import { createSoloRun, taskSpecFromDifficulty } from '@murmur/protocol'
import { TOY_CONFIG } from '@murmur/protocol/testing'

export async function toySwarmRun({ promptsPerPeer = 8 }: { promptsPerPeer?: number } = {}): Promise<{ dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-swarm-run-'))
  const run = createSoloRun({
    name: 'toy-swarm',
    model: 'toy',
    config: TOY_CONFIG,
    task: taskSpecFromDifficulty('addition', '1'),
    seed: new Uint8Array(32).fill(7),
    grpo: { groupSize: 8, promptsPerPeer, maxCompletionTokens: 3, learningRate: 3e-3, trainBatchSize: 64 },
    warmup: { steps: 150, batchSize: 32, learningRate: 3e-3, evalEvery: 1000, evalProblems: 32, targetAccuracy: 1 },
    evalEvery: 1000,
    evalProblems: 32,
  })
  await writeRun(dir, run)
  await createGenesis({ runtime: await nodeRuntime('cpu'), runDir: dir })
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}
