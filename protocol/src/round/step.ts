/**
 * The round state machine (DESIGN.md §3), sans I/O: `step(state, event) → { state, effects }`.
 * The node and the browser feed it events (stamped with their clock) and carry out its effects
 * (gossip, training, fetching, aggregation, the ledger). Any peer can take any of the roles.
 *
 *   rollouts ──(rolloutsEnd)──▶ training ──(trainingEnd: included set frozen)──▶ aggregation
 *   ──(aggregated)──▶ commit ──(validator quorum, or commitEnd with our own hash)──▶ next round
 *
 * A peer's data never makes it throw: events for other rounds, malformed ids, invalid verdicts
 * and time going backwards are ignored. Rounds only move forward. Every effect answers an
 * event: rollouts and training start from the round's start and its deadlines, publishing
 * answers this peer's own results, fetches answer verified headers, and the included set is
 * exactly the verified deltas seen before the deadline.
 */
import { InvalidArgumentError } from '../errors.js'
import { selectIncluded } from './included-set.js'
import { isTrainable } from './staleness.js'
import type { Hex32, RoundConfig, RoundEffect, RoundEvent, RoundState, StepResult } from './types.js'

const HEX32 = /^0x[0-9a-f]{64}$/
const ADDRESS = /^0x[0-9a-f]{40}$/
const isHex32 = (v: unknown): v is Hex32 => typeof v === 'string' && HEX32.test(v)
const ascending = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
const has = (c: RoundConfig, role: 'worker' | 'trainer' | 'validator') => c.roles.includes(role)

function assertConfig(c: RoundConfig): void {
  const { rolloutsEndMs: a, trainingEndMs: b, commitEndMs: e } = c.schedule
  if (!(Number.isFinite(a) && 0 <= a && a <= b && b <= e))
    throw new InvalidArgumentError(`Round schedule must satisfy 0 ≤ rolloutsEnd ≤ trainingEnd ≤ commitEnd, got ${a}, ${b}, ${e}.`)
  if (!Number.isSafeInteger(c.maxStalenessRounds) || c.maxStalenessRounds < 0)
    throw new InvalidArgumentError(`maxStalenessRounds must be an integer ≥ 0, got ${c.maxStalenessRounds}.`)
  if (!ADDRESS.test(c.self)) throw new InvalidArgumentError(`self must be a lower-case 0x address, got "${c.self}".`)
  for (const v of c.validators) if (!ADDRESS.test(v)) throw new InvalidArgumentError(`Validator "${v}" is not a lower-case 0x address.`)
  if (!Number.isSafeInteger(c.quorum) || c.quorum < 1 || c.quorum > c.validators.length)
    throw new InvalidArgumentError(`quorum must be in [1, ${c.validators.length}], got ${c.quorum}.`)
}

function enterRound(prev: RoundState | null, config: RoundConfig, round: bigint, policyHash: Hex32, atMs: number): StepResult {
  const groups = (prev?.groups ?? []).filter((g) => isTrainable(g.policyRound, round, config.maxStalenessRounds))
  const kept = new Set(groups.map((g) => g.id))
  const state: RoundState = {
    config,
    round,
    phase: 'rollouts',
    policyHash,
    startedAtMs: atMs,
    nowMs: atMs,
    groups,
    trainedGroups: (prev?.trainedGroups ?? []).filter((id) => kept.has(id)),
    deltas: [],
    included: null,
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
  return enterRound(null, config, round, policyHash, atMs)
}

/** The validator hash with a quorum of votes, if any. */
function quorumHash(s: RoundState): Hex32 | null {
  const counts = new Map<string, number>()
  for (const v of s.votes) counts.set(v.newPolicyHash, (counts.get(v.newPolicyHash) ?? 0) + 1)
  let found: Hex32 | null = null
  for (const v of s.votes) if ((counts.get(v.newPolicyHash) ?? 0) >= s.config.quorum) found = v.newPolicyHash
  return found
}

/**
 * Leaves the round: to the quorum's hash if there is one, else (at the deadline) to ours. A peer
 * still aggregating at the deadline follows a quorum (and fetches its checkpoint) rather than stall.
 */
function tryAdvance(s: RoundState, effects: RoundEffect[], deadlinePassed: boolean): StepResult {
  if (s.phase !== 'commit' && !(s.phase === 'aggregation' && deadlinePassed)) return { state: s, effects }
  const agreed = quorumHash(s)
  if (agreed === null && !(deadlinePassed && s.newPolicyHash !== null)) return { state: s, effects }
  const next = agreed ?? s.newPolicyHash!
  if (agreed !== null && has(s.config, 'validator')) effects.push({ kind: 'commit', round: s.round, policyHash: agreed })
  if (agreed !== null && agreed !== s.newPolicyHash)
    effects.push({ kind: 'fetch-checkpoint', round: s.round, policyHash: agreed, localPolicyHash: s.newPolicyHash })
  effects.push({ kind: 'advance', round: s.round + 1n, policyHash: next, committed: agreed !== null })
  const entered = enterRound(s, s.config, s.round + 1n, next, s.nowMs)
  return { state: entered.state, effects: [...effects, ...entered.effects] }
}

/** Applies the deadlines that `nowMs` has passed. */
function advanceTime(s: RoundState, atMs: number, effects: RoundEffect[]): StepResult {
  if (!Number.isFinite(atMs) || atMs <= s.nowMs) return { state: s, effects }
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
  if (state.phase === 'training' && elapsed >= schedule.trainingEndMs) {
    const included = selectIncluded(state.deltas)
    state = { ...state, phase: 'aggregation', included }
    effects.push({ kind: 'aggregate', round: state.round, policyHash: state.policyHash, included })
  }
  if ((state.phase === 'commit' || state.phase === 'aggregation') && elapsed >= schedule.commitEndMs)
    return tryAdvance(state, effects, true)
  return { state, effects }
}

function insertSorted<T>(list: readonly T[], item: T, key: (t: T) => string): T[] {
  return [...list, item].sort((a, b) => ascending(key(a), key(b)))
}

/** One event in, the new state and the effects to carry out. Never throws on an event's content. */
export function step(state: RoundState, event: RoundEvent): StepResult {
  if (event === null || typeof event !== 'object') return { state, effects: [] }
  const timed = advanceTime(state, event.atMs, [])
  let s = timed.state
  const effects = timed.effects
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
      if (!event.valid || !isHex32(event.id) || typeof event.policyRound !== 'bigint') break
      if (!isTrainable(event.policyRound, s.round, s.config.maxStalenessRounds)) break
      if (s.groups.some((g) => g.id === event.id)) break
      s = { ...s, groups: insertSorted(s.groups, { id: event.id, policyRound: event.policyRound }, (g) => g.id) }
      break
    }
    case 'trained': {
      if (!current || !has(s.config, 'trainer') || !isHex32(event.delta) || s.included !== null) break
      if (s.deltas.some((d) => d.id === event.delta)) break
      effects.push({ kind: 'publish-delta', round: s.round, id: event.delta })
      s = { ...s, deltas: insertSorted(s.deltas, { id: event.delta, payload: 'valid' }, (d) => d.id) }
      break
    }
    case 'delta-header': {
      if (!current || !event.valid || !isHex32(event.id) || s.included !== null) break
      if (s.deltas.some((d) => d.id === event.id)) break
      effects.push({ kind: 'fetch-blob', round: s.round, delta: event.id })
      s = { ...s, deltas: insertSorted(s.deltas, { id: event.id, payload: 'pending' }, (d) => d.id) }
      break
    }
    case 'delta-payload': {
      if (!current || s.included !== null) break
      const i = s.deltas.findIndex((d) => d.id === event.id && d.payload === 'pending')
      if (i < 0) break
      const deltas = [...s.deltas]
      deltas[i] = { id: event.id, payload: event.valid === true ? 'valid' : 'invalid' }
      s = { ...s, deltas }
      break
    }
    case 'aggregated': {
      if (!current || s.phase !== 'aggregation' || !isHex32(event.newPolicyHash)) break
      s = { ...s, phase: 'commit', newPolicyHash: event.newPolicyHash }
      if (has(s.config, 'validator')) {
        effects.push({
          kind: 'publish-round-result',
          round: s.round,
          previousPolicyHash: s.policyHash,
          newPolicyHash: event.newPolicyHash,
          included: s.included ?? [],
        })
        if (s.config.validators.includes(s.config.self) && !s.votes.some((v) => v.validator === s.config.self))
          s = { ...s, votes: insertSorted(s.votes, { validator: s.config.self, newPolicyHash: event.newPolicyHash }, (v) => v.validator) }
      }
      return tryAdvance(s, effects, s.nowMs - s.startedAtMs >= s.config.schedule.commitEndMs)
    }
    case 'round-result': {
      if (!current || !event.valid || !isHex32(event.newPolicyHash) || !s.config.validators.includes(event.validator)) break
      if (s.votes.some((v) => v.validator === event.validator)) break
      s = { ...s, votes: insertSorted(s.votes, { validator: event.validator, newPolicyHash: event.newPolicyHash }, (v) => v.validator) }
      return tryAdvance(s, effects, s.nowMs - s.startedAtMs >= s.config.schedule.commitEndMs)
    }
    default:
      break
  }
  return { state: s, effects }
}
