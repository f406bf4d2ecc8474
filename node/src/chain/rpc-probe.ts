/** Asks an endpoint for its chain id before anything else, so a wrong or dead --rpc URL fails once, clearly. */
import { FetchRequest } from 'ethers'
import { LedgerUnavailableError } from './errors.js'
import { errorText } from './ledger-errors.js'

/** The chain id the endpoint reports: one plain request, so an unreachable URL fails once and clearly. */
export async function probeChainId(rpcUrl: string, timeoutMs: number): Promise<bigint> {
  // ethers' FetchRequest (node:http), not global fetch: fetch refuses some ports outright ("bad port")
  const req = new FetchRequest(rpcUrl)
  req.body = { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }
  req.timeout = timeoutMs
  let answer = null as { result?: unknown; error?: { message?: string } } | null
  let why: string
  try {
    const res = await req.send()
    why = `HTTP ${res.statusCode}`
    answer = res.statusCode === 200 ? (res.bodyJson as { result?: unknown; error?: { message?: string } }) : null
  } catch (err) {
    const code = (err as { code?: unknown }).code
    why = typeof code === 'string' ? code : errorText(err)
  }
  if (answer === null) {
    throw new LedgerUnavailableError(
      `Cannot reach the JSON-RPC endpoint ${rpcUrl} (${why}). Start a local chain with \`murmur chain\`, or pass the right --rpc URL.`,
      { rpcUrl },
    )
  }
  if (typeof answer.result !== 'string')
    throw new LedgerUnavailableError(
      `${rpcUrl} did not answer eth_chainId (${answer.error?.message ?? 'no result'}); is it an Ethereum JSON-RPC endpoint?`,
      { rpcUrl },
    )
  return BigInt(answer.result)
}
