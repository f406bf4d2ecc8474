import { connectLedger, ledgerProvider } from '@murmur/contracts'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { chainCommand } from './chain.js'

/** Runs `murmur chain …` in-process; `stop` plays the part of Ctrl-C. */
function startChainCommand(args: string[]) {
  let stdout = ''
  let stderr = ''
  let stop!: (signal: string) => void
  const stopped = new Promise<string>((resolve) => {
    stop = resolve
  })
  let printed!: () => void
  const ready = new Promise<void>((resolve) => {
    printed = resolve
  })
  const io = {
    stdout: (t: string) => {
      stdout += t
      printed()
    },
    stderr: (t: string) => void (stderr += t),
  }
  const program = new Command('murmur').exitOverride()
  program.addCommand(chainCommand(io, { waitForStop: () => stopped }))
  const done = program.parseAsync(['node', 'murmur', 'chain', ...args])
  return { ready, done, stop, output: () => ({ stdout, stderr }) }
}

describe('murmur chain', () => {
  it('serves a local EVM with a deployed ledger and funded dev accounts until stopped', async () => {
    const run = startChainCommand(['--port', '0', '--accounts', '3', '--json'])
    await run.ready
    const info = JSON.parse(run.output().stdout)
    expect(info).toMatchObject({ chainId: '31337', ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3' })
    expect(info.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(info.accounts.map((a: { address: string }) => a.address)).toEqual([
      '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    ])
    const provider = ledgerProvider(info.rpcUrl, { chainId: 31337n })
    expect(await provider.getBalance(info.accounts[2].address)).toBe(10_000n * 10n ** 18n)
    // the ledger answers its views: no run registered yet
    await expect(connectLedger(info.ledger, provider).getFunction('lastCommittedRound')(`0x${'00'.repeat(32)}`)).rejects.toMatchObject({
      revert: { name: 'LedgerUnknownRun' },
    })
    run.stop('SIGTERM')
    await run.done
    // a kept-alive socket is reset, a new one refused: either way nothing serves the URL any more
    await expect(provider.getBlockNumber()).rejects.toMatchObject({ code: expect.stringMatching(/^ECONN(REFUSED|RESET)$/) })
    provider.destroy()
  })

  it('prints the URL, ledger and accounts for humans, and says when it stops', async () => {
    const run = startChainCommand(['--port', '0', '--accounts', '1'])
    await run.ready
    run.stop('SIGINT')
    await run.done
    const { stdout, stderr } = run.output()
    expect(stdout.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')).toMatchInlineSnapshot(`
      "local chain: http://127.0.0.1:PORT (chain id 31337)
      ledger:      0x5FbDB2315678afecb367f032d93F642f64180aa3 (deployed by dev account 0)
      dev accounts, 10000 ETH each (public test keys: never use them on a real network):
         0  0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266  0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
      point commands at it with --rpc http://127.0.0.1:PORT --ledger 0x5FbDB2315678afecb367f032d93F642f64180aa3; Ctrl-C stops it (its state is not kept)
      "
    `)
    expect(stderr).toBe('SIGINT: stopping the local chain\n')
  })
})
