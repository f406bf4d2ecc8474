import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isProtocolError } from '@murmur/protocol'
import { type JsonRpcProvider, keccak256, Wallet } from 'ethers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeJournalLine, JOURNAL_FILE, parseJournal } from './chain-journal.js'
import { GENESIS_FILE } from './chain-store.js'
import { deployLedger } from './deploy.js'
import { type LocalChain, startLocalChain } from './local-chain.js'
import { ledgerProvider } from './provider.js'

let dir: string
const running: LocalChain[] = []
const providers: JsonRpcProvider[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-chain-'))
})
afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy()
  for (const c of running.splice(0)) await c.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function start(init: Parameters<typeof startLocalChain>[0] = {}) {
  const chain = await startLocalChain({ accounts: 3, dataDir: dir, ...init })
  running.push(chain)
  const provider = ledgerProvider(chain.rpcUrl, { chainId: chain.chainId })
  providers.push(provider)
  return { chain, provider }
}

async function stop(chain: LocalChain) {
  running.splice(running.indexOf(chain), 1)
  await chain.stop()
}

const rpc = async (chain: LocalChain, method: string, params: unknown[] = []) =>
  (await (await fetch(chain.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()) as {
    result?: unknown
    error?: { message: string }
  }

/** Every block's hash, from genesis to the head. */
async function blockHashes(provider: JsonRpcProvider): Promise<string[]> {
  const head = await provider.getBlockNumber()
  const out: string[] = []
  for (let n = 0; n <= head; n++) out.push((await provider.getBlock(n))!.hash!)
  return out
}

describe('startLocalChain with a data dir', () => {
  it('restarts on the same chain: same blocks, ledger code, balances and nonces; new blocks carry the wall clock', async () => {
    const dayAgo = Math.floor(Date.now() / 1000) - 86_400
    writeFileSync(
      join(dir, GENESIS_FILE),
      JSON.stringify({
        format: 'murmur-local-chain/v1',
        chainId: '31337',
        accounts: 3,
        balanceWei: String(10n ** 22n),
        blockGasLimit: '30000000',
        genesisBlockTime: String(dayAgo),
      }),
    )
    const { chain, provider } = await start({ accounts: undefined })
    expect(chain.restored).toMatchObject({ dataDir: dir, fresh: false, entries: 0, blockNumber: 0n, cut: null })
    const deployer = new Wallet(chain.accounts[0]!, provider)
    const ledger = await (await deployLedger(deployer)).getAddress()
    const other = new Wallet(chain.accounts[1]!).address
    await (await deployer.sendTransaction({ to: other, value: 123n })).wait() // eth_sendRawTransaction
    await rpc(chain, 'eth_sendTransaction', [{ from: other, to: deployer.address, value: '0x7' }])
    expect((await rpc(chain, 'hardhat_setBalance', [new Wallet(chain.accounts[2]!).address, '0x2a'])).result).toBe(true)
    expect((await rpc(chain, 'evm_mine')).result).toBe('0')
    // a reverting transaction is mined (status 0) and journaled too
    const reverted = await deployer.sendTransaction({ to: ledger, data: '0xdeadbeef', gasLimit: 100_000 }) // no such function
    expect((await reverted.wait().catch((e: { receipt?: { status: number } }) => e.receipt))?.status).toBe(0)
    const before = {
      hashes: await blockHashes(provider),
      code: keccak256(await provider.getCode(ledger)),
      balances: await Promise.all(chain.accounts.map((k) => provider.getBalance(new Wallet(k).address))),
      nonces: await Promise.all(chain.accounts.map((k) => provider.getTransactionCount(new Wallet(k).address))),
    }
    expect((await provider.getBlock(1))!.timestamp).toBeLessThan(dayAgo + 60)
    await stop(chain)
    expect(parseJournal(readFileSync(join(dir, JOURNAL_FILE))).entries.map((e) => [e.method, e.status])).toEqual([
      ['eth_sendRawTransaction', '0x1'],
      ['eth_sendRawTransaction', '0x1'],
      ['eth_sendTransaction', '0x1'],
      ['hardhat_setBalance', undefined],
      ['evm_mine', undefined],
      ['eth_sendRawTransaction', '0x0'],
    ])

    const again = await start()
    expect(again.chain.restored).toMatchObject({ fresh: false, entries: 6, blockNumber: 5n, cut: null })
    expect(await blockHashes(again.provider)).toEqual(before.hashes)
    expect(keccak256(await again.provider.getCode(ledger))).toBe(before.code)
    expect(await Promise.all(again.chain.accounts.map((k) => again.provider.getBalance(new Wallet(k).address)))).toEqual(before.balances)
    expect(await Promise.all(again.chain.accounts.map((k) => again.provider.getTransactionCount(new Wallet(k).address)))).toEqual(
      before.nonces,
    )
    // the chain goes on: new writes are journaled after the replayed ones, at the wall clock's time
    const receipt = await (await new Wallet(again.chain.accounts[0]!, again.provider).sendTransaction({ to: other, value: 1n })).wait()
    expect(receipt!.blockNumber).toBe(6)
    expect((await again.provider.getBlock(6))!.timestamp).toBeGreaterThan(Date.now() / 1000 - 60)
    await stop(again.chain)
    expect(parseJournal(readFileSync(join(dir, JOURNAL_FILE))).entries).toHaveLength(7)
  })

  it('refuses the hardhat_ and evm_ methods a journal cannot replay', async () => {
    const { chain } = await start()
    expect(chain.restored).toMatchObject({ fresh: true, entries: 0 })
    expect((await rpc(chain, 'evm_snapshot')).error?.message).toBe(
      'evm_snapshot is not available on a persistent chain (--data-dir): its journal replays transactions, evm_mine and hardhat_setBalance/Code/Nonce/StorageAt only.',
    )
    for (const method of ['evm_revert', 'hardhat_reset', 'evm_setAutomine', 'hardhat_impersonateAccount'])
      expect((await rpc(chain, method, [])).error?.message).toMatch(/is not available on a persistent chain/)
    expect((await rpc(chain, 'evm_increaseTime', [10])).result).toBeDefined()
    expect((await rpc(chain, 'eth_chainId')).result).toBe('0x7a69')
  })

  it('cuts a torn journal tail, says so, and restarts on the chain as of the last whole entry', async () => {
    const { chain, provider } = await start()
    const sender = new Wallet(chain.accounts[0]!, provider)
    const to = new Wallet(chain.accounts[1]!).address
    await (await sender.sendTransaction({ to, value: 1n })).wait()
    const head = await blockHashes(provider)
    await stop(chain)
    appendFileSync(join(dir, JOURNAL_FILE), '0123456789abcdef {"seq":1,"meth')
    const again = await start()
    expect(again.chain.restored?.cut).toMatchObject({ entry: 1, reason: expect.stringMatching(/^is cut short/), movedBytes: 31 })
    expect(readFileSync(again.chain.restored!.cut!.movedTo, 'utf8')).toBe('0123456789abcdef {"seq":1,"meth')
    expect(await blockHashes(again.provider)).toEqual(head)
  })

  it('refuses a journal this EVM does not rebuild, naming the entry, and leaves the dir usable', async () => {
    const { chain, provider } = await start()
    await (await new Wallet(chain.accounts[0]!, provider).sendTransaction({ to: new Wallet(chain.accounts[1]!).address, value: 1n })).wait()
    await stop(chain)
    const path = join(dir, JOURNAL_FILE)
    const original = readFileSync(path, 'utf8')
    const [entry] = parseJournal(readFileSync(path)).entries
    const forged = { ...entry!, blocks: [{ ...entry!.blocks[0]!, hash: `0x${'ee'.repeat(32)}` }] }
    writeFileSync(path, encodeJournalLine(forged))
    const err = await startLocalChain({ dataDir: dir }).catch((e: unknown) => e)
    expect(isProtocolError(err, 'LocalChainError')).toBe(true)
    expect((err as Error).message).toBe(
      `Cannot restore the chain from ${path}: journal entry 0 (eth_sendRawTransaction ${String(entry!.result)}) mined block 1 with hash ${entry!.blocks[0]!.hash} on replay, 0x${'ee'.repeat(32)} when it ran. The journal is intact, but this EVM does not rebuild the recorded chain (was @nomicfoundation/edr or the chain's settings changed?).`,
    )
    writeFileSync(path, original) // the lock was released: the dir opens again
    const again = await start()
    expect(again.chain.restored?.entries).toBe(1)
  })

  it('refuses a second chain on the same dir and settings that differ from the recorded ones', async () => {
    const { chain } = await start()
    const busy = await startLocalChain({ dataDir: dir }).catch((e: Error) => e.message)
    expect(busy).toBe(
      `${dir} is in use by process ${process.pid} (another chain serving it); stop that one first, or use another data dir.`,
    )
    await stop(chain)
    const other = await startLocalChain({ dataDir: dir, chainId: 1n }).catch((e: Error) => e.message)
    expect(other).toBe(
      `${dir} holds a chain with chainId 31337; it cannot restart with chainId 1. Leave chainId out to keep the recorded one, or use another data dir.`,
    )
  })
})
