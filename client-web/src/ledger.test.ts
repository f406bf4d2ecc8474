import { CONTRIBUTION_LEDGER_ABI, CREDIT_LINKS_ABI } from '@murmur/contracts/abi'
import { Interface } from 'ethers'
import { describe, expect, it } from 'vitest'
import { LEDGER_CLAIM_ABI, LEDGER_VIEWS, LINKS_ABI } from './ledger.js'

describe('the ledger views the page reads', () => {
  it('match the generated ABI of ContributionLedger: same selectors, same inputs and outputs', () => {
    const full = new Interface(CONTRIBUTION_LEDGER_ABI)
    const views = new Interface(LEDGER_VIEWS)
    const claims = new Interface(LEDGER_CLAIM_ABI)
    for (const name of ['claim', 'multicall']) expect(claims.getFunction(name)!.selector, name).toBe(full.getFunction(name)!.selector)
    for (const name of ['runOf', 'creditOf', 'roundOf', 'isClaimed', 'links']) {
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

  it('and those of CreditLinks: the link call, its views and its errors', () => {
    const full = new Interface(CREDIT_LINKS_ABI)
    const ours = new Interface(LINKS_ABI)
    for (const name of ['link', 'ownerOf', 'ownerCreditOf']) {
      expect(ours.getFunction(name)!.selector, name).toBe(full.getFunction(name)!.selector)
      expect(ours.getFunction(name)!.stateMutability, name).toBe(full.getFunction(name)!.stateMutability)
      expect(
        ours.getFunction(name)!.outputs.map((o) => o.format('full')),
        name,
      ).toEqual(full.getFunction(name)!.outputs.map((o) => o.format('full')))
    }
    for (const name of ['LinkUnknownRun', 'LinkAlreadyLinked', 'LinkInvalidSignature', 'LinkTooMany'])
      expect(ours.getError(name)!.selector, name).toBe(full.getError(name)!.selector)
  })
})
