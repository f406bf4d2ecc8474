import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectLedger, JOURNAL_FILE, ledgerProvider } from '@murmur/contracts'
import { addressFromPrivateKey, deriveSeed, encodeRoundResult, fromHex, toChecksumAddress } from '@murmur/protocol'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { CHAIN_INFO_FILE, readChainInfo } from '../chain/chain-info.js'
import { LedgerClient } from '../chain/ledger-client.js'
import { syntheticManifest, syntheticRound } from '../chain/synthetic-round.js'
import { devKey } from '../swarm/local.js'
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
    // murmur's development keys (`murmur node --dev-key I`) can pay for commits and claims
    expect(info.devKeys).toHaveLength(10)
    expect(info.devKeys[3]).toEqual({ index: 3, address: toChecksumAddress(addressFromPrivateKey(devKey(3))) })
    expect(await provider.getBalance(info.devKeys[9].address)).toBe(100n * 10n ** 18n)
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
      murmur dev keys 0…9 (--dev-key I), 100 ETH each: 0xD19b3f6D431AB599c9d3b5141E70bd80a8902179, …
      point commands at it with --rpc http://127.0.0.1:PORT --ledger 0x5FbDB2315678afecb367f032d93F642f64180aa3; Ctrl-C stops it (its state is not kept)
      "
    `)
    expect(stderr).toBe('SIGINT: stopping the local chain\n')
  })

  it('keeps the chain in --data-dir across restarts: the same ledger, its run and its committed rounds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-chain-cmd-'))
    try {
      const first = startChainCommand(['--port', '0', '--accounts', '5', '--dev-keys', '1', '--data-dir', dir, '--json'])
      await first.ready
      const info = JSON.parse(first.output().stdout)
      expect(await readChainInfo(dir)).toMatchObject({ rpcUrl: info.rpcUrl, chainId: 31337n, ledger: info.ledger, devKeys: info.devKeys })
      expect(first.output().stderr).toBe(`new chain in ${dir}: every write it accepts is journaled there\n`)
      // a run with four validators (dev accounts 1-4), two rounds committed
      const validatorKeys = info.accounts.slice(1, 5).map((a: { privateKey: string }) => fromHex(a.privateKey))
      const manifest = syntheticManifest({ chainId: 31337n, ledger: info.ledger, validatorKeys, quorum: 3, name: 'persisted' })
      const contributorKeys = [0, 1, 2].map((i) => deriveSeed('murmur/test/chain-persist', i))
      const round = (r: bigint, previousPolicyHash: Uint8Array) =>
        syntheticRound({ manifestBytes: manifest, round: r, previousPolicyHash, contributorKeys, signerKeys: validatorKeys.slice(0, 3) })
      const commit = (client: LedgerClient, r: ReturnType<typeof round>) =>
        client.commitRound({ body: encodeRoundResult(r.result), signatures: r.signatures })
      const client = await LedgerClient.connect({ rpcUrl: info.rpcUrl, ledger: info.ledger, privateKey: validatorKeys[0], chainId: 31337n })
      await client.ensureRun(manifest)
      const r0 = round(0n, (await client.runInfo())!.genesisPolicyHash)
      const r1 = round(1n, r0.result.newPolicyHash)
      expect((await commit(client, r0)).status).toBe('committed')
      expect((await commit(client, r1)).status).toBe('committed')
      expect(await client.lastCommittedRound()).toBe(1n)
      client.close()
      first.stop('SIGTERM')
      await first.done
      // a crash mid-append leaves a torn line: reported, cut, and the chain comes back as of the last whole write
      appendFileSync(join(dir, JOURNAL_FILE), '0123456789abcdef {"seq":')

      const second = startChainCommand(['--port', '0', '--dev-keys', '1', '--data-dir', dir, '--json'])
      await second.ready
      const again = JSON.parse(second.output().stdout)
      expect(again).toMatchObject({ ledger: info.ledger, accounts: info.accounts, devKeys: info.devKeys })
      expect(second.output().stderr).toMatch(
        new RegExp(
          `^journal: entry (\\d+) \\(byte \\d+\\) is cut short \\(24 bytes without a newline: a write that did not finish\\); the journal now ends at entry \\d+, and the 24 bytes from there on were moved to ${dir}/journal\\.damaged-\\d+-\\d+\\.jsonl\nrestored the chain from ${dir}: \\d+ journaled writes replayed, at block \\d+\n$`,
        ),
      )
      const reader = await LedgerClient.connect({ rpcUrl: again.rpcUrl, ledger: again.ledger, chainId: 31337n, manifest })
      expect(await reader.lastCommittedRound()).toBe(1n)
      expect((await reader.roundOf(1n))?.policyHash).toEqual(r1.result.newPolicyHash)
      reader.close()
      // and it goes on from there
      const writer = await LedgerClient.connect({
        rpcUrl: again.rpcUrl,
        ledger: again.ledger,
        privateKey: validatorKeys[1],
        chainId: 31337n,
        manifest,
      })
      expect((await commit(writer, round(2n, r1.result.newPolicyHash))).status).toBe('committed')
      expect(await writer.lastCommittedRound()).toBe(2n)
      writer.close()
      second.stop('SIGTERM')
      await second.done
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses to start when chain.json names a ledger the restored chain does not hold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'murmur-chain-cmd-'))
    try {
      const first = startChainCommand(['--port', '0', '--accounts', '1', '--dev-keys', '0', '--data-dir', dir, '--json'])
      await first.ready
      first.stop('SIGTERM')
      await first.done
      writeFileSync(join(dir, JOURNAL_FILE), '') // the journal lost its deployment
      const second = startChainCommand(['--port', '0', '--data-dir', dir])
      await expect(second.done).rejects.toThrow(
        `${dir}/${CHAIN_INFO_FILE} names ledger 0x5FbDB2315678afecb367f032d93F642f64180aa3, but the restored chain holds no contract there (was the journal cut before the deployment?). Move ${CHAIN_INFO_FILE} away to deploy a new ledger, or restore the journal.`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
