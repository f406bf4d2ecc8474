import { describe, expect, it } from 'vitest'
import type { JoinInfo } from './join.js'
import { lanAddress, lanJoinInfo } from './lan.js'

const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') =>
  ({ address, internal, family, netmask: '', mac: '', cidr: null }) as never

describe('lanAddress', () => {
  it('takes the first non-internal IPv4 address, by interface name; null when there is none', () => {
    expect(
      lanAddress({
        lo: [iface('127.0.0.1', true)],
        wlan0: [iface('fe80::1', false, 'IPv6'), iface('192.168.1.20', false)],
        eth0: [iface('10.0.0.5', false)],
      }),
    ).toBe('10.0.0.5')
    expect(lanAddress({ lo: [iface('127.0.0.1', true)] })).toBeNull()
  })
})

describe('lanJoinInfo', () => {
  const info = {
    v: 1,
    runId: `0x${'ab'.repeat(32)}`,
    manifest: '0x00',
    bootstrap: ['/ip4/127.0.0.1/tcp/4002/ws/p2p/16Uiu2A', '/ip4/192.168.1.20/tcp/4002/ws/p2p/16Uiu2A'],
    chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, ledger: `0x${'11'.repeat(20)}` },
  } as unknown as JoinInfo

  it('keeps the bootstrap addresses on the LAN address and points the RPC URL there', () => {
    expect(lanJoinInfo(info, '192.168.1.20')).toMatchObject({
      bootstrap: ['/ip4/192.168.1.20/tcp/4002/ws/p2p/16Uiu2A'],
      chain: { rpcUrl: 'http://192.168.1.20:8545', chainId: 31337 },
    })
  })

  it('leaves a public RPC URL alone', () => {
    const remote = { ...info, chain: { ...info.chain!, rpcUrl: 'https://rpc.example.org/v1' } } as JoinInfo
    expect(lanJoinInfo(remote, '192.168.1.20').chain!.rpcUrl).toBe('https://rpc.example.org/v1')
  })
})
