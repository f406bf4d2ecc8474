import { describe, expect, it } from 'vitest'
import { parseTopic, runTopics } from './topics.js'

const RUN = new Uint8Array(32).map((_, i) => i)

describe('runTopics', () => {
  it('names one topic per message kind under the run id', () => {
    expect(runTopics(RUN)).toMatchInlineSnapshot(`
      {
        "checkpoints": "/murmur/000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f/checkpoints",
        "commitments": "/murmur/000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f/commitments",
        "deltas": "/murmur/000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f/deltas",
        "groups": "/murmur/000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f/groups",
        "offenses": "/murmur/000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f/offenses",
        "roundResults": "/murmur/000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f/round-results",
        "status": "/murmur/000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f/status",
      }
    `)
    expect(runTopics(`0x${Buffer.from(RUN).toString('hex').toUpperCase()}`)).toEqual(runTopics(RUN))
  })

  it('parses its own topics back and refuses anything else', () => {
    const t = runTopics(RUN)
    expect(parseTopic(t.roundResults)).toMatchObject({ name: 'roundResults', kind: 'RoundResult' })
    expect(parseTopic(t.deltas).kind).toBe('Delta')
    expect(parseTopic(t.status)).toMatchObject({ name: 'status', kind: 'PeerStatus' })
    expect(() => parseTopic('/murmur/00/groups')).toThrowErrorMatchingInlineSnapshot(
      `[UnknownTopicError: "/murmur/00/groups" is not a murmur topic (/murmur/<64 hex run id>/groups|deltas|round-results|checkpoints|status|offenses).]`,
    )
    expect(() => runTopics(new Uint8Array(31))).toThrow(
      /^A run id is the 32-byte manifest hash \(64 hex digits\); got "0{62}" \(62 digits\)\.$/,
    )
  })
})
