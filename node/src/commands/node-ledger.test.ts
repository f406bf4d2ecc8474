import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectLedger, ledgerProvider } from '@murmur/contracts'
import {
  addressFromPrivateKey,
  compareBytes,
  decodeRunManifest,
  deriveSeed,
  encodeRoundResult,
  toChecksumAddress,
  toHex0x,
} from '@murmur/protocol'
import { Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syntheticManifest, syntheticRound } from '../chain/synthetic-round.js'
import { type LedgerTestbed, startLedgerTestbed } from '../chain/testbed.js'
import { swarmRun } from '../swarm/run.js'
import { runCli } from '../testing.js'
import {
  chainIdOption,
  connectRunLedger,
  type LedgerTarget,
  ledgerBinding,
  ledgerOption,
  ledgerTarget,
  rpcUrlOption,
} from './node-ledger.js'

let t: LedgerTestbed
let dir: string
beforeAll(async () => {
  t = await startLedgerTestbed()
  dir = mkdtempSync(join(tmpdir(), 'murmur-node-ledger-'))
})
afterAll(async () => {
  await t?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const OTHER_LEDGER = '0x000000000000000000000000000000000000bEEF'
const target = (over: Partial<LedgerTarget> = {}): LedgerTarget => ({
  rpcUrl: t.chain.rpcUrl,
  ledger: t.ledger,
  source: '--ledger',
  ...over,
})

/** A closed port on loopback: nothing answers there. */
async function deadUrl(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
  return `http://127.0.0.1:${port}`
}

function collect() {
  const lines: string[] = []
  return { lines, say: (line: string) => void lines.push(line) }
}

describe('ledger flags', () => {
  it('reject a malformed URL, address or chain id, naming the flag', () => {
    expect(() => rpcUrlOption('127.0.0.1:8545')).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: --rpc must be the http(s) URL of a JSON-RPC endpoint, e.g. http://127.0.0.1:8545, got "127.0.0.1:8545".]`,
    )
    expect(() => rpcUrlOption('ws://127.0.0.1:8545')).toThrow(/^--rpc must be the http\(s\) URL/)
    expect(rpcUrlOption('https://rpc.example.org/v1')).toBe('https://rpc.example.org/v1')
    expect(() => ledgerOption('0x1234')).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: --ledger must be the ledger contract's 0x address: "0x1234" is not a 0x-prefixed 20-byte address.]`,
    )
    expect(() => ledgerOption('0x5fbdb2315678afecb367f032d93F642f64180aa3')).toThrow(/bad EIP-55 checksum/)
    expect(ledgerOption('0x5fbdb2315678afecb367f032d93f642f64180aa3')).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3')
    expect(() => chainIdOption('0')).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: --chain-id must be a positive integer (31337 for a local chain), got "0".]`,
    )
    expect(chainIdOption('31337')).toBe(31337n)
  })

  it('need each other, and --chain excludes --rpc/--ledger', async () => {
    await expect(ledgerTarget({ ledger: t.ledger })).rejects.toThrow(
      `--ledger ${t.ledger} needs --rpc URL: the JSON-RPC endpoint of the chain the ledger is on.`,
    )
    await expect(ledgerTarget({ rpc: 'http://127.0.0.1:8545' })).rejects.toThrow(
      '--rpc http://127.0.0.1:8545 needs --ledger ADDRESS: the ContributionLedger on that chain (`murmur chain` prints it).',
    )
    await expect(ledgerTarget({ chainId: 1n })).rejects.toThrow('--chain-id needs --rpc URL and --ledger ADDRESS.')
    await expect(ledgerTarget({ chain: dir, ledger: t.ledger })).rejects.toThrow(
      'Give --chain DIR, or --rpc URL with --ledger ADDRESS, not both.',
    )
    await expect(ledgerTarget({ chain: dir })).rejects.toThrow(
      `--chain ${dir}: no chain.json there; \`murmur chain --data-dir ${dir}\` writes it.`,
    )
    expect(await ledgerTarget({})).toBeNull()
    expect(await ledgerTarget({ rpc: 'http://h:1', ledger: t.ledger, chainId: 5n })).toEqual({
      rpcUrl: 'http://h:1',
      ledger: t.ledger,
      chainId: 5n,
      source: '--ledger',
    })
  })

  it("are checked against the manifest's ledger and chain", () => {
    const bound = decodeRunManifest(t.manifest('binding'))
    const unbound = decodeRunManifest(
      syntheticManifest({ chainId: 31337n, ledger: toHex0x(new Uint8Array(20)), validatorKeys: t.validatorKeys, quorum: 3 }),
    )
    expect(ledgerBinding(bound, target())).toBeNull()
    expect(ledgerBinding(unbound, null)).toBeNull()
    expect(ledgerBinding(bound, null)).toEqual({
      note: `the run's manifest names ledger ${t.ledger} on chain 31337: pass --rpc URL --ledger ${t.ledger} (or --chain DIR) to commit agreed rounds and claim credit; running without the ledger`,
    })
    expect(ledgerBinding(bound, target({ ledger: OTHER_LEDGER }))).toEqual({
      refuse: `--ledger ${OTHER_LEDGER} is not the run's ledger: the manifest names ${t.ledger} on chain 31337, and its rounds are signed for that contract only. Pass --ledger ${t.ledger}.`,
    })
    expect(ledgerBinding(bound, target({ ledger: OTHER_LEDGER, source: '/c/chain.json' }))).toMatchObject({
      refuse: expect.stringMatching(new RegExp(`^The ledger ${OTHER_LEDGER} from /c/chain.json is not the run's ledger`)),
    })
    expect(ledgerBinding(bound, target({ chainId: 1n }))).toEqual({
      refuse: "--chain-id 1 is not the run's chain: the manifest names chain 31337.",
    })
    expect(ledgerBinding(unbound, target())).toEqual({
      refuse: `--ledger ${t.ledger}: the run's manifest names no ledger (its rounds are signed for 0x0000000000000000000000000000000000000000), so no ledger accepts their commits. Make the run's manifest with the ledger (\`murmur swarm RUN_DIR --rpc URL --ledger ADDRESS\` writes one), or leave out the ledger flags.`,
    })
  })
})

describe('connectRunLedger', () => {
  it('says clearly when the endpoint does not answer or serves another chain', async () => {
    const run = swarmRun(t.manifest('reach'))
    const url = await deadUrl()
    await expect(
      connectRunLedger({ target: target({ rpcUrl: url }), run, privateKey: t.validatorKeys[0]!, say: () => {} }),
    ).rejects.toThrow(
      `Cannot reach the JSON-RPC endpoint ${url} (ECONNREFUSED). Start a local chain with \`murmur chain\`, or pass the right --rpc URL.`,
    )
    const elsewhere = swarmRun(syntheticManifest({ chainId: 5n, ledger: t.ledger, validatorKeys: t.validatorKeys, quorum: 3 }))
    await expect(connectRunLedger({ target: target(), run: elsewhere, privateKey: t.validatorKeys[0]!, say: () => {} })).rejects.toThrow(
      `${t.chain.rpcUrl} serves chain 31337, but the run's manifest names chain 5: point --rpc at an endpoint of chain 5.`,
    )
  })

  it('refuses an address without a ledger', async () => {
    const run = swarmRun(syntheticManifest({ chainId: 31337n, ledger: OTHER_LEDGER, validatorKeys: t.validatorKeys, quorum: 3 }))
    await expect(
      connectRunLedger({ target: target({ ledger: OTHER_LEDGER }), run, privateKey: t.validatorKeys[0]!, say: () => {} }),
    ).rejects.toThrow(
      `No contract at ${OTHER_LEDGER} on ${t.chain.rpcUrl} (chain 31337). Deploy one with \`murmur chain\`, or pass the ledger's address.`,
    )
  })

  it('lets a validator register a missing run, and tells a contributor it waits for one', async () => {
    const run = swarmRun(t.manifest('register'))
    const id = `${toHex0x(run.runId).slice(0, 18)}…`
    const contributor = collect()
    const c1 = await connectRunLedger({ target: target(), run, privateKey: t.otherKeys[0]!, say: contributor.say })
    c1.close()
    expect(contributor.lines).toEqual([
      `run ${id} is not registered on ledger ${t.ledger} yet: a validator of the run registers it when it starts with the ledger; this peer claims its credit once rounds are committed`,
    ])
    const validator = collect()
    const c2 = await connectRunLedger({ target: target(), run, privateKey: t.validatorKeys[2]!, say: validator.say })
    expect(validator.lines).toEqual([`registered run ${id} on ledger ${t.ledger} (chain 31337)`])
    expect((await c2.runInfo())?.quorum).toBe(3)
    c2.close()
    const later = collect()
    ;(await connectRunLedger({ target: target(), run, privateKey: t.validatorKeys[0]!, say: later.say })).close()
    expect(later.lines).toEqual([`ledger ${t.ledger} on ${t.chain.rpcUrl} (chain 31337): run ${id} registered, 0 round(s) committed`])
  })

  it('refuses a validator with no ETH to register the run, and warns a contributor with none', async () => {
    const broke = deriveSeed('murmur/test/unfunded', 0)
    const keys = [...t.validatorKeys.slice(0, 3), broke]
    const run = swarmRun(syntheticManifest({ chainId: 31337n, ledger: t.ledger, validatorKeys: keys, quorum: 3, name: 'unfunded' }))
    const address = toChecksumAddress(addressFromPrivateKey(broke))
    await expect(connectRunLedger({ target: target(), run, privateKey: broke, say: () => {} })).rejects.toThrow(
      `Run ${toHex0x(run.runId).slice(0, 18)}… is not registered on ledger ${t.ledger}, and this validator (${address}) has no ETH on chain 31337 to register it. Fund ${address} (\`murmur chain --fund ${address}\` on a local chain), or start a funded validator of the run first.`,
    )
    const poor = collect()
    ;(await connectRunLedger({ target: target(), run, privateKey: deriveSeed('murmur/test/unfunded', 1), say: poor.say })).close()
    expect(poor.lines.at(-1)).toMatch(
      /^warning: 0x[0-9a-fA-F]{40} has no ETH on chain 31337: it cannot pay to commit rounds or claim credit/,
    )
  })

  it('refuses a run registered with other settings than its manifest', async () => {
    const manifestBytes = t.manifest('squatted')
    const run = swarmRun(manifestBytes)
    const provider = ledgerProvider(t.chain.rpcUrl, { chainId: 31337n })
    const validators = [...run.manifest.validators].sort(compareBytes).map(toChecksumAddress)
    const squat = connectLedger(t.ledger, new Wallet(toHex0x(t.otherKeys[1]!), provider))
    await (await squat.getFunction('createRun')(toHex0x(run.runId), toHex0x(run.manifest.genesisPolicyHash), validators, 2)).wait()
    provider.destroy()
    await expect(connectRunLedger({ target: target(), run, privateKey: t.validatorKeys[0]!, say: () => {} })).rejects.toThrow(
      `Run ${toHex0x(run.runId).slice(0, 18)}… is registered on ledger ${t.ledger} with other settings than its manifest: quorum is 2 on-chain, 3 in the manifest. The ledger would refuse its commits: use a manifest made for this ledger, or register the run on a new one.`,
    )
  })
})

describe('murmur node with a ledger', () => {
  it('exits 2 on a malformed flag and on a ledger the manifest does not name, 1 on an endpoint that does not answer', async () => {
    const manifest = join(dir, 'manifest.bin')
    writeFileSync(manifest, t.manifest('cli'))
    const base = ['node', '--run', manifest, '--dev-key', '0', '--data-dir', join(dir, 'peer')]
    const bad = await runCli(...base, '--rpc', t.chain.rpcUrl, '--ledger', 'ledger')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--ledger must be the ledger contract\'s 0x address: "ledger" is not a 0x-prefixed 20-byte address.')
    const other = await runCli(...base, '--rpc', t.chain.rpcUrl, '--ledger', OTHER_LEDGER)
    expect(other).toEqual({
      code: 2,
      stdout: '',
      stderr: `murmur: --ledger ${OTHER_LEDGER} is not the run's ledger: the manifest names ${t.ledger} on chain 31337, and its rounds are signed for that contract only. Pass --ledger ${t.ledger}.\n`,
    })
    const url = await deadUrl()
    const dead = await runCli(...base, '--rpc', url, '--ledger', t.ledger)
    expect(dead).toEqual({
      code: 1,
      stdout: '',
      stderr: `murmur: Cannot reach the JSON-RPC endpoint ${url} (ECONNREFUSED). Start a local chain with \`murmur chain\`, or pass the right --rpc URL.\n`,
    })
  })

  it('murmur swarm refuses a ledger its existing manifest does not name, saying where that manifest is', async () => {
    const runDir = join(dir, 'run')
    mkdirSync(join(runDir, 'swarm'), { recursive: true })
    writeFileSync(join(runDir, 'run.json'), '{}')
    const unbound = syntheticManifest({ chainId: 31337n, ledger: toHex0x(new Uint8Array(20)), validatorKeys: t.validatorKeys, quorum: 3 })
    writeFileSync(join(runDir, 'swarm', 'manifest.bin'), unbound)
    const r = await runCli('swarm', runDir, '--rounds', '1', '--rpc', t.chain.rpcUrl, '--ledger', t.ledger)
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      `murmur: --ledger ${t.ledger}: the run's manifest names no ledger (its rounds are signed for 0x0000000000000000000000000000000000000000), so no ledger accepts their commits. Make the run's manifest with the ledger (\`murmur swarm RUN_DIR --rpc URL --ledger ADDRESS\` writes one), or leave out the ledger flags. (${join(runDir, 'swarm', 'manifest.bin')} is this swarm's manifest: to start a new run on another ledger, use another --data-dir or move it away.)\n`,
    )
  })

  it('murmur swarm refuses a run that already has rounds on the ledger: it would start it over from genesis', async () => {
    const runDir = join(dir, 'run-committed')
    mkdirSync(join(runDir, 'swarm'), { recursive: true })
    writeFileSync(join(runDir, 'run.json'), '{}')
    const manifest = t.manifest('swarm-committed')
    writeFileSync(join(runDir, 'swarm', 'manifest.bin'), manifest)
    const client = await t.client(t.validatorKeys[0], { manifest })
    await client.ensureRun(manifest)
    const r0 = syntheticRound({
      manifestBytes: manifest,
      round: 0n,
      previousPolicyHash: (await client.runInfo())!.genesisPolicyHash,
      contributorKeys: [deriveSeed('murmur/test/swarm-committed', 0)],
      signerKeys: t.validatorKeys.slice(0, 3),
    })
    await client.commitRound({ body: encodeRoundResult(r0.result), signatures: r0.signatures })
    const r = await runCli('swarm', runDir, '--rounds', '1', '--peers', '1', '--rpc', t.chain.rpcUrl, '--ledger', t.ledger)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `murmur: Run ${toHex0x(swarmRun(manifest).runId).slice(0, 18)}… already has 1 round(s) committed on ledger ${t.ledger}, and \`murmur swarm\` starts a run from its genesis, so its rounds would conflict. Start a new run (another --data-dir), or join this one with \`murmur node\`.\n`,
    )
  })
})
