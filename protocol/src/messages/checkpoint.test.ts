import { describe, expect, it } from 'vitest'
import { checkpoint } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { sampleCheckpoint } from '../../vectors/fixtures.js'
import { decodeCheckpointAnnouncement, encodeCheckpointAnnouncement } from './checkpoint.js'

describe('CheckpointAnnouncement codec', () => {
  itHasCanonicalCodec(checkpoint, encodeCheckpointAnnouncement, decodeCheckpointAnnouncement)

  it('is 133 bytes', () => {
    expect(encodeCheckpointAnnouncement(sampleCheckpoint).length).toBe(133)
  })

  it('rejects a u64 written where the encoder never writes one', () => {
    expect(() => encodeCheckpointAnnouncement({ ...sampleCheckpoint, round: -1n })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "round": must be a bigint in [0, 2^64), got -1.]`,
    )
  })
})
