import { describe, expect, it } from 'vitest'
import { walletError } from './wallet.js'

describe('walletError', () => {
  it('tells the user what the wallet or the ledger said, in a line', () => {
    // a wallet's EIP-1193 rejection, as a raw error and as ethers wraps it
    expect(walletError({ code: 4001, message: 'User rejected the request.' })).toBe('the wallet declined the request')
    expect(walletError({ code: 'ACTION_REJECTED', shortMessage: 'user rejected action' })).toBe('the wallet declined the request')
    expect(walletError({ code: 'UNKNOWN_ERROR', info: { error: { code: 4001 } } })).toBe('the wallet declined the request')
    // the ledger's custom errors, decoded by ethers from LINKS_ABI
    expect(walletError({ code: 'CALL_EXCEPTION', revert: { name: 'LinkAlreadyLinked' } })).toBe(
      'this browser key already gives its credit to a wallet',
    )
    expect(walletError({ code: 'CALL_EXCEPTION', revert: { name: 'LedgerAlreadyClaimed' } })).toBe(
      'the ledger refused: LedgerAlreadyClaimed',
    )
    // anything else: its short message, bounded
    expect(walletError(new Error('x'.repeat(500)))).toHaveLength(200)
    expect(walletError('network down')).toBe('network down')
  })
})
