import { isProtocolError } from '@murmur/protocol'
import { Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEV_MNEMONIC, devAccountKeys, type LocalChain, startLocalChain } from './local-chain.js'
import { ledgerProvider } from './provider.js'

let chain: LocalChain
beforeAll(async () => {
  chain = await startLocalChain({ accounts: 3 })
})
afterAll(() => chain.stop())

const rpc = async (body: unknown, init: RequestInit = {}) => {
  const res = await fetch(chain.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  })
  return { status: res.status, body: await res.json() }
}

describe('startLocalChain', () => {
  it('serves JSON-RPC on 127.0.0.1 with funded dev accounts of the Hardhat mnemonic', async () => {
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(chain.accounts).toEqual(devAccountKeys(3))
    expect(new Wallet(chain.accounts[0]!).address).toBe(Wallet.fromPhrase(DEV_MNEMONIC).address)
    const provider = ledgerProvider(chain.rpcUrl)
    try {
      expect((await provider.getNetwork()).chainId).toBe(31_337n)
      for (const key of chain.accounts) expect(await provider.getBalance(new Wallet(key).address)).toBe(10_000n * 10n ** 18n)
    } finally {
      provider.destroy()
    }
  })

  it('answers batches in order and says what is wrong with a bad request', async () => {
    const batch = await rpc([
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
      { jsonrpc: '2.0', id: 'b', method: 'eth_blockNumber' },
      { jsonrpc: '2.0', id: 3 },
    ])
    expect(batch.body).toMatchObject([
      { id: 1, result: '0x7a69' },
      { id: 'b', result: expect.stringMatching(/^0x/) },
      { id: 3, error: { code: -32600, message: 'Invalid request: expected an object with a string "method".' } },
    ])
    const garbage = await fetch(chain.rpcUrl, { method: 'POST', body: '{not json' })
    expect(garbage.status).toBe(400)
    expect((await fetch(chain.rpcUrl)).status).toBe(405)
  })

  it('keeps nonces in step over quick successive transactions through ledgerProvider', async () => {
    const provider = ledgerProvider(chain.rpcUrl, { chainId: chain.chainId })
    try {
      const sender = new Wallet(chain.accounts[1]!, provider)
      const to = new Wallet(chain.accounts[2]!).address
      const before = await provider.getTransactionCount(sender.address)
      for (let i = 0; i < 5; i++) await (await sender.sendTransaction({ to, value: 1n })).wait()
      expect(await provider.getTransactionCount(sender.address)).toBe(before + 5)
    } finally {
      provider.destroy()
    }
  })

  it('fails with LocalChainError naming the port when it is taken', async () => {
    const port = Number(new URL(chain.rpcUrl).port)
    const err = await startLocalChain({ port }).catch((e: unknown) => e)
    expect(isProtocolError(err, 'LocalChainError')).toBe(true)
    expect((err as Error).message).toBe(
      `Cannot serve JSON-RPC on 127.0.0.1:${port}: the port is in use; stop the other process or pick another port (0 picks a free one).`,
    )
  })

  it('frees its port on stop', async () => {
    const other = await startLocalChain({ accounts: 1 })
    const port = Number(new URL(other.rpcUrl).port)
    await other.stop()
    const again = await startLocalChain({ accounts: 1, port })
    expect(again.rpcUrl).toBe(other.rpcUrl)
    await again.stop()
  })

  it('rejects an account count it cannot fund', () => {
    expect(() => devAccountKeys(0)).toThrowErrorMatchingInlineSnapshot(
      `[LocalChainError: A local chain funds 1 to 1000 dev accounts, got 0.]`,
    )
  })
})
