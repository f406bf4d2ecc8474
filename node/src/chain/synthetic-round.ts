/**
 * A synthetic but fully valid round, for the ledger tests and the audit benchmark: a real run
 * manifest (tiny model, one-digit addition), contributors that each sign ScoredGroups whose
 * rewards the task's own oracle gives and one Delta header training on its groups and a
 * neighbour's, and a RoundResult whose credits are protocol's `roundCredits`, signed by
 * validators. No model runs: the audit re-verifies signatures and rewards, not payloads.
 */
import {
  type Address,
  addressFromPrivateKey,
  buildContributionsTree,
  type ContributionsTree,
  type CreditEntry,
  compareBytes,
  compareOffenses,
  contentHash,
  createCharTokenizer,
  createSoloRun,
  createTask,
  DEFAULT_SWARM,
  type Delta,
  decodeRunManifest,
  derivePromptSeed,
  encodeRoundResult,
  encodeRunManifest,
  encodeSignedMessage,
  hashDelta,
  hashRunManifest,
  hashScoredGroup,
  keccak256,
  NAMED_CONFIGS,
  parseAddress,
  type RoundResult,
  roundCredits,
  runDomain,
  type ScoredGroup,
  signMessage,
  soloRunOfManifest,
  swarmManifest,
  taskSpecFromDifficulty,
  toHex,
} from '@murmur/protocol'
import type { RoundEvidence } from './evidence.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

export interface SyntheticManifestInit {
  chainId: bigint
  /** The ledger's 0x address: the EIP-712 verifyingContract. */
  ledger: string
  /** Validator private keys (any order; the manifest sorts their addresses). */
  validatorKeys: readonly Uint8Array[]
  quorum: number
  name?: string
  groupSize?: number
  promptsPerPeer?: number
}

/** Manifest bytes of a small addition run on `ledger`, with a fixed genesis hash. */
export function syntheticManifest(init: SyntheticManifestInit): Uint8Array {
  const name = init.name ?? 'synthetic'
  const run = createSoloRun({
    name,
    model: 'tiny',
    config: NAMED_CONFIGS.tiny,
    task: taskSpecFromDifficulty('addition', '1'),
    seed: keccak256(utf8(`murmur/synthetic/${name}`)),
    grpo: { groupSize: init.groupSize ?? 4, promptsPerPeer: init.promptsPerPeer ?? 2, maxCompletionTokens: 4 },
  })
  const genesis = { ...run, genesisPolicyHash: toHex(contentHash(utf8(`murmur/synthetic/${name}/genesis`))) }
  const manifest = swarmManifest(genesis, {
    ...DEFAULT_SWARM,
    chainId: init.chainId,
    ledger: parseAddress(init.ledger),
    validators: init.validatorKeys.map((k) => addressFromPrivateKey(k)).sort(compareBytes),
    quorum: init.quorum,
    bootstrap: [],
    roundDurationMs: 60_000,
  })
  return encodeRunManifest(manifest)
}

export interface SyntheticRoundInit {
  manifestBytes: Uint8Array
  round: bigint
  /** h_round: the policy the groups were sampled from (genesis for round 0). */
  previousPolicyHash: Uint8Array
  /** Contributor keys: each signs promptsPerPeer groups and one delta. */
  contributorKeys: readonly Uint8Array[]
  /** Validator keys that sign the RoundResult. */
  signerKeys: readonly Uint8Array[]
  /** Rewrites the honest credits before the validators sign (a forged leaf, in tests). */
  forgeCredits?: (honest: CreditEntry[]) => CreditEntry[]
  /** Rewrites a group before its author signs it (a lying contributor, in tests); credits follow the rewritten group. */
  alterGroup?: (group: ScoredGroup, contributor: number) => ScoredGroup
  /** Contributors whose delta the validators list as screened out (their authors forfeit the round). */
  screen?: readonly number[]
  /**
   * Contributors that also signed a group with an inflated reward (prompt index promptsPerPeer − 1,
   * never trained on): the validators list a `reward-mismatch` offense against each, proven by
   * that group in the evidence, and they forfeit the round.
   */
  offenders?: readonly number[]
}

export interface SyntheticRound {
  result: RoundResult
  /** The archive a validator would write for this round. */
  evidence: RoundEvidence
  /** The validators' 65-byte signatures, in signer order: commitRound's input. */
  signatures: Uint8Array[]
  tree: ContributionsTree
}

/** Builds and signs one round over the manifest's task. */
export function syntheticRound(init: SyntheticRoundInit): SyntheticRound {
  const { manifestBytes, round, previousPolicyHash: policyHash } = init
  const manifest = decodeRunManifest(manifestBytes)
  const runId = hashRunManifest(manifestBytes)
  const domain = runDomain(manifestBytes)
  const task = createTask(soloRunOfManifest(manifest, runId).taskParams)
  const tokenizer = createCharTokenizer()

  const groupsByAuthor: { id: Uint8Array; envelope: Uint8Array; group: ScoredGroup }[][] = init.contributorKeys.map((key, i) => {
    const author = addressFromPrivateKey(key)
    return Array.from({ length: manifest.promptsPerPeer }, (_, promptIndex) => {
      const seed = derivePromptSeed({ run: runId, round, author, promptIndex })
      const instance = task.instance({ split: 'train', bytes: seed })
      const completions = Array.from({ length: manifest.groupSize }, (_, k) => {
        // half the completions answer right, half answer wrong: a group with reward variance
        const text = k % 2 === 0 ? instance.answer : `${k + promptIndex}`
        const tokens = Uint32Array.from(tokenizer.encode(text).slice(0, manifest.maxCompletionTokens))
        const reward = Math.fround(task.reward(instance, tokenizer.decode([...tokens], { skipSpecialTokens: true })).reward)
        return { tokens, logprobs: new Float32Array(tokens.length).fill(-0.25), reward }
      })
      const honest: ScoredGroup = { run: runId, round, author, policyHash, promptIndex, seed, completions }
      const group = init.alterGroup ? init.alterGroup(honest, i) : honest
      const signed = signMessage('ScoredGroup', group, domain, key)
      return { id: hashScoredGroup(signed.body), envelope: encodeSignedMessage(signed), group }
    })
  })

  const deltas = init.contributorKeys.map((key, i) => {
    const author = addressFromPrivateKey(key)
    // own groups plus the next contributor's first: shared groups exercise the uses(g) split
    const neighbour = groupsByAuthor[(i + 1) % groupsByAuthor.length]![0]!
    const ids = [...groupsByAuthor[i]!.map((g) => g.id), neighbour.id]
    const unique = [...new Map(ids.map((id) => [toHex(id), id])).values()].sort(compareBytes)
    const delta: Delta = {
      run: runId,
      round,
      author,
      basePolicyHash: policyHash,
      payloadHash: contentHash(utf8(`murmur/synthetic/payload/${round}/${i}`)),
      payloadSizeBytes: 1024,
      norm: 0.5,
      groups: unique,
    }
    const signed = signMessage('Delta', delta, domain, key)
    return { id: hashDelta(signed.body), envelope: encodeSignedMessage(signed), delta }
  })

  const screened = (init.screen ?? []).map((i) => deltas[i]!.id).sort(compareBytes)
  const proofs = (init.offenders ?? []).map((i) => {
    const g = groupsByAuthor[i]!.at(-1)!.group
    const forged: ScoredGroup = {
      ...g,
      completions: g.completions.map((c, k) => (k === 0 ? { ...c, reward: Math.fround(c.reward + 0.5) } : c)),
    }
    const signed = signMessage('ScoredGroup', forged, domain, init.contributorKeys[i]!)
    return {
      offense: { kind: 'reward-mismatch' as const, offender: forged.author, id: hashScoredGroup(signed.body) },
      envelope: encodeSignedMessage(signed),
    }
  })
  proofs.sort((a, b) => compareOffenses(a.offense, b.offense))
  const honest = roundCredits({
    groups: groupsByAuthor.flat().map(({ id, group }) => ({
      id,
      author: group.author,
      promptIndex: group.promptIndex,
      tokens: group.completions.reduce((n, c) => n + c.tokens.length, 0),
      accepted: true,
    })),
    deltas: deltas.map(({ id, delta }) => ({ id, author: delta.author, groups: delta.groups, accepted: true })),
    screened,
    offenders: proofs.map((p) => p.offense.offender),
  })
  const credits = init.forgeCredits ? init.forgeCredits(honest) : honest
  const tree = buildContributionsTree(runId, round, credits)
  const result: RoundResult = {
    run: runId,
    round,
    previousPolicyHash: policyHash,
    newPolicyHash: contentHash(utf8(`murmur/synthetic/policy/${round}/${toHex(policyHash)}`)),
    contributionsRoot: tree.root,
    deltas: deltas.map((d) => d.id).sort(compareBytes),
    screened,
    offenses: proofs.map((p) => p.offense),
    credits,
  }
  const signed = init.signerKeys.map((key) => signMessage('RoundResult', result, domain, key))
  return {
    result,
    tree,
    signatures: signed.map((s) => s.signature),
    evidence: {
      round,
      manifestBytes,
      roundResultBody: encodeRoundResult(result),
      signatures: signed.map((s, i) => ({
        validator: addressFromPrivateKey(init.signerKeys[i]!) as Address,
        envelope: encodeSignedMessage(s),
      })),
      deltas: deltas.map((d) => d.envelope),
      groups: groupsByAuthor.flat().map((g) => g.envelope),
      offenses: proofs.map((p) => p.envelope),
    },
  }
}
