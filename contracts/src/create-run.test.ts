import { toHex0x } from '@murmur/protocol'
import { ZeroAddress } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytes32, createTestRun, eventsOf, expectRevert, type LedgerFixture, startLedgerFixture } from './testing/fixture.js'

let f: LedgerFixture
beforeAll(async () => {
  f = await startLedgerFixture()
})
afterAll(() => f.stop())

const hex = (label: string) => toHex0x(bytes32(label))
// dev account 0 of Hardhat's mnemonic, which deploys the fixture's ledger
const DEPLOYER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'

describe('createRun', () => {
  it('registers a run and emits RunCreated with its validators and quorum', async () => {
    const validators = f.validators.map((v) => v.address)
    const events = await eventsOf(f.ledger.createRun!(hex('run/a'), hex('genesis/a'), validators, 3))
    expect(events).toEqual([{ name: 'RunCreated', args: [hex('run/a'), DEPLOYER, hex('genesis/a'), validators, 3n] }])
    expect([...(await f.ledger.runOf!(hex('run/a')))]).toEqual([DEPLOYER, 3n, 4n, 0n, hex('genesis/a')])
    for (const v of f.validators) expect(await f.ledger.isValidator!(hex('run/a'), v.address)).toBe(true)
    expect(await f.ledger.isValidator!(hex('run/a'), f.strangers[0]!.address)).toBe(false)
    expect(await f.ledger.isValidator!(hex('run/other'), validators[0])).toBe(false)
  })

  it('accepts quorum 1 of 1 and n of n', async () => {
    await createTestRun(f, 'one', 1)
    await createTestRun(f, 'all', 4)
  })

  it('reverts with LedgerRunExists when the manifest hash is registered again', async () => {
    const { run } = await createTestRun(f, 'twice')
    await expectRevert(f.ledger, f.ledger.createRun!(run, hex('genesis/other'), [f.validators[0]!.address], 1), 'LedgerRunExists', [
      toHex0x(run),
    ])
  })

  it('reverts with LedgerInvalidValidatorCount for no validators or more than 256', async () => {
    await expectRevert(f.ledger, f.ledger.createRun!(hex('run/none'), hex('g'), [], 1), 'LedgerInvalidValidatorCount', [0n, 256n])
    const many = Array.from({ length: 257 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`)
    await expectRevert(f.ledger, f.ledger.createRun!(hex('run/many'), hex('g'), many, 1), 'LedgerInvalidValidatorCount', [257n, 256n])
  })

  it('reverts with LedgerValidatorsNotAscending for unsorted, repeated or zero addresses', async () => {
    const [a, b] = f.validators.map((v) => v.address)
    await expectRevert(f.ledger, f.ledger.createRun!(hex('run/unsorted'), hex('g'), [b, a], 1), 'LedgerValidatorsNotAscending', [1n, a])
    await expectRevert(f.ledger, f.ledger.createRun!(hex('run/repeated'), hex('g'), [a, a], 1), 'LedgerValidatorsNotAscending', [1n, a])
    await expectRevert(f.ledger, f.ledger.createRun!(hex('run/zero'), hex('g'), [ZeroAddress, a], 1), 'LedgerValidatorsNotAscending', [
      0n,
      ZeroAddress,
    ])
  })

  it('reverts with LedgerInvalidQuorum for quorum 0 or above the validator count', async () => {
    const validators = f.validators.map((v) => v.address)
    await expectRevert(f.ledger, f.ledger.createRun!(hex('run/q0'), hex('g'), validators, 0), 'LedgerInvalidQuorum', [0n, 4n])
    await expectRevert(f.ledger, f.ledger.createRun!(hex('run/q5'), hex('g'), validators, 5), 'LedgerInvalidQuorum', [5n, 4n])
  })
})

describe('runOf', () => {
  it('reverts with LedgerUnknownRun for an id no run has', async () => {
    await expectRevert(f.ledger, f.ledger.runOf!(hex('run/unknown')), 'LedgerUnknownRun', [hex('run/unknown')])
  })
})
