import { describe, expect, it } from 'vitest'
import { roundLineReady } from './local.js'

describe('roundLineReady', () => {
  const live = ['0xa', '0xb', '0xc']

  it('waits until every live peer closed the round', () => {
    const latest = new Map([
      ['0xa', 3],
      ['0xb', 3],
    ])
    expect(roundLineReady(3, live, [{ address: '0xa' }, { address: '0xb' }], latest)).toBe('wait')
    latest.set('0xc', 3)
    expect(roundLineReady(3, live, [{ address: '0xa' }, { address: '0xb' }, { address: '0xc' }], latest)).toEqual({ syncedPast: 0 })
  })

  it('counts a peer that reported a later round and not this one as synced past it, not as closing it', () => {
    const latest = new Map([
      ['0xa', 3],
      ['0xb', 3],
      ['0xc', 5],
    ])
    expect(roundLineReady(3, live, [{ address: '0xa' }, { address: '0xb' }], latest)).toEqual({ syncedPast: 1 })
    // a peer still at this round (or behind it) with no report may yet close it
    latest.set('0xc', 3)
    expect(roundLineReady(3, live, [{ address: '0xa' }, { address: '0xb' }], latest)).toBe('wait')
  })

  it('waits while no peer is live, and gives no line to wait on when all went past', () => {
    expect(roundLineReady(0, [], [], new Map())).toBe('wait')
    expect(roundLineReady(2, ['0xa'], [], new Map([['0xa', 4]]))).toEqual({ syncedPast: 1 })
  })
})
