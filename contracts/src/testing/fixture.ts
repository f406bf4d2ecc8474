/**
 * Test fixture: a fresh local chain with a deployed ledger, four validators (ascending), and a
 * helper that signs a RoundResult the way validators do (protocol's `signMessage`).
 */
import {
  buildContributionsTree,
  type ContributionsTree,
  type CreditEntry,
  compareBytes,
  type Eip712Domain,
  fromHex,
  keccak256,
  type RoundResult,
  signMessage,
} from '@murmur/protocol'
import { type Contract, type ContractTransactionReceipt, EventLog, isError, type JsonRpcProvider, Wallet } from 'ethers'
import { expect } from 'vitest'
import { type CommitRoundArgs, commitRoundArgs } from '../args.js'
import { deployLedger } from '../deploy.js'
import { type LocalChain, startLocalChain } from '../local-chain.js'
import { ledgerProvider } from '../provider.js'

export interface Signer {
  key: Uint8Array
  address: string
}

export interface LedgerFixture {
  chain: LocalChain
  provider: JsonRpcProvider
  /** Connected to dev account 0, which deployed it (so it sits at 0x5FbDB…, as in protocol's vectors). */
  ledger: Contract
  address: string
  /** Dev accounts 1-4, ascending by address: the validator set of `createTestRun`. */
  validators: Signer[]
  /** Dev accounts 5-6: keys that are no run's validators. */
  strangers: Signer[]
  /** A wallet (dev account 7) that is neither deployer nor validator. */
  other: Wallet
  stop(): Promise<void>
}

export const bytes32 = (label: string): Uint8Array => keccak256(new TextEncoder().encode(`murmur/contracts/test/${label}`))
export const address20 = (label: string): Uint8Array => bytes32(label).slice(12)

export async function startLedgerFixture(): Promise<LedgerFixture> {
  const chain = await startLocalChain({ accounts: 8 })
  const provider = ledgerProvider(chain.rpcUrl, { chainId: chain.chainId })
  const ledger = await deployLedger(new Wallet(chain.accounts[0]!, provider))
  const signer = (k: string): Signer => ({ key: fromHex(k), address: new Wallet(k).address })
  const validators = chain.accounts
    .slice(1, 5)
    .map(signer)
    .sort((a, b) => compareBytes(fromHex(a.address), fromHex(b.address)))
  return {
    chain,
    provider,
    ledger,
    address: await ledger.getAddress(),
    validators,
    strangers: chain.accounts.slice(5, 7).map(signer),
    other: new Wallet(chain.accounts[7]!, provider),
    stop: async () => {
      provider.destroy()
      await chain.stop()
    },
  }
}

export interface TestRun {
  run: Uint8Array
  genesis: Uint8Array
  domain: Eip712Domain
}

/** Creates a run with the fixture's four validators and quorum 3. */
export async function createTestRun(f: LedgerFixture, label: string, quorum = 3): Promise<TestRun> {
  const run = bytes32(`run/${label}`)
  const genesis = bytes32(`genesis/${label}`)
  await (
    await f.ledger.createRun!(
      run,
      genesis,
      f.validators.map((v) => v.address),
      quorum,
    )
  ).wait()
  return { run, genesis, domain: { chainId: f.chain.chainId, verifyingContract: fromHex(f.address), salt: run } }
}

export interface TestRound {
  result: RoundResult
  /** The RoundResult's canonical bytes, as every signer signed them. */
  body: Uint8Array
  tree: ContributionsTree
}

/** A RoundResult for `credits` (a real contributions tree), from `previous` to a new policy hash. */
export function testRound(run: TestRun, round: bigint, previous: Uint8Array, credits: CreditEntry[]): Omit<TestRound, 'body'> {
  const sorted = [...credits].sort((a, b) => compareBytes(a.contributor, b.contributor))
  const tree = buildContributionsTree(run.run, round, sorted)
  return {
    tree,
    result: {
      run: run.run,
      round,
      previousPolicyHash: previous,
      newPolicyHash: bytes32(`policy/${round}/${Buffer.from(previous).toString('hex')}`),
      contributionsRoot: tree.root,
      deltas: [bytes32(`delta/${round}`)],
      screened: [],
      offenses: [],
      credits: sorted,
    },
  }
}

/** Signs `result` with each signer the way validators do, and returns commitRound's arguments. */
export function signRound(domain: Eip712Domain, result: RoundResult, signers: readonly Signer[]): CommitRoundArgs {
  const signed = signers.map((s) => signMessage('RoundResult', result, domain, s.key))
  return commitRoundArgs(
    signed[0]!.body,
    signed.map((s) => s.signature),
  )
}

export function credit(label: string, acceptedGroups: number, acceptedDeltas: number, amount: bigint): CreditEntry {
  return { contributor: address20(`contributor/${label}`), acceptedGroups, acceptedDeltas, credit: amount }
}

/** Awaits `sent` and asserts it reverted with the ledger's custom error `name(args…)`. */
export async function expectRevert(ledger: Contract, sent: Promise<unknown>, name: string, args: unknown[]): Promise<void> {
  let data: string | undefined
  try {
    const result = (await sent) as { wait?: () => Promise<unknown> } | undefined
    if (typeof result?.wait === 'function') await result.wait()
  } catch (err) {
    if (!isError(err, 'CALL_EXCEPTION')) throw err
    data = err.data ?? undefined
  }
  expect(data, `expected a revert with ${name}`).toBeDefined()
  const parsed = ledger.interface.parseError(data!)
  expect({ name: parsed?.name, args: parsed ? [...parsed.args] : [] }).toEqual({ name, args })
}

/** Sends `sent`, waits for it, and returns its events as `{ name, args }`. */
export async function eventsOf(sent: Promise<unknown>): Promise<{ name: string; args: unknown[] }[]> {
  const receipt = (await ((await sent) as { wait(): Promise<ContractTransactionReceipt> }).wait()) as ContractTransactionReceipt
  return receipt.logs.map((log) => {
    if (!(log instanceof EventLog)) throw new Error(`A log from ${log.address} is not a ledger event.`)
    return { name: log.eventName, args: [...log.args] }
  })
}
