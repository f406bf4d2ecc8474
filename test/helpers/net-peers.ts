/**
 * Loopback swarms for the networking tests: in-process murmur hosts over real TCP/WebSocket
 * sockets on 127.0.0.1, explicit dials, and polling waits with timeouts (no sleeps).
 */
import { createMurmurHost, type MurmurHost, type MurmurHostInit } from '@murmur/node'
import {
  addressFromPeerId,
  addressFromPrivateKey,
  decodeSignedMessage,
  derivePromptSeed,
  deriveSeed,
  type Eip712Domain,
  equalBytes,
  type ScoredGroup,
  type ScoredGroupExpectation,
  type Verdict,
  verifyScoredGroup,
} from '@murmur/protocol'

export const RUN_ID = deriveSeed('murmur/test/net/run')
export const POLICY = deriveSeed('murmur/test/net/policy')
export const domain: Eip712Domain = { chainId: 31337n, verifyingContract: new Uint8Array(20).fill(7), salt: RUN_ID }

export const peerKey = (label: string) => deriveSeed('murmur/test/net/key', label)

/** The test task: the reward is a function of the completion length (as in protocol's fixtures). */
const rewardOracle = { reward: ({ tokens }: { tokens: Uint32Array }) => ({ 3: 1, 4: 0.5 })[tokens.length] ?? 0 }

export const expectation: ScoredGroupExpectation = {
  domain,
  round: 0n,
  policyHash: POLICY,
  groupSize: 4,
  promptsPerPeer: 8,
  maxCompletionTokens: 64,
}

/** An honest group of `key`'s peer for round 0, prompt `promptIndex`. */
export function scoredGroup(key: Uint8Array, promptIndex = 3, round = 0n): ScoredGroup {
  const author = addressFromPrivateKey(key)
  return {
    run: RUN_ID,
    round,
    author,
    policyHash: POLICY,
    promptIndex,
    seed: derivePromptSeed({ run: RUN_ID, round, author, promptIndex }),
    completions: [
      { tokens: Uint32Array.of(5, 17, 2), logprobs: Float32Array.of(-0.5, -1.25, -0.0625), reward: 1 },
      { tokens: Uint32Array.of(9, 2), logprobs: Float32Array.of(-2, -0.125), reward: 0 },
      { tokens: Uint32Array.of(), logprobs: Float32Array.of(), reward: 0 },
      { tokens: Uint32Array.of(4, 4, 4, 2), logprobs: Float32Array.of(-3.5, -0.25, -0.25, 0), reward: 0.5 },
    ],
  }
}

/** The test validator: groups get the full protocol verdict plus "the author is the publisher". */
export const validate: MurmurHostInit['validate'] = async (topic, bytes, from) => {
  if (!topic.endsWith('/groups')) return { ok: true }
  const v = await verifyScoredGroup(
    { rewardOracle },
    { message: bytes, expected: expectation, replay: { ratePpm: 0, secret: new Uint8Array(32) } },
  )
  if (!v.ok) return v
  const publisher = addressFromPeerId(from.toMultihash().bytes)
  if (!equalBytes(v.group.author, publisher))
    return { ok: false, reason: 'wrong-signer', detail: 'the group author is not its publisher' } satisfies Verdict
  return { ok: true }
}

export async function startPeer(label: string, over: Partial<MurmurHostInit> = {}): Promise<MurmurHost> {
  return createMurmurHost({ privateKey: peerKey(label), runId: RUN_ID, validate, ...over })
}

/** Polls `check` every 50 ms until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The address of `to` on the given transport ('tcp' or 'ws'), for an explicit dial. */
export function addrOf(to: MurmurHost, transport: 'tcp' | 'ws' = 'tcp') {
  const addr = to.multiaddrs().find((a) => (transport === 'ws' ? a.toString().includes('/ws') : !a.toString().includes('/ws')))
  if (!addr) throw new Error(`peer ${to.peerId} has no ${transport} address`)
  return addr
}

/** Connects each pair explicitly (libp2p 3 does not auto-dial) and waits for both ends to see it. */
export async function connect(a: MurmurHost, b: MurmurHost, transport: 'tcp' | 'ws' = 'tcp'): Promise<void> {
  await a.dial(addrOf(b, transport))
  await waitFor(`${a.peerId} ↔ ${b.peerId}`, () => b.libp2p.getConnections(a.peerId).length > 0, 15_000)
}

/** Waits until every listed pair sees each other in the mesh of `topic`. */
export async function awaitMesh(
  pairs: Array<[MurmurHost, MurmurHost]>,
  name: 'groups' | 'deltas' | 'roundResults' | 'checkpoints' = 'groups',
) {
  await waitFor(
    `mesh on ${name}`,
    () =>
      pairs.every(
        ([a, b]) => a.gossip.meshPeers(name).includes(b.peerId.toString()) && b.gossip.meshPeers(name).includes(a.peerId.toString()),
      ),
    60_000,
  )
}

/** Collects every accepted delivery on a topic; `next(n)` waits until n have arrived. */
export function collect(host: MurmurHost, name: 'groups' | 'deltas' | 'roundResults' | 'checkpoints' = 'groups') {
  const got: Array<{ kind: string; from: string; data: Uint8Array }> = []
  host.gossip.subscribe(name, (d) => {
    got.push({ kind: decodeSignedMessage(d.data).kind, from: d.from.toString(), data: d.data })
  })
  return {
    got,
    next: (n: number, timeoutMs = 30_000) => waitFor(`${n} message(s) on ${name} at ${host.peerId}`, () => got.length >= n, timeoutMs),
  }
}

/** Resolves with `promise`, or fails naming `what` after `timeoutMs`. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}
