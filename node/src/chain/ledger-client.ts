/**
 * `LedgerClient`: one peer's connection to the ContributionLedger over JSON-RPC (ethers v6),
 * for one run. Writes are idempotent and survive outages: a commit that is already on-chain with
 * the same data returns `already`, one with other data is a conflict, and transport failures are
 * retried with exponential backoff until the caller's deadline or abort signal, each reported
 * through `onFailure`. Sends are serialised per client, each with the account's pending nonce, so
 * two writes never race for a nonce.
 */
import { claimArgs, commitRoundArgs, connectLedger, type Hex, ledgerProvider } from '@murmur/contracts'
import {
  type Address,
  type CreditEntry,
  decodeRoundResult,
  decodeRunManifest,
  fromHex,
  hashRunManifest,
  parseAddress,
  type RoundResult,
  type RunManifest,
  toChecksumAddress,
  toHex0x,
} from '@murmur/protocol'
import { type Contract, type ContractTransactionResponse, type JsonRpcProvider, type TransactionReceipt, Wallet } from 'ethers'
import { ChainError, LedgerConflictError, LedgerRevertError, LedgerUnavailableError, LedgerUsageError } from './errors.js'
import { errorText, revertOf } from './ledger-errors.js'
import { DEFAULT_RETRY, delay, type LedgerFailure, RetryableError, type RetryPolicy, retrying, withTimeout } from './retry.js'
import { probeChainId } from './rpc-probe.js'
import { type CommittedRound, domainMismatches, type RunMismatch, registrationMismatches, roundMismatch } from './run-check.js'

export interface LedgerClientInit {
  /** JSON-RPC endpoint, e.g. http://127.0.0.1:8545. */
  rpcUrl: string
  /** 0x address of the ContributionLedger. */
  ledger: string
  /** 0x hex or 32 bytes. Absent: a read-only client (views, audit). */
  privateKey?: string | Uint8Array
  /** The chain's id. Absent: asked with eth_chainId at connect, which also checks the URL answers. */
  chainId?: bigint
  /** Manifest bytes of the run, when the caller only reads it (ensureRun sets the run too). */
  manifest?: Uint8Array
  retry?: Partial<RetryPolicy>
  /** Limit of each JSON-RPC request; default 30 s. */
  requestTimeoutMs?: number
  /** How long a sent transaction may take to be mined before the attempt counts as failed; default 120 s. */
  confirmTimeoutMs?: number
  /**
   * A sent transaction the node has not known (no receipt, not pending) for this long was dropped,
   * by a reorg of the block it was mined in: the attempt fails at once instead of waiting out
   * confirmTimeoutMs, and the retry reads the state again and sends anew. Default 15 s.
   */
  droppedAfterMs?: number
  /** First block scanned for RoundCommitted events (the ledger's deployment block); default 0. */
  fromBlock?: number
  /** Called for every failed attempt of a write, before the client waits and retries. */
  onFailure?: (failure: LedgerFailure) => void
}

export interface WriteOptions {
  signal?: AbortSignal
  /** Give up with LedgerUnavailableError after this long; default: keep retrying until `signal` aborts. */
  timeoutMs?: number
  /** Called for every failed attempt (in addition to the client's own `onFailure`). */
  onFailure?: (failure: LedgerFailure) => void
}

export type EnsureRunOutcome = { status: 'created' | 'exists'; runId: Uint8Array }
export type CommitOutcome = { status: 'committed'; round: bigint; txHash: string; gasUsed: bigint } | { status: 'already'; round: bigint }
export type ClaimOutcome = { status: 'claimed'; txHash: string; gasUsed: bigint } | { status: 'already' }
export interface ClaimRequest {
  round: bigint
  entry: CreditEntry
  proof: readonly Uint8Array[]
}
export interface ClaimManyOutcome {
  claimed: number
  already: number
  transactions: { txHash: string; gasUsed: bigint; claims: number }[]
}

export interface RunInfo {
  creator: string
  quorum: number
  validatorCount: number
  /** Rounds 0 … committedRounds − 1 are committed. */
  committedRounds: bigint
  genesisPolicyHash: Uint8Array
}

/**
 * Claims per multicall transaction: the dearest claim, a round outside the contributor's 96-round
 * window whose bitmap word is new, costs ≈ 43k gas inside a multicall (docs/PROTOCOL.md, Gas), so
 * 100 stay under 5M, well under a 30M block.
 */
export const CLAIMS_PER_MULTICALL = 100

/** How often a client asks the node whether a transaction it waits for is still known. */
const DROP_POLL_MS = 1000

export class LedgerClient {
  readonly rpcUrl: string
  /** EIP-55 address of the ledger. */
  readonly ledgerAddress: string
  readonly chainId: bigint
  readonly #provider: JsonRpcProvider
  readonly #contract: Contract
  readonly #wallet: Wallet | null
  readonly #init: LedgerClientInit
  readonly #retry: RetryPolicy
  #run: { runId: Uint8Array; manifest: RunManifest } | null = null
  #queue: Promise<unknown> = Promise.resolve()

  private constructor(init: LedgerClientInit, chainId: bigint, ledger: string) {
    this.#init = init
    this.rpcUrl = init.rpcUrl
    this.ledgerAddress = ledger
    this.chainId = chainId
    this.#retry = { ...DEFAULT_RETRY, ...init.retry }
    this.#provider = ledgerProvider(init.rpcUrl, { chainId })
    this.#wallet = init.privateKey === undefined ? null : new Wallet(keyHex(init.privateKey), this.#provider)
    this.#contract = connectLedger(ledger, this.#wallet ?? this.#provider)
  }

  /** Connects to the ledger at `init.ledger`, checking that the RPC answers and that a contract is deployed there. */
  static async connect(init: LedgerClientInit): Promise<LedgerClient> {
    let ledger: string
    try {
      ledger = toChecksumAddress(parseAddress(init.ledger))
    } catch (err) {
      throw new LedgerUsageError(`ledger: ${(err as Error).message}`, { ledger: init.ledger }, { cause: err, exitCode: 2 })
    }
    if (init.privateKey !== undefined) keyHex(init.privateKey)
    const chainId = init.chainId ?? (await probeChainId(init.rpcUrl, init.requestTimeoutMs ?? 30_000))
    const client = new LedgerClient(init, chainId, ledger)
    const code = await client.#read('the ledger code', () => client.#provider.getCode(ledger))
    if (code === '0x') {
      client.close()
      throw new LedgerUsageError(
        `No contract at ${ledger} on ${init.rpcUrl} (chain ${chainId}). Deploy one with \`murmur chain\`, or pass the ledger's address.`,
        { ledger, rpcUrl: init.rpcUrl },
      )
    }
    if (init.manifest) client.#useRun(init.manifest)
    return client
  }

  /** The sending account's address, or null for a read-only client. */
  get address(): string | null {
    return this.#wallet?.address ?? null
  }

  /** The run this client serves (set by `manifest` or ensureRun), or null. */
  get runId(): Uint8Array | null {
    return this.#run?.runId ?? null
  }

  close(): void {
    this.#provider.destroy()
  }

  /**
   * Registers the manifest's run (id = its hash, genesis, validators, quorum) unless it exists,
   * and checks that an existing one matches. @throws LedgerConflictError naming the field that
   * differs.
   */
  async ensureRun(manifestBytes: Uint8Array, options: WriteOptions = {}): Promise<EnsureRunOutcome> {
    const manifest = decodeManifest(manifestBytes)
    const runId = hashRunManifest(manifestBytes)
    const check = async (): Promise<void> => {
      const problems = await this.checkRun(manifestBytes)
      // the node said the run exists, then that it does not: a lagging node behind a load balancer
      if (problems === 'missing') throw new RetryableError(`run ${toHex0x(runId)} exists but runOf does not see it yet`)
      const first = problems[0]
      if (first) throw new LedgerConflictError(`Run ${toHex0x(runId)}: ${first.message}.`, { ...first })
    }
    const domain = domainMismatches(manifest, { ledger: this.ledgerAddress, chainId: this.chainId })
    if (domain[0]) throw new LedgerConflictError(`Run ${toHex0x(runId)}: ${domain[0].message}.`, { ...domain[0] })
    const outcome = await this.#retrying('createRun', options, async (): Promise<EnsureRunOutcome> => {
      if ((await this.runInfo(runId)) !== null) {
        await check()
        return { status: 'exists', runId }
      }
      try {
        await this.#send('createRun', [
          toHex0x(runId),
          toHex0x(manifest.genesisPolicyHash),
          manifest.validators.map(toChecksumAddress),
          manifest.quorum,
        ])
      } catch (err) {
        // another validator registered it first: fine if it registered the same run
        if (err instanceof LedgerRevertError && err.reason === 'LedgerRunExists') {
          await check()
          return { status: 'exists', runId }
        }
        throw err
      }
      return { status: 'created', runId }
    })
    this.#run = { runId, manifest }
    return outcome
  }

  /**
   * What differs between the manifest and the chain: the run's registration (genesis, quorum,
   * validator set) and this client's ledger and chain id, which the manifest's EIP-712 domain
   * names. `missing` when the run is not registered.
   */
  async checkRun(manifestBytes: Uint8Array): Promise<RunMismatch[] | 'missing'> {
    const manifest = decodeManifest(manifestBytes)
    const runId = hashRunManifest(manifestBytes)
    const local = domainMismatches(manifest, { ledger: this.ledgerAddress, chainId: this.chainId })
    const info = await this.runInfo(runId)
    if (info === null) return 'missing'
    const isValidator = await Promise.all(
      manifest.validators.map((v) =>
        this.#read('isValidator', () => this.#contract.getFunction('isValidator')(toHex0x(runId), toChecksumAddress(v))),
      ),
    )
    return [...local, ...registrationMismatches(manifest, info, isValidator.map(Boolean))]
  }

  /**
   * Commits a RoundResult body with its validators' 65-byte signatures. Idempotent: a round
   * already committed with the same data gives `already`; with other data, LedgerConflictError.
   * Transport failures, an earlier round not yet committed, and reverts without data are retried.
   */
  async commitRound(
    { body, signatures }: { body: Uint8Array; signatures: readonly Uint8Array[] },
    options: WriteOptions = {},
  ): Promise<CommitOutcome> {
    let result: RoundResult
    try {
      result = decodeRoundResult(body)
    } catch (err) {
      throw new LedgerUsageError(`body is not a RoundResult: ${(err as Error).message}`, {}, { cause: err })
    }
    for (const [i, s] of signatures.entries())
      if (s.length !== 65) throw new LedgerUsageError(`signatures[${i}] is ${s.length} bytes; a signature is 65 (r ‖ s ‖ v).`, { index: i })
    const args = commitRoundArgs(body, signatures)
    const { round } = result
    const already = async (): Promise<CommitOutcome | null> => {
      const info = await this.runInfo(result.run)
      if (info === null)
        throw new LedgerUsageError(`Run ${toHex0x(result.run)} is not registered on ${this.ledgerAddress}; call ensureRun(manifest) first.`)
      if (round > info.committedRounds) throw new RetryableError(`round ${round} waits for round ${info.committedRounds} to be committed`)
      if (round === info.committedRounds) return null
      const onChain = await this.#committedRound(result.run, round)
      const differs = roundMismatch(result, body, onChain)
      if (differs) throw new LedgerConflictError(differs.message, { ...differs, round })
      return { status: 'already', round }
    }
    return this.#retrying(`commitRound ${round}`, options, async () => {
      const done = await already()
      if (done) return done
      try {
        const receipt = await this.#send('commitRound', args)
        return { status: 'committed', round, txHash: receipt.hash, gasUsed: receipt.gasUsed }
      } catch (err) {
        if (err instanceof LedgerRevertError && err.reason === 'LedgerRoundAlreadyCommitted') {
          const raced = await already()
          if (raced) return raced
        }
        throw err
      }
    })
  }

  /** Claims one contributor's credit for `round` with its Merkle proof; `already` if it was claimed. */
  async claim(round: bigint, entry: CreditEntry, proof: readonly Uint8Array[], options: WriteOptions = {}): Promise<ClaimOutcome> {
    const runId = this.#requireRun()
    return this.#retrying(`claim round ${round} for ${toChecksumAddress(entry.contributor)}`, options, async () => {
      if (await this.isClaimed(round, entry.contributor)) return { status: 'already' }
      try {
        const receipt = await this.#send('claim', claimArgs(runId, round, entry, proof))
        return { status: 'claimed', txHash: receipt.hash, gasUsed: receipt.gasUsed }
      } catch (err) {
        if (err instanceof LedgerRevertError && err.reason === 'LedgerAlreadyClaimed') return { status: 'already' }
        throw err
      }
    })
  }

  /**
   * Claims many leaves in multicall batches of CLAIMS_PER_MULTICALL, skipping those already claimed.
   * Rounds go in ascending order (stable for equal rounds): the ledger accepts any order, but a
   * contributor's first claim then is its earliest round, so the 95 after it share its credit word
   * and cost ≈ 5k gas less each (docs/PROTOCOL.md, Ledger contract).
   */
  async claimMany(claims: readonly ClaimRequest[], options: WriteOptions = {}): Promise<ClaimManyOutcome> {
    const runId = this.#requireRun()
    const out: ClaimManyOutcome = { claimed: 0, already: 0, transactions: [] }
    const iface = this.#contract.interface
    const ordered = [...claims].sort((a, b) => (a.round < b.round ? -1 : a.round > b.round ? 1 : 0))
    for (let start = 0; start < ordered.length; start += CLAIMS_PER_MULTICALL) {
      const batch = ordered.slice(start, start + CLAIMS_PER_MULTICALL)
      await this.#retrying(`claimMany ${start}…${start + batch.length - 1}`, options, async () => {
        const open: ClaimRequest[] = []
        for (const c of batch) if (!(await this.isClaimed(c.round, c.entry.contributor))) open.push(c)
        if (open.length > 0) {
          const calls = open.map((c) => iface.encodeFunctionData('claim', claimArgs(runId, c.round, c.entry, c.proof)))
          const receipt = await this.#send('multicall', [calls])
          out.transactions.push({ txHash: receipt.hash, gasUsed: receipt.gasUsed, claims: open.length })
        }
        out.claimed += open.length
        out.already += batch.length - open.length
      })
    }
    return out
  }

  /** The run's registration, or null if it is not registered. Default run: this client's. */
  async runInfo(runId: Uint8Array = this.#requireRun()): Promise<RunInfo | null> {
    try {
      const r = await this.#read('runOf', () => this.#contract.getFunction('runOf')(toHex0x(runId)))
      return {
        creator: r.creator as string,
        quorum: Number(r.quorum),
        validatorCount: Number(r.validatorCount),
        committedRounds: r.committedRounds as bigint,
        genesisPolicyHash: fromHex(r.genesisPolicyHash as string),
      }
    } catch (err) {
      if (err instanceof LedgerRevertError && err.reason === 'LedgerUnknownRun') return null
      throw err
    }
  }

  /** The last committed round of the run, or null when none is. */
  async lastCommittedRound(): Promise<bigint | null> {
    const info = await this.runInfo()
    return info === null || info.committedRounds === 0n ? null : info.committedRounds - 1n
  }

  /** What the chain stores for `round` (and the digest its commit emitted), or null when it is not committed. */
  async roundOf(round: bigint): Promise<CommittedRound | null> {
    const runId = this.#requireRun()
    const info = await this.runInfo(runId)
    if (info === null || round >= info.committedRounds) return null
    return this.#committedRound(runId, round)
  }

  /** Credit accrued by `contributor` in the run (the sum of its claimed leaves). */
  async creditOf(contributor: Address | string): Promise<bigint> {
    const runId = this.#requireRun()
    return BigInt(await this.#read('creditOf', () => this.#contract.getFunction('creditOf')(toHex0x(runId), addressText(contributor))))
  }

  async isClaimed(round: bigint, contributor: Address | string): Promise<boolean> {
    const runId = this.#requireRun()
    return Boolean(
      await this.#read('isClaimed', () => this.#contract.getFunction('isClaimed')(toHex0x(runId), round, addressText(contributor))),
    )
  }

  #useRun(manifestBytes: Uint8Array): { runId: Uint8Array; manifest: RunManifest } {
    this.#run = { runId: hashRunManifest(manifestBytes), manifest: decodeManifest(manifestBytes) }
    return this.#run
  }

  #requireRun(): Uint8Array {
    if (!this.#run)
      throw new LedgerUsageError('This LedgerClient has no run: pass `manifest` to connect, or call ensureRun(manifest) first.')
    return this.#run.runId
  }

  async #committedRound(runId: Uint8Array, round: bigint): Promise<CommittedRound> {
    const r = await this.#read('roundOf', () => this.#contract.getFunction('roundOf')(toHex0x(runId), round))
    const iface = this.#contract.interface
    const topics = iface.encodeFilterTopics('RoundCommitted', [toHex0x(runId), round])
    const logs = await this.#read('RoundCommitted logs', () =>
      this.#provider.getLogs({ address: this.ledgerAddress, topics, fromBlock: this.#init.fromBlock ?? 0, toBlock: 'latest' }),
    )
    const event = logs[0] ? iface.parseLog(logs[0]) : null
    return {
      previousPolicyHash: fromHex(r.previousPolicyHash as string),
      policyHash: fromHex(r.policyHash as string),
      contributionsRoot: fromHex(r.contributionsRoot as string),
      resultDigest: event ? fromHex(event.args.resultDigest as string) : null,
    }
  }

  /** A view call, limited in time; reverts become LedgerRevertError, anything else LedgerUnavailableError. */
  async #read<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.#limit(call())
    } catch (err) {
      throw this.#wrap(`reading ${what}`, err)
    }
  }

  /** One request, limited to requestTimeoutMs (the request itself may go on; its answer is ignored). */
  #limit<T>(request: Promise<T>): Promise<T> {
    const ms = this.#init.requestTimeoutMs ?? 30_000
    return withTimeout(request, ms, () => new Error(`no answer within ${ms} ms`))
  }

  /** One transaction, serialised with this client's other sends, with the account's pending nonce. */
  #send(method: string, args: readonly unknown[]): Promise<TransactionReceipt> {
    const wallet = this.#wallet
    if (!wallet) return Promise.reject(new LedgerUsageError(`${method} needs a signing key; this LedgerClient is read-only.`))
    const sent = this.#queue.then(async () => {
      const confirm = this.#init.confirmTimeoutMs ?? 120_000
      try {
        const nonce = await this.#limit(this.#provider.getTransactionCount(wallet.address, 'pending'))
        const tx = (await this.#limit(this.#contract.getFunction(method)(...args, { nonce }))) as ContractTransactionResponse
        const receipt = await withTimeout(this.#mined(tx, confirm), confirm, () => new Error(`not mined within ${confirm} ms`))
        if (!receipt) throw new Error('the node returned no receipt')
        return receipt
      } catch (err) {
        throw this.#wrap(method, err)
      }
    })
    this.#queue = sent.catch(() => {})
    return sent
  }

  /**
   * The receipt of `tx`. ethers' wait() alone would wait out the whole confirm timeout for a
   * transaction a reorg dropped (its block gone, and not back in the node's mempool), holding every
   * later send of this client behind it; so the node is asked every DROP_POLL_MS whether it still
   * knows the transaction, and one it has not known for droppedAfterMs fails the attempt with a
   * RetryableError. A failed lookup decides nothing.
   */
  async #mined(tx: ContractTransactionResponse, confirmMs: number): Promise<TransactionReceipt | null> {
    const droppedAfter = this.#init.droppedAfterMs ?? 15_000
    const done = new AbortController()
    const waited = tx.wait(1, confirmMs)
    waited.catch(() => {}) // when the watch below wins, ethers' own timeout ends this wait
    const watch = async (): Promise<null> => {
      let unknownSince: number | null = null
      for (;;) {
        await delay(Math.min(DROP_POLL_MS, droppedAfter), done.signal)
        const known = await this.#limit(this.#provider.getTransaction(tx.hash)).catch(() => undefined)
        if (known !== null) unknownSince = null
        else if (unknownSince === null) unknownSince = Date.now()
        if (unknownSince !== null && Date.now() - unknownSince >= droppedAfter)
          throw new RetryableError(`its transaction ${tx.hash} was dropped (a reorg?): the node has not known it for ${droppedAfter} ms`)
      }
    }
    const watching = watch()
    watching.catch(() => {}) // aborted once the receipt is in
    try {
      return await Promise.race([waited, watching])
    } finally {
      done.abort()
    }
  }

  #wrap(what: string, err: unknown): Error {
    if (err instanceof ChainError || err instanceof RetryableError) return err
    const revert = revertOf(err)
    if (revert && revert.name === 'unknown' && !(err as { data?: unknown }).data) {
      // mined with status 0 and no data: usually a race with another sender; the next attempt re-reads the state
      return new RetryableError(`${what} was mined but reverted (${revert.text})`)
    }
    if (revert)
      return new LedgerRevertError(`${what} reverted with ${revert.text}.`, { reason: revert.name, args: revert.args }, { cause: err })
    return new LedgerUnavailableError(
      `The ledger RPC at ${this.rpcUrl} failed while ${what}: ${errorText(err)}.`,
      { rpcUrl: this.rpcUrl },
      { cause: err },
    )
  }

  #retrying<T>(operation: string, options: WriteOptions, attempt: () => Promise<T>): Promise<T> {
    const report = (f: LedgerFailure) => {
      this.#init.onFailure?.(f)
      options.onFailure?.(f)
    }
    return retrying(
      { operation, policy: this.#retry, signal: options.signal, timeoutMs: options.timeoutMs, rpcUrl: this.rpcUrl, report },
      attempt,
    )
  }
}

function decodeManifest(bytes: Uint8Array): RunManifest {
  try {
    return decodeRunManifest(bytes)
  } catch (err) {
    throw new LedgerUsageError(`The manifest is not a murmur run manifest: ${(err as Error).message}`, {}, { cause: err, exitCode: 3 })
  }
}

function keyHex(key: string | Uint8Array): Hex {
  const hex = typeof key === 'string' ? key : toHex0x(key)
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex))
    throw new LedgerUsageError('privateKey must be 32 bytes (0x followed by 64 hex digits).', {}, { exitCode: 2 })
  return hex as Hex
}

function addressText(a: Address | string): string {
  try {
    return toChecksumAddress(typeof a === 'string' ? parseAddress(a) : a)
  } catch (err) {
    throw new LedgerUsageError(`contributor: ${(err as Error).message}`, {}, { cause: err, exitCode: 2 })
  }
}
