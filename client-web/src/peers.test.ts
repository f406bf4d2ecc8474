import type { PeerStatusRow } from '@murmur/node/browser'
import { describe, expect, it } from 'vitest'
import { version } from '../package.json'
import { type ContributorTotals, joinPeers, peerCells, WEB_CLIENT } from './peers.js'

const A = `0x${'a'.repeat(40)}` as const
const B = `0x${'b'.repeat(40)}` as const
const C = `0x${'c'.repeat(40)}` as const

const status = (address: `0x${string}`, over: Partial<PeerStatusRow> = {}): PeerStatusRow => ({
  address,
  roles: ['worker'],
  device: 'cpu',
  client: 'murmur-node/0.1.0',
  tokensPerSecond: 900,
  groupsPublished: 16,
  round: 3,
  ...over,
})

describe('joinPeers', () => {
  it('joins statuses with credited totals by address, most credit first; either side may be missing', () => {
    const contributors = new Map<string, ContributorTotals>([
      [B.toUpperCase().replace('0X', '0x'), { groups: 4, deltas: 1, credit: 500n, forfeits: 2 }],
      [C, { groups: 1, deltas: 0, credit: 2_000n, forfeits: 0 }],
    ])
    const rows = joinPeers([status(A, { device: 'webgpu', roles: ['worker', 'trainer'] }), status(B)], contributors)
    expect(rows.map((r) => [r.address, r.status?.device ?? null, r.groups, r.deltas, r.credit])).toEqual([
      [C, null, 1, 0, 2_000n],
      [B, 'cpu', 4, 1, 500n],
      [A, 'webgpu', 0, 0, 0n],
    ])
    expect(peerCells(rows[2]!, A)).toEqual(['0xaaaaaaaa…aaaa (you)', 'worker trainer', 'webgpu', '900', '0', '0', '0', '—'])
    expect(peerCells(rows[0]!, A)).toEqual(['0xcccccccc…cccc', '—', '—', '—', '1', '0', '2000', '—'])
    // rounds lost to a proven offense
    expect(peerCells(rows[1]!, A).at(-1)).toBe('2')
  })

  it('names the client-web package version in the browser peer’s client string', () => {
    expect(WEB_CLIENT).toBe(`murmur-web/${version}`)
  })
})
