import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeTaskSpec } from '../src/tasks/task-spec.js'
import { taskVectors } from './tasks.js'

const file = JSON.parse(readFileSync(new URL('tasks.json', import.meta.url), 'utf8'))

describe('task vectors', () => {
  it('match what the code computes (regenerate with vectors/generate.ts only for a protocol change)', () => {
    expect(JSON.parse(JSON.stringify(taskVectors()))).toEqual(file)
  })

  it('decode their spec bytes back to their specs', () => {
    for (const v of file) expect(decodeTaskSpec(Uint8Array.from(Buffer.from(v.specBytes, 'hex')))).toEqual(v.spec)
  })

  it('cover every family, both splits, and correct, wrong and malformed completions', () => {
    expect(new Set(file.map((v: { spec: { family: string } }) => v.spec.family)).size).toBe(8)
    const rewards = file.flatMap((v: { instances: { rewards: { reward: number }[] }[] }) =>
      v.instances.flatMap((i) => i.rewards.map((r) => r.reward)),
    )
    expect(new Set(rewards)).toEqual(new Set([0, 0.1, 1]))
  })
})
