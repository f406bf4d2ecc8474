import { describe, expect, it } from 'vitest'
import { toHex } from '../crypto/hash.js'
import { decodeRunManifest, encodeRunManifest, hashRunManifest } from '../messages/run-manifest.js'
import { NAMED_CONFIGS } from '../model/config.js'
import { taskSpecFromDifficulty } from '../tasks/task-spec.js'
import { createSoloRun } from './solo-run.js'
import { DEFAULT_SWARM, decodeModelConfig, encodeModelConfig, soloRunOfManifest, swarmManifest } from './swarm-run.js'

const run = {
  ...createSoloRun({
    name: 'r',
    model: 'tiny',
    config: NAMED_CONFIGS.tiny,
    task: taskSpecFromDifficulty('addition', '2'),
    seed: new Uint8Array(32).fill(1),
    grpo: { learningRate: 3e-4 },
  }),
  genesisPolicyHash: 'ab'.repeat(32),
}
const settings = {
  ...DEFAULT_SWARM,
  chainId: 31337n,
  ledger: new Uint8Array(20).fill(9),
  validators: [new Uint8Array(20).fill(1), new Uint8Array(20).fill(2)],
  quorum: 2,
  bootstrap: ['/ip4/127.0.0.1/tcp/4001/p2p/16Uiu2HAmAmhC1CaiZAXUPYtxMXJECpnY8ho1wETS3VCfjnQPabcv'],
  roundDurationMs: 30_000,
}

describe('swarm manifest of a run', () => {
  it('carries the consensus fields of run.json, float32-rounded, and reads back into an equivalent run', () => {
    const bytes = encodeRunManifest(swarmManifest(run, settings))
    const m = decodeRunManifest(bytes)
    expect(m.learningRate).toBe(Math.fround(3e-4))
    expect(decodeModelConfig(m.modelConfig)).toEqual(NAMED_CONFIGS.tiny)
    const back = soloRunOfManifest(m, hashRunManifest(bytes))
    expect(back).toMatchObject({
      taskParams: run.taskParams,
      groupSize: run.groupSize,
      promptsPerPeer: run.promptsPerPeer,
      maxCompletionTokens: run.maxCompletionTokens,
      genesisPolicyHash: run.genesisPolicyHash,
      topP: 1,
      seed: `0x${toHex(hashRunManifest(bytes))}`,
    })
    // the same inputs give the same bytes: the run id is reproducible from run.json
    expect(encodeRunManifest(swarmManifest(run, settings))).toEqual(bytes)
  })

  it('needs a trained genesis and full-distribution sampling', () => {
    expect(() => swarmManifest({ ...run, genesisPolicyHash: null }, settings)).toThrow(/no genesis policy yet/)
    expect(() => swarmManifest({ ...run, topP: 0.9 }, settings)).toThrow(/topP 1/)
  })

  it('accepts only the canonical model config bytes', () => {
    const bytes = encodeModelConfig(NAMED_CONFIGS.tiny)
    const text = new TextDecoder().decode(bytes)
    expect(text.startsWith('{"')).toBe(true)
    expect(() => decodeModelConfig(new TextEncoder().encode(` ${text}`))).toThrow(/not in canonical form/)
    expect(() => decodeModelConfig(Uint8Array.of(0xff))).toThrow(/not UTF-8 JSON/)
  })
})
