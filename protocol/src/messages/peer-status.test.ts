import { describe, expect, it } from 'vitest'
import { peerStatus } from '../../vectors/arbitraries.js'
import { itHasCanonicalCodec } from '../../vectors/codec-properties.js'
import { samplePeerStatus } from '../../vectors/fixtures.js'
import { MAX_PEER_CLIENT_BYTES, MAX_PEER_DEVICE_BYTES } from '../constants.js'
import { decodePeerStatus, encodePeerStatus, peerRolesMask, peerRolesOfMask } from './peer-status.js'
import { SIGNED_CODECS } from './signed.js'

describe('PeerStatus codec', () => {
  itHasCanonicalCodec(peerStatus, encodePeerStatus, decodePeerStatus)

  it('is 70 bytes plus its two strings, and the envelope limit fits the longest', () => {
    expect(encodePeerStatus(samplePeerStatus).length).toBe(70 + 4 + 'webgpu'.length + 4 + 'murmur-web/0.1.0'.length)
    const longest = encodePeerStatus({
      ...samplePeerStatus,
      device: 'd'.repeat(MAX_PEER_DEVICE_BYTES),
      client: 'c'.repeat(MAX_PEER_CLIENT_BYTES),
    })
    expect(longest.length).toBe(SIGNED_CODECS.PeerStatus.maxBodyBytes)
  })

  it('maps roles to the bitmask worker 1, trainer 2, validator 4 and back', () => {
    expect(peerRolesMask(['validator', 'worker'])).toBe(5)
    expect(peerRolesOfMask(7)).toEqual(['worker', 'trainer', 'validator'])
    expect(peerRolesOfMask(peerRolesMask(['trainer']))).toEqual(['trainer'])
  })

  it('refuses to encode what it would not decode', () => {
    expect(() => encodePeerStatus({ ...samplePeerStatus, roles: 8 })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: PeerStatus.roles is a bitmask of worker 1, trainer 2, validator 4; got 8.]`,
    )
    expect(() => encodePeerStatus({ ...samplePeerStatus, device: 'gpü' })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: PeerStatus.device must be printable ASCII, got "gpü".]`,
    )
    expect(() => encodePeerStatus({ ...samplePeerStatus, device: '' })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: PeerStatus.device must not be empty.]`,
    )
    expect(() => encodePeerStatus({ ...samplePeerStatus, client: 'x'.repeat(41) })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: Cannot encode field "client": is 41 bytes; the limit is 40.]`,
    )
    expect(() => encodePeerStatus({ ...samplePeerStatus, tokensPerSecond: 1.5 })).toThrow(/tokensPerSecond/)
  })

  it('rejects unknown role bits, non-ASCII and empty devices, naming the field and offset', () => {
    const bytes = encodePeerStatus(samplePeerStatus)
    const roles = bytes.slice()
    roles[61] = 8
    expect(() => decodePeerStatus(roles)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode PeerStatus: field "roles" at byte 61 is 8, outside [0, 7].]`,
    )
    const tab = bytes.slice()
    tab[66] = 0x09 // 'w' of "webgpu" → TAB
    expect(() => decodePeerStatus(tab)).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode PeerStatus: field "device" at byte 62 has a character outside printable ASCII (0x20-0x7e).]`,
    )
    const empty = encodePeerStatus({ ...samplePeerStatus, device: 'x' })
    empty.set([0, 0, 0, 0], 62)
    expect(() => decodePeerStatus(Uint8Array.from([...empty.slice(0, 66), ...empty.slice(67)]))).toThrowErrorMatchingInlineSnapshot(
      `[MessageDecodeError: Cannot decode PeerStatus: field "device" at byte 62 is empty.]`,
    )
  })
})
