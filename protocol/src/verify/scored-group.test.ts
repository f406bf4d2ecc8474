import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { alice, bob, domain, POLICY_0, POLICY_1, RUN, sampleGroup } from '../../vectors/fixtures.js'
import { signDigest } from '../crypto/sign.js'
import type { ScoredGroup } from '../messages/scored-group.js'
import { encodeSignedMessage, signingDigest, signMessage } from '../messages/signed.js'
import { derivePromptSeed } from './prompt-seed.js'
import { selectReplayIndices } from './replay-selection.js'
import { type ReplayChecker, type RewardOracle, type ScoredGroupExpectation, verifyScoredGroup } from './scored-group.js'

/** The fixture's task: the reward is a function of the completion length. */
const oracle: RewardOracle = { reward: ({ tokens }) => ({ 3: 1, 4: 0.5 })[tokens.length] ?? 0 }
const expected: ScoredGroupExpectation = {
  domain,
  round: 0n,
  policyHash: POLICY_0,
  groupSize: 4,
  promptsPerPeer: 8,
  maxCompletionTokens: 64,
}
const replay = { ratePpm: 0, secret: new Uint8Array(32).fill(42) }

function signed(g: ScoredGroup, key = alice.privateKey) {
  return encodeSignedMessage(signMessage('ScoredGroup', g, domain, key))
}

async function verdict(g: ScoredGroup, over: Partial<ScoredGroupExpectation> = {}) {
  const v = await verifyScoredGroup({ rewardOracle: oracle }, { message: signed(g), expected: { ...expected, ...over }, replay })
  return v.ok ? 'ok' : `${v.reason}: ${v.detail}`
}

describe('verifyScoredGroup', () => {
  it('accepts an honest group and returns its id', async () => {
    const v = await verifyScoredGroup({ rewardOracle: oracle }, { message: signed(sampleGroup), expected, replay })
    expect(v.ok).toBe(true)
  })

  it('rejects a group for another round or policy', async () => {
    expect(await verdict(sampleGroup, { round: 1n })).toMatchInlineSnapshot(`"wrong-round: group is for round 0, the current round is 1"`)
    expect(await verdict(sampleGroup, { policyHash: POLICY_1 })).toMatch(/^wrong-policy: /)
    expect(await verdict({ ...sampleGroup, run: POLICY_1 })).toMatch(/^wrong-run: /)
  })

  it('accepts an early group (sampled on θ_{r−1}) only where the receiver names θ_{r−1}', async () => {
    // sampleGroup is on POLICY_0: as a group of a round whose θ is POLICY_1, it is early
    expect(await verdict(sampleGroup, { policyHash: POLICY_1, previousPolicyHash: POLICY_0 })).toBe('ok')
    expect(await verdict(sampleGroup, { policyHash: POLICY_1, previousPolicyHash: null })).toMatch(/^wrong-policy: /)
    const other = new Uint8Array(32).fill(7)
    expect(await verdict(sampleGroup, { policyHash: POLICY_1, previousPolicyHash: other })).toMatch(
      /^wrong-policy: .* \(or 0x0707.* for an early group\)$/,
    )
  })

  it('rejects a prompt the author did not derive from its own address', async () => {
    const stolen = { ...sampleGroup, seed: derivePromptSeed({ run: RUN, round: 0n, author: bob.address, promptIndex: 3 }) }
    expect(await verdict(stolen)).toMatch(/^wrong-prompt: /)
    expect(
      await verdict({ ...sampleGroup, promptIndex: 8, seed: derivePromptSeed({ ...sampleGroup, promptIndex: 8 }) }),
    ).toMatchInlineSnapshot(`"bad-prompt-index: prompt index 8 is not below 8 prompts per peer"`)
  })

  it('rejects a reward the task verifier does not give', async () => {
    const inflated = { ...sampleGroup, completions: sampleGroup.completions.map((c, k) => (k === 1 ? { ...c, reward: 1 } : c)) }
    expect(await verdict(inflated)).toMatchInlineSnapshot(`"reward-mismatch: completion 1 declares reward 1; the task verifier gives 0"`)
  })

  it('rejects the wrong group size and over-long completions', async () => {
    expect(await verdict(sampleGroup, { groupSize: 8 })).toMatch(/^wrong-group-size: /)
    expect(await verdict(sampleGroup, { maxCompletionTokens: 3 })).toMatch(/^too-long: completion 3 /)
  })

  it('rejects a body signed by someone other than its author, and a forged signature', async () => {
    const { digest } = signingDigest('ScoredGroup', signMessage('ScoredGroup', sampleGroup, domain, alice.privateKey).body, domain)
    const forged = signMessage('ScoredGroup', sampleGroup, domain, alice.privateKey)
    forged.signature = signDigest(digest, bob.privateKey)
    const v = await verifyScoredGroup({ rewardOracle: oracle }, { message: forged, expected, replay })
    expect(v.ok ? 'ok' : v.reason).toBe('wrong-signer')
    forged.signature = new Uint8Array(65)
    const w = await verifyScoredGroup({ rewardOracle: oracle }, { message: forged, expected, replay })
    expect(w.ok ? 'ok' : `${w.reason}: ${w.detail}`).toMatchInlineSnapshot(`"bad-signature: signature is not acceptable: bad-v"`)
  })

  it('rejects a signature made in another domain (chain id)', async () => {
    const other = encodeSignedMessage(signMessage('ScoredGroup', sampleGroup, { ...domain, chainId: 1n }, alice.privateKey))
    const v = await verifyScoredGroup({ rewardOracle: oracle }, { message: other, expected, replay })
    expect(v.ok ? 'ok' : v.reason).toBe('wrong-signer')
  })

  it('never throws on arbitrary or mutated bytes', async () => {
    const good = signed(sampleGroup)
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
            const b = good.slice()
            b[i] = b[i]! ^ x
            return b
          }),
        ),
        async (bytes) => {
          const v = await verifyScoredGroup({ rewardOracle: oracle }, { message: bytes, expected, replay })
          expect(typeof v.ok).toBe('boolean')
        },
      ),
      { numRuns: 150 },
    )
  })

  it('replays exactly the completions its own secret selects, and rejects on a failed replay', async () => {
    const seen: number[][] = []
    const checker = (ok: boolean): ReplayChecker => ({
      check: async ({ completionIndices }) => {
        seen.push([...completionIndices])
        return ok ? { ok: true } : { ok: false, detail: 'token 2 of completion 0 lies outside its CDF interval' }
      },
    })
    const all = { ratePpm: 1_000_000, secret: replay.secret }
    const v = await verifyScoredGroup(
      { rewardOracle: oracle, replayChecker: checker(true) },
      { message: signed(sampleGroup), expected, replay: all },
    )
    expect(v.ok && v.replayed).toEqual([0, 1, 2, 3])
    const w = await verifyScoredGroup(
      { rewardOracle: oracle, replayChecker: checker(false) },
      { message: signed(sampleGroup), expected, replay: all },
    )
    expect(w.ok ? 'ok' : `${w.reason}: ${w.detail}`).toMatchInlineSnapshot(
      `"replay-mismatch: replay of completions [0, 1, 2, 3] failed: token 2 of completion 0 lies outside its CDF interval"`,
    )
  })
})

describe('selectReplayIndices', () => {
  const id = new Uint8Array(32).fill(5)

  it('depends on the verifier secret, so the sender cannot predict it', () => {
    const picks = new Set<string>()
    for (let i = 0; i < 20; i++) picks.add(selectReplayIndices({ ratePpm: 250_000, secret: new Uint8Array(32).fill(i) }, id, 64).join(','))
    expect(picks.size).toBeGreaterThan(15)
  })

  it('is reproducible for one secret and hits the configured rate on average', () => {
    const s = { ratePpm: 50_000, secret: new Uint8Array(32).fill(1) }
    expect(selectReplayIndices(s, id, 64)).toEqual(selectReplayIndices(s, id, 64))
    let total = 0
    for (let i = 0; i < 200; i++) total += selectReplayIndices(s, Uint8Array.of(i, ...new Uint8Array(31)), 64).length
    const rate = total / (200 * 64)
    expect(rate).toBeGreaterThan(0.035)
    expect(rate).toBeLessThan(0.065)
  })

  it('selects nothing at rate 0 and everything at 100%', () => {
    expect(selectReplayIndices({ ratePpm: 0, secret: new Uint8Array(16) }, id, 8)).toEqual([])
    expect(selectReplayIndices({ ratePpm: 1_000_000, secret: new Uint8Array(16) }, id, 3)).toEqual([0, 1, 2])
  })
})
