import { describe, expect, it } from 'vitest'
import { alice, domain, POLICY_0, validator } from '../../vectors/fixtures.js'
import { sampleRound } from '../messages/samples.js'
import { encodeSignedMessage, signMessage } from '../messages/signed.js'
import { type RoundResultExpectation, verifyRoundResult } from './round-result.js'

const expected: RoundResultExpectation = { domain, round: 0n, previousPolicyHash: POLICY_0, validators: [validator.address] }
const show = (v: { ok: boolean; reason?: string; detail?: string }) => (v.ok ? 'ok' : `${v.reason}: ${v.detail}`)

describe('verifyRoundResult', () => {
  const { roundResult } = sampleRound()

  it('accepts a validator-signed result whose root matches its credits', () => {
    const v = verifyRoundResult({
      message: encodeSignedMessage(signMessage('RoundResult', roundResult, domain, validator.privateKey)),
      expected,
    })
    expect(show(v)).toBe('ok')
  })

  it('rejects a result signed by a non-validator', () => {
    const v = verifyRoundResult({ message: signMessage('RoundResult', roundResult, domain, alice.privateKey), expected })
    expect(show(v)).toMatch(/^not-validator: /)
  })

  it('rejects credits that do not match the declared root', () => {
    const inflated = { ...roundResult, credits: roundResult.credits.map((c) => ({ ...c, credit: c.credit + 1n })) }
    const v = verifyRoundResult({ message: signMessage('RoundResult', inflated, domain, validator.privateKey), expected })
    expect(show(v)).toMatch(/^wrong-root: /)
  })

  it('rejects a result for another round or starting policy', () => {
    const m = signMessage('RoundResult', roundResult, domain, validator.privateKey)
    expect(show(verifyRoundResult({ message: m, expected: { ...expected, round: 1n } }))).toMatch(/^wrong-round: /)
    expect(show(verifyRoundResult({ message: m, expected: { ...expected, previousPolicyHash: new Uint8Array(32) } }))).toMatch(
      /^wrong-policy: /,
    )
  })
})
