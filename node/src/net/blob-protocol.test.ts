import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BLOB_HASH_BYTES, BLOB_RANGE_REQUEST_BYTES, decodeBlobRequest, encodeBlobRequest } from './blob-protocol.js'

describe('/murmur/blob/1 requests', () => {
  it('round-trips a whole-blob and a ranged request', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.option(fc.record({ offset: fc.maxSafeNat(), length: fc.nat({ max: 0xffffffff }) }), { nil: undefined }),
        (key, range) => {
          const bytes = encodeBlobRequest(key, range)
          expect(bytes.length).toBe(range === undefined ? BLOB_HASH_BYTES : BLOB_RANGE_REQUEST_BYTES)
          const back = decodeBlobRequest(bytes)
          expect(back).not.toBeNull()
          expect([...back!.key]).toEqual([...key])
          expect(back!.range).toEqual(range)
        },
      ),
    )
  })

  it('lays a range out as key ‖ u64 BE offset ‖ u32 BE length', () => {
    const bytes = encodeBlobRequest(new Uint8Array(32).fill(0xaa), { offset: 0x0102030405, length: 0x0a0b0c0d })
    expect(Buffer.from(bytes.subarray(32)).toString('hex')).toBe('00000001020304050a0b0c0d')
  })

  it('refuses any other length and an offset past 2^53', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        if (bytes.length !== BLOB_HASH_BYTES && bytes.length !== BLOB_RANGE_REQUEST_BYTES) expect(decodeBlobRequest(bytes)).toBeNull()
      }),
    )
    const far = new Uint8Array(BLOB_RANGE_REQUEST_BYTES)
    new DataView(far.buffer).setBigUint64(32, 2n ** 53n)
    expect(decodeBlobRequest(far)).toBeNull()
  })
})
