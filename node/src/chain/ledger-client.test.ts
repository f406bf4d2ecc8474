import { createServer as createHttpServer } from 'node:http'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { connectLedger, ledgerProvider } from '@murmur/contracts'
import { addressFromPrivateKey, type CreditEntry, toChecksumAddress, toHex0x } from '@murmur/protocol'
import { Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerFailure } from './retry.js'
import { syntheticManifest } from './synthetic-round.js'
import { type LedgerTestbed, rpcCall, runIdOf, startLedgerTestbed } from './testbed.js'

let t: LedgerTestbed
beforeAll(async () => {
  t = await startLedgerTestbed()
})
afterAll(() => t.stop())

const FAST_RETRY = { initialDelayMs: 10, maxDelayMs: 50, factor: 2 }
const registeredRun = (name: string) => t.registeredRun(name, { retry: FAST_RETRY })

/** A TCP forwarder on a fixed port that can be taken down and brought back: a real RPC outage. */
async function outageProxy(targetUrl: string) {
  const target = new URL(targetUrl)
  const sockets = new Set<Socket>()
  let server: Server | null = null
  const up = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = tcpConnect(Number(target.port), target.hostname)
        for (const sock of [client, upstream]) {
          sockets.add(sock)
          sock.on('error', () => {
            client.destroy()
            upstream.destroy()
          })
          sock.on('close', () => sockets.delete(sock))
        }
        client.pipe(upstream).pipe(client)
      })
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => resolve((s.address() as { port: number }).port))
      server = s
    })
  const port = await up(0)
  return {
    url: `http://127.0.0.1:${port}`,
    up: () => up(port),
    down: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server!.close(() => resolve())
      }),
  }
}

/**
 * A TCP forwarder that passes the first `eth_sendRawTransaction` request to the chain and drops
 * the connection instead of returning the answer: the RPC going away in the middle of a commit.
 */
async function dropFirstSendProxy(targetUrl: string) {
  const target = new URL(targetUrl)
  let dropped = 0
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname)
    let sending = false
    for (const sock of [client, upstream])
      sock.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    client.on('data', (chunk: Buffer) => {
      if (dropped === 0 && chunk.includes('eth_sendRawTransaction')) sending = true
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (!sending) return void client.write(chunk)
      dropped++
      sending = false
      client.destroy()
      upstream.destroy()
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )
  return { url: `http://127.0.0.1:${port}`, dropped: () => dropped, close: () => new Promise<void>((r) => server.close(() => r())) }
}

/**
 * A JSON-RPC forwarder that, once armed with a snapshot, answers the next eth_sendRawTransaction
 * only after reverting the chain to it: the transaction is mined, then a reorg drops its block
 * before the sender reads the receipt (and the chain does not put it back in its mempool).
 */
async function reorgAfterSendProxy(targetUrl: string) {
  let snapshot: unknown = null
  let reverted = 0
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString()
      const answer = await fetch(targetUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      const text = await answer.text()
      if (snapshot !== null && (JSON.parse(body) as { method?: string }).method === 'eth_sendRawTransaction') {
        expect(await rpcCall(targetUrl, 'evm_revert', [snapshot])).toBe(true)
        snapshot = null
        reverted++
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(text)
    })
  })
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )
  return {
    url: `http://127.0.0.1:${port}`,
    arm: async () => {
      snapshot = await rpcCall(targetUrl, 'evm_snapshot')
    },
    reverted: () => reverted,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

describe('LedgerClient.ensureRun', () => {
  it('registers the run once, then finds it', async () => {
    const manifest = t.manifest('ensure')
    const a = await t.client(t.validatorKeys[0])
    const b = await t.client(t.validatorKeys[1])
    expect(await a.ensureRun(manifest)).toEqual({ status: 'created', runId: runIdOf(manifest) })
    expect(await b.ensureRun(manifest)).toEqual({ status: 'exists', runId: runIdOf(manifest) })
    expect(await b.runInfo()).toMatchObject({ quorum: 3, validatorCount: 4, committedRounds: 0n, creator: a.address })
    expect(await b.lastCommittedRound()).toBeNull()
  })

  it('names the field when the run on-chain was registered with other validators or quorum', async () => {
    const manifest = t.manifest('front-run')
    // someone registers the manifest's run id first with quorum 1 and only one of its validators
    const wallet = new Wallet(toHex0x(t.otherKeys[0]!), ledgerProvider(t.chain.rpcUrl, { chainId: t.chain.chainId }))
    const validator = toChecksumAddress(addressFromPrivateKey(t.validatorKeys[0]!))
    await (
      await connectLedger(t.ledger, wallet).getFunction('createRun')(
        toHex0x(runIdOf(manifest)),
        toHex0x(new Uint8Array(32).fill(9)),
        [validator],
        1,
      )
    ).wait()
    wallet.provider?.destroy()
    const client = await t.client()
    const err = await client.ensureRun(manifest).catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'LedgerConflictError', field: 'genesisPolicyHash' })
    const problems = await client.checkRun(manifest)
    expect(problems !== 'missing' && problems.map((p) => p.field)).toEqual(['genesisPolicyHash', 'quorum', 'validatorCount', 'validators'])
  })

  it('refuses a manifest whose EIP-712 domain names another ledger', async () => {
    const client = await t.client()
    const moved = syntheticManifest({
      chainId: t.chain.chainId,
      ledger: '0x00000000000000000000000000000000000000aa',
      validatorKeys: t.validatorKeys,
      quorum: 3,
      name: 'elsewhere',
    })
    await expect(client.ensureRun(moved)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[LedgerConflictError: Run 0x063a2b63a6e12288dda254bd5364445b01bba551a36d4097426a9a264b7a7e76: the manifest names ledger 0x00000000000000000000000000000000000000AA, but this client talks to 0x5FbDB2315678afecb367f032d93F642f64180aa3; signatures in the manifest's EIP-712 domain verify only on 0x00000000000000000000000000000000000000AA.]`,
    )
  })
})

describe('LedgerClient.commitRound', () => {
  it('commits a round signed by a quorum, and a second commit of it is `already`', async () => {
    const { client, genesis, round } = await registeredRun('commit')
    const r0 = round(0n, genesis)
    const body = r0.evidence.roundResultBody
    const first = await client.commitRound({ body, signatures: r0.signatures })
    expect(first).toMatchObject({ status: 'committed', round: 0n })
    expect(first.status === 'committed' && first.gasUsed).toBeLessThan(120_000n)
    expect(await client.roundOf(0n)).toEqual({
      previousPolicyHash: genesis,
      policyHash: r0.result.newPolicyHash,
      contributionsRoot: r0.tree.root,
      resultDigest: expect.any(Uint8Array),
    })
    expect(await client.lastCommittedRound()).toBe(0n)
    // any validator may submit the same signatures again (the fallback submitter): nothing happens
    const other = await t.client(t.validatorKeys[3])
    expect(await other.commitRound({ body, signatures: r0.signatures.slice().reverse() })).toEqual({ status: 'already', round: 0n })
  })

  it('reports a round committed with other data as a conflict naming the field', async () => {
    const { client, genesis, round } = await registeredRun('conflict')
    const r0 = round(0n, genesis)
    await client.commitRound({ body: r0.evidence.roundResultBody, signatures: r0.signatures })
    const forged = round(0n, genesis, t.validatorKeys.slice(1, 4), (c) => c.map((e, i) => (i === 0 ? { ...e, credit: e.credit + 1n } : e)))
    await expect(client.commitRound({ body: forged.evidence.roundResultBody, signatures: forged.signatures })).rejects.toMatchObject({
      name: 'LedgerConflictError',
      field: 'contributionsRoot',
    })
  })

  it('reports a revert by its custom error and arguments, without retrying', async () => {
    const { client, genesis, round } = await registeredRun('revert')
    const short = round(0n, genesis, t.validatorKeys.slice(0, 2))
    const failures: LedgerFailure[] = []
    const err = await client
      .commitRound({ body: short.evidence.roundResultBody, signatures: short.signatures }, { onFailure: (f) => failures.push(f) })
      .catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'LedgerRevertError', reason: 'LedgerQuorumNotReached' })
    expect((err as Error).message.replace(/0x[0-9a-f]{64}/, '0xRUN')).toMatchInlineSnapshot(
      `"commitRound reverted with LedgerQuorumNotReached(runId=0xRUN, signatures=2, quorum=3): fewer signatures than the quorum."`,
    )
    expect(failures).toEqual([])
  })

  it('waits for the previous round: a later round is retried until the earlier one lands', async () => {
    const { client, genesis, round } = await registeredRun('order')
    const r0 = round(0n, genesis)
    const r1 = round(1n, r0.result.newPolicyHash)
    const fallback = await t.client(t.validatorKeys[2])
    const failures: LedgerFailure[] = []
    const later = client.commitRound(
      { body: r1.evidence.roundResultBody, signatures: r1.signatures },
      {
        onFailure: (f) => {
          failures.push(f)
          if (failures.length === 1) void fallback.commitRound({ body: r0.evidence.roundResultBody, signatures: r0.signatures })
        },
      },
    )
    expect(await later).toMatchObject({ status: 'committed', round: 1n })
    expect(failures[0]).toMatchObject({ operation: 'commitRound 1', attempt: 1, message: 'round 1 waits for round 0 to be committed' })
  })

  it('keeps retrying through an RPC outage, reporting each failure, and commits once the RPC is back', async () => {
    const { manifest, genesis, round } = await registeredRun('outage')
    const proxy = await outageProxy(t.chain.rpcUrl)
    const client = await t.client(t.validatorKeys[1], { rpcUrl: proxy.url, retry: FAST_RETRY, requestTimeoutMs: 2000 })
    await client.ensureRun(manifest)
    const r0 = round(0n, genesis)
    await proxy.down()
    const failures: LedgerFailure[] = []
    const committed = client.commitRound(
      { body: r0.evidence.roundResultBody, signatures: r0.signatures },
      {
        onFailure: (f) => {
          failures.push(f)
          if (failures.length === 3) void proxy.up()
        },
      },
    )
    expect(await committed).toMatchObject({ status: 'committed', round: 0n })
    expect(failures.length).toBeGreaterThanOrEqual(3)
    expect(failures.map((f) => f.retryInMs).slice(0, 3)).toEqual([10, 20, 40])
    expect(failures[0]!.message).toContain(`The ledger RPC at ${proxy.url} failed while reading runOf`)
    await proxy.down()
  })

  it('survives the RPC dropping its answer to the commit transaction: the retry finds the round on chain', async () => {
    const { manifest, genesis, round } = await registeredRun('mid-commit')
    const proxy = await dropFirstSendProxy(t.chain.rpcUrl)
    try {
      const client = await t.client(t.validatorKeys[1], { rpcUrl: proxy.url, retry: FAST_RETRY, requestTimeoutMs: 2000 })
      await client.ensureRun(manifest)
      const r0 = round(0n, genesis)
      const failures: LedgerFailure[] = []
      const outcome = await client.commitRound(
        { body: r0.evidence.roundResultBody, signatures: r0.signatures },
        { onFailure: (f) => failures.push(f) },
      )
      expect(proxy.dropped()).toBe(1)
      expect(failures.length).toBeGreaterThanOrEqual(1)
      // the transaction reached the chain; the retry reads the round back instead of sending it twice
      expect(outcome).toEqual({ status: 'already', round: 0n })
      expect(await client.lastCommittedRound()).toBe(0n)
      const r1 = round(1n, r0.result.newPolicyHash)
      expect(await client.commitRound({ body: r1.evidence.roundResultBody, signatures: r1.signatures })).toMatchObject({
        status: 'committed',
        round: 1n,
      })
    } finally {
      await proxy.close()
    }
  })

  it('lets validators race for one round, with their own keys or two clients sharing one key (same pending nonce): one commit, the rest `already`', async () => {
    const { manifest, genesis, round } = await registeredRun('race')
    const clients = await Promise.all(
      [t.validatorKeys[1], t.validatorKeys[2], t.validatorKeys[2]].map((k) => t.client(k, { retry: FAST_RETRY })),
    )
    for (const c of clients) await c.ensureRun(manifest)
    let previous = genesis
    for (const r of [0n, 1n]) {
      const rr = round(r, previous)
      const outcomes = await Promise.all(
        clients.map((c) => c.commitRound({ body: rr.evidence.roundResultBody, signatures: rr.signatures })),
      )
      expect(outcomes.map((o) => o.status).sort(), `round ${r}`).toEqual(['already', 'already', 'committed'])
      previous = rr.result.newPolicyHash
    }
    expect(await clients[0]!.lastCommittedRound()).toBe(1n)
  })

  it('gives up at the deadline with an error naming the RPC URL', async () => {
    const { manifest, genesis, round } = await registeredRun('deadline')
    const proxy = await outageProxy(t.chain.rpcUrl)
    const client = await t.client(t.validatorKeys[1], { rpcUrl: proxy.url, retry: FAST_RETRY, requestTimeoutMs: 2000 })
    await client.ensureRun(manifest)
    await proxy.down()
    const r0 = round(0n, genesis)
    const err = await client
      .commitRound({ body: r0.evidence.roundResultBody, signatures: r0.signatures }, { timeoutMs: 100 })
      .catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'LedgerUnavailableError' })
    expect((err as Error).message).toMatch(
      new RegExp(`^commitRound 0 failed \\d+ time\\(s\\) within 100 ms; the last failure: The ledger RPC at ${proxy.url} failed`),
    )
  })
})

describe('LedgerClient.claim and claimMany', () => {
  it('claims leaves with protocol proofs, one and then the rest in a multicall, each once', async () => {
    const { client, genesis, round } = await registeredRun('claims')
    const r0 = round(0n, genesis)
    await client.commitRound({ body: r0.evidence.roundResultBody, signatures: r0.signatures })
    const [first, ...rest] = r0.result.credits
    const proof = (e: CreditEntry) => r0.tree.proof(e.contributor)
    expect(await client.claim(0n, first!, proof(first!))).toMatchObject({ status: 'claimed' })
    expect(await client.claim(0n, first!, proof(first!))).toEqual({ status: 'already' })
    const all = r0.result.credits.map((entry) => ({ round: 0n, entry, proof: proof(entry) }))
    const many = await client.claimMany(all)
    expect(many).toMatchObject({ claimed: rest.length, already: 1, transactions: [{ claims: rest.length }] })
    for (const e of r0.result.credits) {
      expect(await client.creditOf(e.contributor)).toBe(e.credit)
      expect(await client.isClaimed(0n, e.contributor)).toBe(true)
    }
    expect(await client.claimMany(all)).toEqual({ claimed: 0, already: all.length, transactions: [] })
  })

  it('claims in ascending round order, whatever the order it is given', async () => {
    const { client, genesis, round } = await registeredRun('claim-order')
    const r0 = round(0n, genesis)
    const r1 = round(1n, r0.result.newPolicyHash)
    for (const r of [r0, r1]) await client.commitRound({ body: r.evidence.roundResultBody, signatures: r.signatures })
    const requests = [r1, r0].flatMap((r) =>
      r.result.credits.map((entry) => ({ round: r.result.round, entry, proof: r.tree.proof(entry.contributor) })),
    )
    const many = await client.claimMany(requests)
    expect(many).toMatchObject({ claimed: requests.length, already: 0, transactions: [{ claims: requests.length }] })
    const provider = ledgerProvider(t.chain.rpcUrl, { chainId: t.chain.chainId })
    try {
      const ledger = connectLedger(t.ledger, provider)
      const receipt = await provider.getTransactionReceipt(many.transactions[0]!.txHash)
      const rounds = receipt!.logs.map((log) => ledger.interface.parseLog(log)!.args.round as bigint)
      expect(rounds).toEqual([...r0.result.credits.map(() => 0n), ...r1.result.credits.map(() => 1n)])
    } finally {
      provider.destroy()
    }
    for (const e of r0.result.credits) {
      const credit = e.credit + r1.result.credits.find((c) => toChecksumAddress(c.contributor) === toChecksumAddress(e.contributor))!.credit
      expect(await client.creditOf(e.contributor)).toBe(credit)
    }
  })

  it('sends a claim again when a reorg dropped its mined transaction before the receipt was read, without waiting out the confirm timeout', async () => {
    const { manifest, client: committer, genesis, round } = await registeredRun('dropped-claim')
    const r0 = round(0n, genesis)
    await committer.commitRound({ body: r0.evidence.roundResultBody, signatures: r0.signatures })
    const proxy = await reorgAfterSendProxy(t.chain.rpcUrl)
    try {
      // ethers' wait() alone would hold the claim (and every later send) for the whole 30 s
      const client = await t.client(t.validatorKeys[1], {
        rpcUrl: proxy.url,
        manifest,
        retry: FAST_RETRY,
        confirmTimeoutMs: 30_000,
        droppedAfterMs: 300,
      })
      const entry = r0.result.credits[0]!
      await proxy.arm()
      const failures: LedgerFailure[] = []
      const outcome = await client.claim(0n, entry, r0.tree.proof(entry.contributor), { onFailure: (f) => failures.push(f) })
      expect(proxy.reverted()).toBe(1)
      expect(outcome).toMatchObject({ status: 'claimed' })
      expect(failures).toHaveLength(1)
      expect(failures[0]!.message).toMatch(
        /^its transaction 0x[0-9a-f]{64} was dropped \(a reorg\?\): the node has not known it for 300 ms$/,
      )
      expect(await client.isClaimed(0n, entry.contributor)).toBe(true)
      expect(await client.creditOf(entry.contributor)).toBe(entry.credit)
    } finally {
      await proxy.close()
    }
  }, 20_000)

  it('rejects a forged leaf with LedgerInvalidProof naming the contributor', async () => {
    const { client, genesis, round } = await registeredRun('forged-claim')
    const r0 = round(0n, genesis)
    await client.commitRound({ body: r0.evidence.roundResultBody, signatures: r0.signatures })
    const entry = r0.result.credits[0]!
    const err = await client.claim(0n, { ...entry, credit: entry.credit * 10n }, r0.tree.proof(entry.contributor)).catch((e: Error) => e)
    expect(err).toMatchObject({ name: 'LedgerRevertError', reason: 'LedgerInvalidProof' })
    expect((err as Error).message).toContain(toChecksumAddress(entry.contributor))
  })
})
