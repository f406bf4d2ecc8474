/**
 * A real local chain with a deployed ledger, four funded validator keys and synthetic runs on it:
 * what the chain tests and the audit benchmark start from. Nothing here is mocked.
 */
import { deployLedger, type LocalChain, ledgerProvider, startLocalChain } from '@murmur/contracts'
import { type CreditEntry, deriveSeed, fromHex, hashRunManifest } from '@murmur/protocol'
import { Wallet } from 'ethers'
import { LedgerClient, type LedgerClientInit } from './ledger-client.js'
import { type SyntheticRound, syntheticManifest, syntheticRound } from './synthetic-round.js'

export interface LedgerTestbed {
  chain: LocalChain
  /** EIP-55 address of the ledger dev account 0 deployed. */
  ledger: string
  /** Dev accounts 1-4: funded, so each validator can submit too. */
  validatorKeys: Uint8Array[]
  /** Dev accounts 5-7: funded keys that are no run's validators. */
  otherKeys: Uint8Array[]
  /** Manifest bytes of a synthetic run on this ledger with the four validators and quorum 3. */
  manifest(name: string, quorum?: number): Uint8Array
  /** A client for `key` (default: validator 0) on this chain. */
  client(key?: Uint8Array, init?: Partial<LedgerClientInit>): Promise<LedgerClient>
  /** A new run `name` registered by validator 0's client, and the builder of its rounds. */
  registeredRun(name: string, client?: Partial<LedgerClientInit>): Promise<RegisteredRun>
  stop(): Promise<void>
}

export interface RegisteredRun {
  manifest: Uint8Array
  /** Validator 0's client, with the run set. */
  client: LedgerClient
  genesis: Uint8Array
  /** Contributor keys (3) every round credits. */
  contributorKeys: Uint8Array[]
  /** Round `r` after `previous`, signed by `signers` (default validators 0–2, a quorum). */
  round(r: bigint, previous: Uint8Array, signers?: readonly Uint8Array[], forge?: (c: CreditEntry[]) => CreditEntry[]): SyntheticRound
}

export async function startLedgerTestbed(init: { port?: number } = {}): Promise<LedgerTestbed> {
  const chain = await startLocalChain({ accounts: 8, port: init.port ?? 0 })
  const provider = ledgerProvider(chain.rpcUrl, { chainId: chain.chainId })
  const ledger = await (await deployLedger(new Wallet(chain.accounts[0]!, provider))).getAddress()
  provider.destroy()
  const validatorKeys = chain.accounts.slice(1, 5).map((k) => fromHex(k))
  const clients: LedgerClient[] = []
  const bed: LedgerTestbed = {
    chain,
    ledger,
    validatorKeys,
    otherKeys: chain.accounts.slice(5).map((k) => fromHex(k)),
    manifest: (name, quorum = 3) => syntheticManifest({ chainId: chain.chainId, ledger, validatorKeys, quorum, name }),
    async client(key = validatorKeys[0]!, extra = {}) {
      const c = await LedgerClient.connect({ rpcUrl: chain.rpcUrl, ledger, privateKey: key, chainId: chain.chainId, ...extra })
      clients.push(c)
      return c
    },
    async registeredRun(name, init = {}) {
      const manifest = bed.manifest(name)
      const client = await bed.client(validatorKeys[0], init)
      const created = await client.ensureRun(manifest)
      if (created.status !== 'created') throw new Error(`run ${name} was registered before`)
      const genesis = (await client.runInfo())!.genesisPolicyHash
      const contributorKeys = Array.from({ length: 3 }, (_, i) => deriveSeed('murmur/test/contributor', name, i))
      return {
        manifest,
        client,
        genesis,
        contributorKeys,
        round: (r, previous, signers = validatorKeys.slice(0, 3), forge) =>
          syntheticRound({
            manifestBytes: manifest,
            round: r,
            previousPolicyHash: previous,
            contributorKeys,
            signerKeys: signers,
            forgeCredits: forge,
          }),
      }
    },
    async stop() {
      for (const c of clients) c.close()
      await chain.stop()
    },
  }
  return bed
}

/** One JSON-RPC call over HTTP (evm_snapshot, evm_revert and the like, which ethers has no method for); throws the node's error. */
export async function rpcCall(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const json = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (json.error) throw new Error(`${method}: ${json.error.message}`)
  return json.result
}

/** The run id of manifest bytes, for assertions. */
export const runIdOf = (manifest: Uint8Array) => hashRunManifest(manifest)
