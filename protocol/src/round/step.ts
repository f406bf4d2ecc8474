/**
 * The round state machine (DESIGN.md §3), sans I/O: `step(state, event) → { state, effects }`.
 * The node and the browser feed it events (stamped with their clock) and carry out its effects
 * (gossip, training, fetching, aggregation, the ledger). Any peer can take any of the roles.
 *
 *   rollouts ──(rolloutsEnd)──▶ training ──(trainingEnd, or a proposal arrives)──▶ aggregation
 *   ──(the adopted proposal reproduced)──▶ commit ──(a quorum of identical RoundResults)──▶ next round
 *
 * Within training, a trainer commits to its delta as soon as it is signed (a DeltaCommitment
 * naming the delta's id) and reveals the header at `revealMs`; a peer includes only deltas whose
 * commitment it saw before `commitmentsEndMs`. A copier sees a header only once it is revealed,
 * after everyone's commitments deadline, so its copy cannot be committed in time.
 *
 * Agreement does not rest on clocks. Peers see deltas at slightly different times, so their
 * own included sets may differ; instead of each validator publishing its own view, one
 * validator proposes per slot (validators[(round + slot) mod n], a slot being
 * commitEnd − trainingEnd long from trainingEnd), and every peer adopts the first valid
 * proposal it sees, aggregates exactly the deltas it lists and checks the claimed θ_{r+1}.
 * Validators that reproduce it sign the same RoundResult (an endorsement); a validator votes
 * once per round, so with quorum > n/2 at most one θ_{r+1} can gather a quorum. A proposal that
 * does not reproduce is rejected (its proposer is never adopted again this round) and the next
 * one is adopted. Peers advance only on a quorum, never alone: a round without quorum waits
 * for the next proposer rather than fork.
 *
 * A peer's data never makes it throw: events for other rounds, malformed ids, invalid verdicts
 * and time going backwards are ignored. Rounds only move forward. Every effect answers an
 * event: rollouts and training start from the round's start and its deadlines, publishing
 * answers this peer's own results, fetches answer verified headers, aggregation answers the
 * deadline (the peer's own valid deltas) or a proposal (the deltas it lists).
 */
import { InvalidArgumentError } from '../errors.js'
import { selectIncluded } from './included-set.js'
import { isTrainable, MAX_POLICY_STALENESS_ROUNDS } from './staleness.js'
import type { Hex32, RoundConfig, RoundEffect, RoundEvent, RoundState, RoundVote, StepResult } from './types.js'

const HEX32 = /^0x[0-9a-f]{64}$/
const ADDRESS = /^0x[0-9a-f]{40}$/
const isHex32 = (v: unknown): v is Hex32 => typeof v === 'string' && HEX32.test(v)
const ascending = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const has = (c: RoundConfig, role: 'worker' | 'trainer' | 'validator') => c.roles.includes(role)

function assertConfig(c: RoundConfig): void {
  const { rolloutsEndMs: a, commitmentsEndMs: c1, revealMs: c2, trainingEndMs: b, commitEndMs: e } = c.schedule
  if (!(Number.isFinite(a) && 0 <= a && a <= c1 && c1 <= c2 && c2 <= b && b <= e))
    throw new InvalidArgumentError(
      `Round schedule must satisfy 0 ≤ rolloutsEnd ≤ commitmentsEnd ≤ reveal ≤ trainingEnd ≤ commitEnd, got ${a}, ${c1}, ${c2}, ${b}, ${e}.`,
    )
  if (!Number.isSafeInteger(c.maxStalenessRounds) || c.maxStalenessRounds < 0 || c.maxStalenessRounds > MAX_POLICY_STALENESS_ROUNDS)
    throw new InvalidArgumentError(
      `maxStalenessRounds must be an integer in [0, ${MAX_POLICY_STALENESS_ROUNDS}] (the protocol's bound), got ${c.maxStalenessRounds}.`,
    )
  if (!ADDRESS.test(c.self)) throw new InvalidArgumentError(`self must be a lower-case 0x address, got "${c.self}".`)
  for (const v of c.validators) if (!ADDRESS.test(v)) throw new InvalidArgumentError(`Validator "${v}" is not a lower-case 0x address.`)
  if (!Number.isSafeInteger(c.quorum) || c.quorum < 1 || c.quorum > c.validators.length)
    throw new InvalidArgumentError(`quorum must be in [1, ${c.validators.length}], got ${c.quorum}.`)
}

/**
 * A group belongs to the round it is signed for, so nothing carries over: the early groups of
 * a round, sampled on θ_{r−1} while round r − 1 closed, arrive as events of round r.
 */
function enterRound(config: RoundConfig, round: bigint, policyHash: Hex32, atMs: number): StepResult {
  const state: RoundState = {
    config,
    round,
    phase: 'rollouts',
    policyHash,
    startedAtMs: atMs,
    nowMs: atMs,
    groups: [],
    trainedGroups: [],
    deltas: [],
    commitments: [],
    unrevealed: [],
    included: null,
    proposal: null,
    rejected: [],
    view: 0,
    newPolicyHash: null,
    votes: [],
  }
  return { state, effects: has(config, 'worker') ? [{ kind: 'rollout', round, policyHash }] : [] }
}

/** The state of a peer entering `round` on θ_round = `policyHash` at `atMs` (genesis, restart, or a synced checkpoint). */
export function startRound({
  config,
  round,
  policyHash,
  atMs,
}: {
  config: RoundConfig
  round: bigint
  policyHash: Hex32
  atMs: number
}): StepResult {
  assertConfig(config)
  if (typeof round !== 'bigint' || round < 0n) throw new InvalidArgumentError(`round must be a bigint ≥ 0, got ${String(round)}.`)
  if (!isHex32(policyHash)) throw new InvalidArgumentError(`policyHash must be 32 bytes of lower-case 0x hex, got "${policyHash}".`)
  if (!Number.isFinite(atMs)) throw new InvalidArgumentError(`atMs must be finite, got ${atMs}.`)
  return enterRound(config, round, policyHash, atMs)
}

/** The proposer of slot `slot` of `round`. */
export function proposerOf(config: Pick<RoundConfig, 'validators'>, round: bigint, slot: number): `0x${string}` {
  const n = BigInt(config.validators.length)
  return config.validators[Number((round + BigInt(slot)) % n)]!
}

/** The proposal slot at `elapsed` ms into the round, or -1 before the aggregation deadline. */
export function proposalSlotAt(schedule: RoundConfig['schedule'], elapsed: number): number {
  if (elapsed < schedule.trainingEndMs) return -1
  const slot = Math.max(1, schedule.commitEndMs - schedule.trainingEndMs)
  return Math.floor((elapsed - schedule.trainingEndMs) / slot)
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])

/** The (θ_{r+1}, included) with a quorum of votes, if any. */
function quorumVote(s: RoundState): RoundVote | null {
  for (const v of s.votes) {
    const n = s.votes.filter((w) => w.newPolicyHash === v.newPolicyHash && sameList(w.included, v.included)).length
    if (n >= s.config.quorum) return v
  }
  return null
}

/** Leaves the round once a quorum of validators signed the same RoundResult. */
function tryAdvance(s: RoundState, effects: RoundEffect[]): StepResult {
  const agreed = quorumVote(s)
  if (agreed === null) return { state: s, effects }
  const next = agreed.newPolicyHash
  if (has(s.config, 'validator')) effects.push({ kind: 'commit', round: s.round, policyHash: next })
  // the shell may still reproduce θ_{r+1} from payloads it holds before fetching the checkpoint
  if (next !== s.newPolicyHash)
    effects.push({ kind: 'fetch-checkpoint', round: s.round, policyHash: next, localPolicyHash: s.newPolicyHash })
  effects.push({ kind: 'advance', round: s.round + 1n, policyHash: next, committed: true })
  const entered = enterRound(s.config, s.round + 1n, next, s.nowMs)
  return { state: entered.state, effects: [...effects, ...entered.effects] }
}

/** Freezes this peer's view of the included set (the deadline passed, or a proposal came). */
function freeze(s: RoundState): RoundState {
  if (s.included !== null) return s
  return { ...s, phase: 'aggregation', included: selectIncluded(s.deltas, s.commitments) }
}

/** Adopts the first valid, not yet rejected proposal among the votes, if none is adopted. */
function adoptFromVotes(s: RoundState, effects: RoundEffect[]): RoundState {
  if (s.proposal !== null) return s
  const v = s.votes.find((w) => !s.rejected.includes(w.validator))
  if (v === undefined) return s
  const state = freeze(s)
  effects.push({ kind: 'aggregate', round: state.round, policyHash: state.policyHash, included: v.included })
  return { ...state, proposal: { validator: v.validator, included: v.included, claimed: v.newPolicyHash, status: 'aggregating' } }
}

/** Applies the deadlines that `nowMs` has passed. */
function advanceTime(s: RoundState, atMs: number, effects: RoundEffect[]): RoundState {
  if (!Number.isFinite(atMs) || atMs <= s.nowMs) return s
  let state: RoundState = { ...s, nowMs: atMs }
  const elapsed = atMs - state.startedAtMs
  const { schedule, maxStalenessRounds } = state.config
  if (state.phase === 'rollouts' && elapsed >= schedule.rolloutsEndMs) {
    state = { ...state, phase: 'training' }
    if (has(state.config, 'trainer')) {
      const trained = new Set(state.trainedGroups)
      const groups = state.groups
        .filter((g) => !trained.has(g.id) && isTrainable(g.policyRound, state.round, maxStalenessRounds))
        .map((g) => g.id)
      if (groups.length > 0) {
        effects.push({ kind: 'train', round: state.round, policyHash: state.policyHash, groups })
        state = { ...state, trainedGroups: [...state.trainedGroups, ...groups].sort(ascending) }
      }
    }
  }
  if (state.unrevealed.length > 0 && elapsed >= schedule.revealMs) {
    for (const id of state.unrevealed) effects.push({ kind: 'publish-delta', round: state.round, id })
    state = { ...state, unrevealed: [] }
  }
  if (state.phase === 'training' && elapsed >= schedule.trainingEndMs) state = freeze(state)
  // our proposal slot: propose our own included set unless we already adopted or voted
  const slot = proposalSlotAt(schedule, elapsed)
  const self = state.config.self
  if (
    slot >= 0 &&
    state.proposal === null &&
    has(state.config, 'validator') &&
    state.config.validators.includes(self) &&
    proposerOf(state.config, state.round, slot) === self &&
    !state.votes.some((v) => v.validator === self)
  ) {
    state = freeze(state)
    const included = state.included ?? []
    effects.push({ kind: 'aggregate', round: state.round, policyHash: state.policyHash, included })
    state = { ...state, proposal: { validator: self, included, claimed: null, status: 'aggregating' } }
  }
  // stall: every validator's slot passed without a quorum (votes split between proposals). Once
  // per such view, a validator that voted re-votes for the leading RoundResult (most votes, then
  // the lowest θ hash) after reproducing it — but only when no RoundResult can still reach a
  // quorum with the votes it has not seen: then no peer can have advanced on any of them, and
  // every validator that sees the same votes picks the same leader. (Safety over liveness: a
  // split with a silent validator that could complete a quorum keeps waiting.)
  const n = state.config.validators.length
  const view = slot >= n ? Math.floor(slot / n) : 0
  const mine = state.votes.find((v) => v.validator === self)
  if (view > state.view && mine && state.proposal?.status !== 'aggregating' && !quorumPossible(state)) {
    state = { ...state, view }
    const lead = leadingVote(state.votes)
    if (lead && !(lead.newPolicyHash === mine.newPolicyHash && sameList(lead.included, mine.included))) {
      effects.push({ kind: 'aggregate', round: state.round, policyHash: state.policyHash, included: lead.included })
      state = {
        ...state,
        rejected: state.rejected.filter((v) => v !== lead.validator),
        proposal: { validator: lead.validator, included: lead.included, claimed: lead.newPolicyHash, status: 'aggregating' },
      }
    }
  }
  return state
}

/** Whether some RoundResult could still gather a quorum with the votes this peer has not seen. */
function quorumPossible(s: RoundState): boolean {
  const unseen = s.config.validators.length - s.votes.length
  return s.votes.some(
    (v) =>
      s.votes.filter((w) => w.newPolicyHash === v.newPolicyHash && sameList(w.included, v.included)).length + unseen >= s.config.quorum,
  )
}

/** The RoundResult with the most votes (ties: the lowest θ hash, then the lowest validator). */
function leadingVote(votes: readonly RoundVote[]): RoundVote | null {
  let best: RoundVote | null = null
  let bestCount = 0
  for (const v of votes) {
    const count = votes.filter((w) => w.newPolicyHash === v.newPolicyHash && sameList(w.included, v.included)).length
    if (count > bestCount || (count === bestCount && best !== null && v.newPolicyHash < best.newPolicyHash)) {
      best = v
      bestCount = count
    }
  }
  return best
}

function insertSorted<T>(list: readonly T[], item: T, key: (t: T) => string): T[] {
  return [...list, item].sort((a, b) => ascending(key(a), key(b)))
}

function isIdList(v: unknown): v is Hex32[] {
  return Array.isArray(v) && v.every((id, i) => isHex32(id) && (i === 0 || (v[i - 1] as string) < id))
}

/** One event in, the new state and the effects to carry out. Never throws on an event's content. */
export function step(state: RoundState, event: RoundEvent): StepResult {
  if (event === null || typeof event !== 'object') return { state, effects: [] }
  const effects: RoundEffect[] = []
  let s = advanceTime(state, event.atMs, effects)
  const current = 'round' in event && event.round === s.round
  switch (event.kind) {
    case 'rollouts-done': {
      if (!current || !has(s.config, 'worker') || !Array.isArray(event.groups)) break
      const known = new Set(s.groups.map((g) => g.id))
      const fresh = [...new Set(event.groups.filter((id) => isHex32(id) && !known.has(id)))].sort(ascending)
      for (const id of fresh) {
        effects.push({ kind: 'publish-group', round: s.round, id })
        s = { ...s, groups: insertSorted(s.groups, { id, policyRound: s.round }, (g) => g.id) }
      }
      break
    }
    case 'group': {
      if (!current || !event.valid || !isHex32(event.id) || typeof event.policyRound !== 'bigint') break
      if (!isTrainable(event.policyRound, s.round, s.config.maxStalenessRounds)) break
      if (s.groups.some((g) => g.id === event.id)) break
      s = { ...s, groups: insertSorted(s.groups, { id: event.id, policyRound: event.policyRound }, (g) => g.id) }
      break
    }
    case 'trained': {
      if (!current || !has(s.config, 'trainer') || !isHex32(event.delta) || s.included !== null) break
      if (s.deltas.some((d) => d.id === event.delta)) break
      // commit at once; reveal at revealMs (at once when that passed: then the commitment is
      // late, and nobody includes the delta, this peer included)
      const id = event.delta
      const elapsed = s.nowMs - s.startedAtMs
      effects.push({ kind: 'publish-commitment', round: s.round, id })
      if (elapsed < s.config.schedule.commitmentsEndMs) s = { ...s, commitments: insertSorted(s.commitments, id, (c) => c) }
      if (elapsed >= s.config.schedule.revealMs) effects.push({ kind: 'publish-delta', round: s.round, id })
      else s = { ...s, unrevealed: insertSorted(s.unrevealed, id, (c) => c) }
      s = { ...s, deltas: insertSorted(s.deltas, { id, payload: 'valid' }, (d) => d.id) }
      break
    }
    case 'delta-commitment': {
      // only one seen before the deadline counts; the deadline is this peer's own clock
      if (!current || !event.valid || !isHex32(event.delta) || s.commitments.includes(event.delta)) break
      if (s.nowMs - s.startedAtMs >= s.config.schedule.commitmentsEndMs) break
      s = { ...s, commitments: insertSorted(s.commitments, event.delta, (c) => c) }
      break
    }
    case 'delta-header': {
      if (!current || !event.valid || !isHex32(event.id)) break
      if (s.deltas.some((d) => d.id === event.id)) break
      // after the freeze a header is still fetched: a proposal may list it
      effects.push({ kind: 'fetch-blob', round: s.round, delta: event.id })
      s = { ...s, deltas: insertSorted(s.deltas, { id: event.id, payload: 'pending' }, (d) => d.id) }
      break
    }
    case 'delta-payload': {
      if (!current) break
      const i = s.deltas.findIndex((d) => d.id === event.id && d.payload === 'pending')
      if (i < 0) break
      const deltas = [...s.deltas]
      deltas[i] = { id: event.id, payload: event.valid === true ? 'valid' : 'invalid' }
      s = { ...s, deltas }
      break
    }
    case 'aggregated': {
      const p = s.proposal
      if (!current || p === null || p.status !== 'aggregating' || !isIdList(event.included) || !sameList(event.included, p.included)) break
      const hash = isHex32(event.newPolicyHash) ? event.newPolicyHash : null
      const own = p.validator === s.config.self
      if (hash === null || (!own && hash !== p.claimed)) {
        // not reproducible: never adopt this proposer again this round; try the next vote
        s = { ...s, proposal: null, rejected: [...s.rejected, p.validator].sort(ascending) }
        s = adoptFromVotes(s, effects)
        break
      }
      s = { ...s, phase: 'commit', newPolicyHash: hash, proposal: { ...p, claimed: hash, status: 'reproduced' } }
      const self = s.config.self
      const myVote = s.votes.find((v) => v.validator === self)
      const revote = myVote !== undefined && !(myVote.newPolicyHash === hash && sameList(myVote.included, p.included))
      if (has(s.config, 'validator') && s.config.validators.includes(self) && (myVote === undefined || revote)) {
        effects.push({
          kind: 'publish-round-result',
          round: s.round,
          previousPolicyHash: s.policyHash,
          newPolicyHash: hash,
          included: p.included,
        })
        const votes = s.votes.filter((v) => v.validator !== self)
        s = { ...s, votes: insertSorted(votes, { validator: self, newPolicyHash: hash, included: p.included }, (v) => v.validator) }
      }
      return tryAdvance(s, effects)
    }
    case 'round-result': {
      if (!current || !event.valid || !isHex32(event.newPolicyHash) || !s.config.validators.includes(event.validator)) break
      if (!isIdList(event.included) || event.validator === s.config.self) break
      const prior = s.votes.find((v) => v.validator === event.validator)
      if (prior && prior.newPolicyHash === event.newPolicyHash && sameList(prior.included, event.included)) break
      // a validator's latest RoundResult replaces its earlier one (it re-votes only after a stall)
      const vote = { validator: event.validator, newPolicyHash: event.newPolicyHash, included: [...event.included] }
      s = {
        ...s,
        votes: insertSorted(
          s.votes.filter((v) => v.validator !== event.validator),
          vote,
          (v) => v.validator,
        ),
      }
      if (quorumVote(s) !== null) return tryAdvance(s, effects)
      if (s.proposal === null && !s.rejected.includes(event.validator)) {
        s = freeze(s)
        effects.push({ kind: 'aggregate', round: s.round, policyHash: s.policyHash, included: vote.included })
        s = { ...s, proposal: { validator: vote.validator, included: vote.included, claimed: vote.newPolicyHash, status: 'aggregating' } }
      }
      return tryAdvance(s, effects)
    }
    default:
      break
  }
  return { state: s, effects }
}
