import { CONTRIBUTION_LEDGER_ABI } from '@murmur/contracts/abi'
import { Interface } from 'ethers'
import { describe, expect, it } from 'vitest'
import { LEDGER_VIEWS } from './ledger.js'

describe('the ledger views the page reads', () => {
  it('match the generated ABI of ContributionLedger: same selectors, same inputs and outputs', () => {
    const full = new Interface(CONTRIBUTION_LEDGER_ABI)
    const views = new Interface(LEDGER_VIEWS)
    for (const name of ['runOf', 'creditOf', 'roundOf', 'isClaimed']) {
      const a = full.getFunction(name)!
      const b = views.getFunction(name)!
      expect(b.selector, name).toBe(a.selector)
      expect(
        b.outputs.map((o) => o.format('full')),
        name,
      ).toEqual(a.outputs.map((o) => o.format('full')))
      expect(b.stateMutability).toBe('view')
    }
    expect(views.getEvent('RoundCommitted')!.topicHash).toBe(full.getEvent('RoundCommitted')!.topicHash)
    expect(views.getEvent('RoundCommitted')!.inputs.map((i) => `${i.format('full')}`)).toEqual(
      full.getEvent('RoundCommitted')!.inputs.map((i) => `${i.format('full')}`),
    )
  })
})
