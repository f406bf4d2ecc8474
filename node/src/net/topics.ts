/**
 * Gossip topics of one run: `/murmur/<runIdHex>/<name>`, one per signed message kind, so a
 * topic validator knows which kind to expect and each topic carries its own score parameters.
 */
import { type SignedKind, toHex } from '@murmur/protocol'
import { NetError, UnknownTopicError } from './errors.js'

export interface RunTopics {
  groups: string
  deltas: string
  /** DeltaCommitments: a trainer's commitment to a delta it reveals on `deltas` later. */
  commitments: string
  roundResults: string
  checkpoints: string
  status: string
  /** Fraud proofs: groups that prove their author cheated (swarm/offenses.ts), which `groups` never forwards. */
  offenses: string
}

export type TopicName = keyof RunTopics

/** The signed envelope kind each topic carries. */
export const TOPIC_KINDS: Readonly<Record<TopicName, SignedKind>> = {
  groups: 'ScoredGroup',
  deltas: 'Delta',
  commitments: 'DeltaCommitment',
  roundResults: 'RoundResult',
  checkpoints: 'CheckpointAnnouncement',
  status: 'PeerStatus',
  offenses: 'ScoredGroup',
}

const SUFFIX: Readonly<Record<TopicName, string>> = {
  groups: 'groups',
  deltas: 'deltas',
  commitments: 'commitments',
  roundResults: 'round-results',
  checkpoints: 'checkpoints',
  status: 'status',
  offenses: 'offenses',
}

function runHex(runId: Uint8Array | string): string {
  const hex = typeof runId === 'string' ? runId.replace(/^0x/, '').toLowerCase() : toHex(runId)
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new NetError(`A run id is the 32-byte manifest hash (64 hex digits); got "${hex.slice(0, 80)}" (${hex.length} digits).`, {
      runId: hex.slice(0, 80),
    })
  }
  return hex
}

/** The seven topic strings of a run (its id is the 32-byte manifest hash). */
export function runTopics(runId: Uint8Array | string): RunTopics {
  const hex = runHex(runId)
  return {
    groups: `/murmur/${hex}/${SUFFIX.groups}`,
    deltas: `/murmur/${hex}/${SUFFIX.deltas}`,
    commitments: `/murmur/${hex}/${SUFFIX.commitments}`,
    roundResults: `/murmur/${hex}/${SUFFIX.roundResults}`,
    checkpoints: `/murmur/${hex}/${SUFFIX.checkpoints}`,
    status: `/murmur/${hex}/${SUFFIX.status}`,
    offenses: `/murmur/${hex}/${SUFFIX.offenses}`,
  }
}

/** Parses a topic string back into its run and name; throws {@link UnknownTopicError}. */
export function parseTopic(topic: string): { runHex: string; name: TopicName; kind: SignedKind } {
  const m = /^\/murmur\/([0-9a-f]{64})\/([a-z-]+)$/.exec(topic)
  const name = m ? (Object.keys(SUFFIX) as TopicName[]).find((n) => SUFFIX[n] === m[2]) : undefined
  if (!m || !name) throw new UnknownTopicError(topic)
  return { runHex: m[1]!, name, kind: TOPIC_KINDS[name] }
}
