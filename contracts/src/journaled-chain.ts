/**
 * Persistence for the in-memory EVM: `journaled` puts a JSON-RPC handler behind the journal, so
 * every state-changing call the chain accepts is on disk before its caller hears back, and
 * `replayJournal` rebuilds a fresh chain from those calls, checking that each one gives the
 * recorded result and mines the recorded blocks (same hashes, so the same state roots).
 *
 * Journaled: eth_sendRawTransaction, eth_sendTransaction, evm_mine (each with the blocks it mined,
 * whose timestamps the replay sets again) and hardhat_setBalance/Code/Nonce/StorageAt. The clock
 * methods evm_setNextBlockTimestamp and evm_increaseTime pass through: the timestamps they lead to
 * are in the mined blocks' records. Every other hardhat_ and evm_ method (evm_revert, hardhat_reset,
 * evm_setAutomine, hardhat_impersonateAccount, …) would make the journal lie, so it is refused.
 */
import type { ChainJournal, JournalBlock, JournalEntry } from './chain-journal.js'
import type { JsonRpcHandler } from './edr.js'
import { LocalChainError } from './errors.js'

const TX_METHODS = new Set(['eth_sendRawTransaction', 'eth_sendTransaction'])
const BLOCK_METHODS = new Set([...TX_METHODS, 'evm_mine'])
const STATE_METHODS = new Set(['hardhat_setBalance', 'hardhat_setCode', 'hardhat_setNonce', 'hardhat_setStorageAt'])
const PASSED_METHODS = new Set(['evm_setNextBlockTimestamp', 'evm_increaseTime', 'hardhat_metadata', 'hardhat_getAutomine'])

interface RpcAnswer {
  result?: unknown
  error?: { code?: number; message?: string }
}

/** Calls `handler` the way the RPC server does, and parses the answer. */
function caller(handler: JsonRpcHandler) {
  return async (method: string, params: unknown[]): Promise<RpcAnswer> =>
    JSON.parse(await handler(JSON.stringify({ jsonrpc: '2.0', id: 0, method, params }))) as RpcAnswer
}

/** Whether the chain refuses `method` because it is persistent. */
function isRefusedWhenPersistent(method: string): boolean {
  return (
    (method.startsWith('evm_') || method.startsWith('hardhat_')) &&
    !BLOCK_METHODS.has(method) &&
    !STATE_METHODS.has(method) &&
    !PASSED_METHODS.has(method)
  )
}

export interface JournaledHandler {
  handler: JsonRpcHandler
  /** Resolves once every accepted write is on disk (call before closing the journal). */
  drain(): Promise<void>
}

/**
 * Puts `handler` behind `journal`. Writes run one at a time, in arrival order, and each answers
 * only after its entry is fsynced; reads go straight through. `head` is the chain's block number.
 * If the journal cannot be written, the call's caller gets an error saying so and the chain takes
 * no more writes (what it holds in memory would be lost at the next start).
 */
export function journaled(handler: JsonRpcHandler, journal: ChainJournal, head: bigint): JournaledHandler {
  const call = caller(handler)
  let tail: Promise<unknown> = Promise.resolve()
  let broken: string | null = null
  const errorText = (id: unknown, message: string) => JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32000, message } })

  const minedBlocks = async (): Promise<JournalBlock[]> => {
    const latest = BigInt((await call('eth_blockNumber', [])).result as string)
    const blocks: JournalBlock[] = []
    for (let n = head + 1n; n <= latest; n++) {
      const b = (await call('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])).result as JournalBlock
      blocks.push({ number: b.number, hash: b.hash, timestamp: b.timestamp })
    }
    head = latest
    return blocks
  }

  const write = async (request: string, req: { id?: unknown; method: string; params?: unknown }): Promise<string> => {
    if (broken) return errorText(req.id, broken)
    const response = await handler(request)
    const answer = JSON.parse(response) as RpcAnswer
    if (answer.error !== undefined) return response // refused: nothing changed
    try {
      const blocks = BLOCK_METHODS.has(req.method) ? await minedBlocks() : []
      let status: string | undefined
      if (TX_METHODS.has(req.method) && blocks.length > 0) {
        const receipt = (await call('eth_getTransactionReceipt', [answer.result])).result as { status?: string } | null
        status = receipt?.status
      }
      const params = Array.isArray(req.params) ? req.params : []
      await journal.append({ method: req.method, params, result: answer.result, blocks, status })
    } catch (err) {
      broken =
        `The chain ran ${req.method} but could not write it to its journal ${journal.path} (${(err as Error).message}); ` +
        'it takes no more writes. Stop it and free the disk: a restart replays the journal, which holds everything before this call.'
      return errorText(req.id, broken)
    }
    return response
  }

  return {
    handler: async (request) => {
      const req = JSON.parse(request) as { id?: unknown; method: string; params?: unknown }
      if (isRefusedWhenPersistent(req.method))
        return errorText(
          req.id,
          `${req.method} is not available on a persistent chain (--data-dir): its journal replays transactions, evm_mine and hardhat_setBalance/Code/Nonce/StorageAt only.`,
        )
      if (!BLOCK_METHODS.has(req.method) && !STATE_METHODS.has(req.method)) return handler(request)
      const done = tail.then(() => write(request, req))
      tail = done.catch(() => {})
      return done
    },
    drain: () => tail.then(() => {}),
  }
}

/** What a replay rebuilt. */
export interface ReplayReport {
  entries: number
  /** The chain's block number after the replay. */
  head: bigint
}

/**
 * Runs the journaled calls on a fresh chain made from the journal's genesis. Each must give the
 * recorded result, receipt status and blocks (number and hash), else the chain is not the one
 * recorded and LocalChainError says where it went apart.
 */
export async function replayJournal(handler: JsonRpcHandler, entries: readonly JournalEntry[], journalPath: string): Promise<ReplayReport> {
  const call = caller(handler)
  let head = BigInt((await call('eth_blockNumber', [])).result as string)
  for (const e of entries) {
    const what = `journal entry ${e.seq} (${e.method}${TX_METHODS.has(e.method) ? ` ${String(e.result)}` : ''})`
    const fail = (why: string): never => {
      throw new LocalChainError(
        `Cannot restore the chain from ${journalPath}: ${what} ${why}. The journal is intact, but this EVM does not rebuild the recorded chain (was @nomicfoundation/edr or the chain's settings changed?).`,
        { journalPath, seq: e.seq, method: e.method },
      )
    }
    const first = e.blocks[0]
    if (first) {
      const set = await call('evm_setNextBlockTimestamp', [first.timestamp])
      if (set.error) fail(`cannot set its block's timestamp ${BigInt(first.timestamp)}: ${set.error.message}`)
    }
    // evm_mine's own timestamp argument is the one just set
    const answer = await call(e.method, e.method === 'evm_mine' ? [] : e.params)
    if (answer.error) fail(`failed on replay: ${answer.error.message}`)
    if (JSON.stringify(answer.result) !== JSON.stringify(e.result))
      fail(`gave ${JSON.stringify(answer.result)} on replay, ${JSON.stringify(e.result)} when it ran`)
    const latest = BigInt((await call('eth_blockNumber', [])).result as string)
    const expected = e.blocks.at(-1) ? BigInt(e.blocks.at(-1)!.number) : head
    if (latest !== expected) fail(`left the chain at block ${latest} on replay, at block ${expected} when it ran`)
    for (const b of e.blocks) {
      const got = (await call('eth_getBlockByNumber', [b.number, false])).result as JournalBlock | null
      if (got?.hash !== b.hash) fail(`mined block ${BigInt(b.number)} with hash ${got?.hash} on replay, ${b.hash} when it ran`)
    }
    if (e.status !== undefined) {
      const receipt = (await call('eth_getTransactionReceipt', [e.result])).result as { status?: string } | null
      if (receipt?.status !== e.status) fail(`has receipt status ${receipt?.status} on replay, ${e.status} when it ran`)
    }
    head = latest
  }
  return { entries: entries.length, head }
}
