import { hashRunManifest, toHex0x } from '@murmur/protocol'
import { describe, expect, it } from 'vitest'
import { type JoinInfo, JoinInfoError, joinInfoFromFragment, joinInfoOf, joinLink, parseJoinInfo } from './join.js'

const manifest = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff)
const info: JoinInfo = {
  v: 1,
  runId: toHex0x(hashRunManifest(manifest)),
  manifest: toHex0x(manifest),
  bootstrap: ['/ip4/127.0.0.1/tcp/4002/ws/p2p/16Uiu2HAmAPBMvuoozXA4fz67Uzm5UWsmXMBtLCT2J88ZpAwTFfkd'],
  chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
}

describe('join information', () => {
  it('round-trips through a link fragment', () => {
    const link = joinLink('http://127.0.0.1:8400/', info)
    expect(link.startsWith('http://127.0.0.1:8400/#join=')).toBe(true)
    expect(joinInfoFromFragment(new URL(link).hash)).toEqual(info)
    expect(joinInfoFromFragment('#other=1')).toBeNull()
  })

  it('refuses what does not hold together, naming the field', () => {
    const bad = (patch: Record<string, unknown>) => () => parseJoinInfo({ ...info, ...patch })
    expect(bad({ v: 2 })).toThrow(/version 2/)
    expect(bad({ runId: toHex0x(new Uint8Array(32)) })).toThrow(/not the hash of join.manifest/)
    expect(bad({ manifest: 'nope' })).toThrow(/join.manifest/)
    expect(bad({ bootstrap: ['/ip4/127.0.0.1/tcp/1'] })).toThrow(/join.bootstrap/)
    expect(bad({ chain: { ...info.chain, rpcUrl: 'ftp://x' } })).toThrow(/join.chain.rpcUrl/)
    expect(bad({ chain: { ...info.chain, chainId: 0 } })).toThrow(/join.chain.chainId/)
    expect(bad({ chain: { ...info.chain, ledger: '0x12' } })).toThrow(/join.chain.ledger/)
    expect(bad({ ice: [{ urls: ['http://stun.example.org'] }] })).toThrow(/join.ice\[0\].urls/)
    expect(bad({ ice: [{ urls: [] }] })).toThrow(/join.ice\[0\].urls/)
    expect(bad({ ice: [{ urls: ['turn:t.example.org'], credential: 'x'.repeat(257) }] })).toThrow(/join.ice\[0\].credential/)
    expect(bad({ ice: Array.from({ length: 9 }, () => ({ urls: ['stun:s.example.org'] })) })).toThrow(/at most 8/)
    expect(() => parseJoinInfo('text')).toThrow(JoinInfoError)
    expect(() => parseJoinInfo(null)).toThrow(/not a JSON object/)
    expect(() => joinInfoFromFragment('#join=%%%')).toThrow(JoinInfoError)
    expect(() => joinInfoFromFragment('#join=bm90IGpzb24')).toThrow(/damaged/)
  })

  it('is built from the serving peers: only their WebSocket addresses, the chain id as a number', () => {
    const peer = {
      multiaddrs: () => [
        '/ip4/127.0.0.1/tcp/4001/p2p/16Uiu2HAmAPBMvuoozXA4fz67Uzm5UWsmXMBtLCT2J88ZpAwTFfkd',
        info.bootstrap[0]!,
        '/dns4/example.org/tcp/443/wss/p2p/16Uiu2HAmAPBMvuoozXA4fz67Uzm5UWsmXMBtLCT2J88ZpAwTFfkd',
      ],
    }
    const built = joinInfoOf({ runId: hashRunManifest(manifest), manifestBytes: manifest }, [peer], { ...info.chain!, chainId: 31337n })
    expect(built.bootstrap).toEqual([info.bootstrap[0], peer.multiaddrs()[2]])
    expect(parseJoinInfo(JSON.parse(JSON.stringify(built)))).toEqual({ ...info, bootstrap: built.bootstrap })
    expect(joinInfoOf({ runId: hashRunManifest(manifest), manifestBytes: manifest }, []).chain).toBeUndefined()
  })

  it("carries the operator's STUN/TURN servers for WebRTC between tabs, through a link too", () => {
    const ice = [{ urls: ['stun:stun.example.org:3478'] }, { urls: ['turns:turn.example.org:5349'], username: 'u', credential: 'c' }]
    const built = joinInfoOf({ runId: hashRunManifest(manifest), manifestBytes: manifest }, [], undefined, ice)
    expect(built.ice).toEqual(ice)
    expect(joinInfoFromFragment(new URL(joinLink('http://127.0.0.1:8400/', built)).hash)?.ice).toEqual(ice)
    expect(joinInfoOf({ runId: hashRunManifest(manifest), manifestBytes: manifest }, [], undefined, []).ice).toBeUndefined()
  })
})
