import { createServer } from 'node:net'
import { deployLedger, ledgerProvider, startLocalChain } from '@murmur/contracts'
import { Wallet } from 'ethers'
import { describe, expect, it } from 'vitest'
import { runCli } from '../testing.js'
import { type Check, checkDisk, checkNodeVersion } from './doctor.js'

const byName = (checks: Check[], name: string) => checks.find((c) => c.name === name)

describe('murmur doctor', () => {
  it('judges the Node version and the free disk', () => {
    expect(checkNodeVersion('20.19.0').status).toBe('ok')
    expect(checkNodeVersion('22.1.0').status).toBe('ok')
    expect(checkNodeVersion('20.18.3')).toMatchObject({ status: 'fail', hint: expect.stringMatching(/20\.19/) })
    expect(checkDisk('/x', 50 * 1024 ** 3).status).toBe('ok')
    expect(checkDisk('/x', 1024 ** 3).status).toBe('warn')
    expect(checkDisk('/x', 1024 ** 2).status).toBe('fail')
  })

  it('proves the CPU with a real session, checks a live chain and its ledger, and flags a busy port', async () => {
    const chain = await startLocalChain({ port: 0 })
    const provider = ledgerProvider(chain.rpcUrl)
    const busy = createServer()
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()))
    const busyPort = (busy.address() as { port: number }).port
    try {
      const ledger = await (await deployLedger(new Wallet(chain.accounts[0]!, provider))).getAddress()
      const r = await runCli('doctor', '--json', '--rpc', chain.rpcUrl, '--ledger', ledger, '--port', String(busyPort))
      expect(r.code, r.stderr).toBe(0)
      const { ok, checks } = JSON.parse(r.stdout) as { ok: boolean; checks: Check[] }
      expect(ok).toBe(true)
      expect(byName(checks, 'device cpu')?.status).toBe('ok')
      expect(byName(checks, 'device cuda')).toMatchObject({ status: 'warn', hint: expect.stringMatching(/CUDA/) })
      expect(byName(checks, 'chain')).toMatchObject({ status: 'ok', detail: expect.stringContaining('chain id 31337') })
      expect(byName(checks, 'ledger')?.status).toBe('ok')
      expect(byName(checks, `port ${busyPort}`)?.status).toBe('warn')
      expect(byName(checks, 'disk')?.status).not.toBe(undefined)
      // no contract at an address: a failure, exit 1, said in words
      const wrong = await runCli('doctor', '--rpc', chain.rpcUrl, '--ledger', `0x${'12'.repeat(20)}`)
      expect(wrong.code).toBe(1)
      expect(wrong.stdout).toMatch(/✗ ledger +no contract at 0x1212/)
      expect(wrong.stdout).toMatch(/cannot run here until the ✗ lines are fixed/)
    } finally {
      busy.close()
      provider.destroy()
      await chain.stop()
    }
  })

  it('fails clearly on an unreachable chain', async () => {
    const r = await runCli('doctor', '--json', '--rpc', 'http://127.0.0.1:9/')
    expect(r.code).toBe(1)
    const { checks } = JSON.parse(r.stdout) as { checks: Check[] }
    expect(byName(checks, 'chain')).toMatchObject({ status: 'fail', hint: expect.stringMatching(/Cannot reach/) })
  })
})
