/**
 * SwarmPeer: one murmur peer in a run. It is the shell around protocol's round state machine
 * (round/step.ts): it feeds the machine events stamped with its clock — its own rollouts and
 * deltas, gossip that passed the protocol verdicts, fetched payloads, aggregations — and carries
 * out the effects: sampling and scoring groups, GRPO training into a compressed, signed delta,
 * fetching payloads and checkpoints over /murmur/blob/1, aggregating, signing RoundResults, and
 * moving to θ_{r+1} (persisted, announced, served).
 *
 * Gossip validation runs the verdicts before anything is forwarded. Messages for a round this
 * peer has left, or for more than one round ahead, are ignored (no penalty: they are honest but
 * late or early); a message for the next round waits until this peer gets there (bounded). Only
 * invalid data lowers a sender's score.
 *
 * A peer that starts behind the swarm (late join, restart) waits, in `sync` mode, for a quorum of
 * the run's validators to announce the same (round, policy hash), fetches that checkpoint by hash
 * from the announcers, checks it, and joins that round; a running peer that finds a quorum two or
 * more rounds ahead of it does the same.
 */
import { setMaxListeners } from 'node:events'
import { join } from 'node:path'
import type { PeerId } from '@libp2p/interface'
import {
  type AdamWState,
  adamWStep,
  addressFromPeerId,
  addressFromPrivateKey,
  aggregationConfigOf,
  assembleGrpoBatch,
  buildContributionsTree,
  type CheckpointAnnouncement,
  chunkSamples,
  clipGradNorm,
  compareBytes,
  compressionConfigOf,
  compressWithFeedback,
  contentHash,
  contributionsRoot,
  createAdamWState,
  createErrorFeedback,
  createRng,
  type Delta,
  decodeDelta,
  decodeDeltaCommitment,
  decodeOuterState,
  decodePeerStatus,
  decodeRoundResult,
  decodeScoredGroup,
  decodeSignedMessage,
  deltaPayloadNorm,
  derivePromptSeed,
  deriveSeed,
  type ErrorFeedbackState,
  encodeOuterState,
  encodeRoundResult,
  encodeSignedMessage,
  encodeWeights,
  equalBytes,
  fromHex,
  groupTokenCount,
  type Hex32,
  hashDeltaPayload,
  hashRoundResult,
  isZeroVarianceGroup,
  l2NormF64,
  MAX_DELTA_PAYLOAD_BYTES,
  MAX_POLICY_STALENESS_ROUNDS,
  nextWeights,
  OFFENSE_REPLAY_TOLERANCE_SCALE,
  type Offense,
  outerStateKey,
  type Policy,
  policyReplayChecker,
  promptTokens,
  pseudoGradient,
  REPLAY_CDF_TOLERANCE,
  REPLAY_LOGPROB_TOLERANCE,
  type Role,
  type RolloutGroup,
  type RoundEffect,
  type RoundEvent,
  type RoundResult,
  type RoundSchedule,
  type RoundState,
  roundCredits,
  roundScheduleOf,
  type ScoredGroup,
  type SignedMessage,
  signingDigest,
  signMessage,
  startRound,
  stepRound,
  type TrainSample,
  taskRewardOracle,
  toHex0x,
  verifyCheckpointAnnouncement,
  verifyDeltaCommitment,
  verifyDeltaHeader,
  verifyDeltaPayload,
  verifyRoundResult,
  verifyScoredGroup,
  type Weights,
  weightsHash,
} from '@murmur/protocol'
import { Claimer, type ClaimLedger } from '../chain/claimer.js'
import {
  directoryEvidenceArchive,
  EVIDENCE_DIR,
  mergeRoundEvidence,
  missingEvidence,
  type RoundEvidence,
  readRoundEvidence,
  writeRoundEvidence,
} from '../chain/evidence.js'
import { submitterRank } from '../chain/submitter.js'
import { MemoryBlobStore } from '../net/blob-store.js'
import { fetchRoundEvidence } from '../net/evidence-client.js'
import { type EvidenceService, evidenceService } from '../net/evidence-service.js'
import { type GossipVerdict, isSampledRejection, MAX_GOSSIP_PUBLISH_BYTES } from '../net/gossip-service.js'
import { createMurmurHost, type IceServer, type MurmurHost, type MurmurTransport } from '../net/host.js'
import { parseTopic, type TopicName } from '../net/topics.js'
import { generateGroups } from '../train/rollouts.js'
import { weightsFromCheckpointBytes, writeSwarmCheckpoint } from './checkpoints.js'
import type { SwarmEngine } from './engine.js'
import { OffenseBook, offenseEvidenceKey, type Proof, type ProofOrigin } from './offenses.js'
import { NODE_CLIENT, PeerStatusBoard, type PeerStatusRow } from './peer-status.js'

/** How often the machine's clock ticks (deadlines are checked on ticks). */
const TICK_MS = 50
/** Groups a peer fetches by id for one delta it cannot otherwise check (bounds a sender's cost to us). */
const MAX_RECOVERED_GROUPS = 256
/** Payload fetch attempts before a delta counts as unavailable. */
const FETCH_ATTEMPTS = 3

/**
 * Share of the round kept, at least, after a trainer's last step for compressing and signing its
 * delta and gossiping its commitment; a peer keeps more when it measured that this takes longer
 * (see commitMarginMs).
 */
const TRAIN_MARGIN = 0.02
/** How often a peer sends its round's announcement and vote again (to new peers, and while its round is overdue). */
const reannouncePeriodMs = (roundDurationMs: number) => Math.max(1000, Math.floor(roundDurationMs / 3))
/**
 * Whether a peer's round is overdue, so that it sends its vote, announcement and status again
 * (a validator that closed the round answers the status with the quorum: helpLaggards). Votes
 * lost on gossip leave a peer in `commit` without a quorum: overdue once it has waited there a
 * re-announce period. A peer stuck elsewhere (it never got a proposal, or cannot aggregate) is
 * overdue a period past the round's duration. Not merely past the duration: healthy rounds
 * often run a little past it (14.6–15.4 s of 15 s with 8 tiny-model peers on 2 cores, far more
 * for bigger models), and every re-send costs each receiver a signature check.
 */
export function isOverdue(
  s: { phase: RoundState['phase']; startedAtMs: number },
  phaseSinceMs: number,
  nowMs: number,
  roundDurationMs: number,
): boolean {
  const period = reannouncePeriodMs(roundDurationMs)
  return (s.phase === 'commit' && nowMs - phaseSinceMs >= period) || nowMs - s.startedAtMs > roundDurationMs + period
}

/** How long one holder gets to answer a delta payload request: a third of a round, 3–30 s. */
const payloadTimeoutMs = (roundDurationMs: number) => Math.min(30_000, Math.max(3000, Math.floor(roundDurationMs / 3)))

/** The margin before a peer has measured delivery (its first round), as a share of the round. */
const FIRST_COMMIT_MARGIN = 0.05
/** Payload fetch times a peer keeps to estimate how long a delta takes to reach the others. */
const FETCH_TIMES_KEPT = 32
/** commitRound's signatures from a round's signed RoundResult envelopes: ordered by validator address. */
function commitSignatures(signed: RoundEvidence['signatures']): Uint8Array[] {
  return [...signed].sort((a, b) => compareBytes(a.validator, b.validator)).map((x) => decodeSignedMessage(x.envelope).signature)
}

/** Cheats a peer remembers (noteCheats); the first named is forgotten first. */
const CHEATS_KEPT = 4096
/** Claims autoClaim remembers to send again after a reorg: deeper reorgs than this are not repaired. */
const CLAIMS_KEPT = 64

/**
 * The earliest a training peer moves it to: with early rollouts, its round starts with the early
 * groups it and others sampled while the last round closed, so when training all the groups
 * takes longer than the manifest's window, it samples less of the round and trains more of it;
 * and a trainer whose one step is longer than the window starts training early enough for it.
 */
const ADAPTIVE_ROLLOUTS_MIN = 0.1
/** One training step's time over its mean: 4.2–5.0 s were measured for the same step on SwiftShader. */
const STEP_SPREAD = 1.25

/**
 * A trainer's phase deadlines from what its last training measured; the protocol's split is
 * the base. The commitments, reveal and training deadlines, which every trainer's delta must
 * meet, stay the same for all; only the rollouts deadline (when this peer stops waiting for
 * groups and trains) moves:
 * - An elastic worker sets it to the commitments deadline less 1.15× its last training and the
 *   margin, so sampling and training fill its round rather than leave it idle once a short
 *   training is done. With early rollouts the same rule may also move it
 *   earlier (to 10% at the earliest), when training all of last round's groups needed more
 *   than the window: the groups it could not train were sampled for nothing.
 * - Any trainer whose one step (1.25× the last mean step, and the margin) would not end by the
 *   commitments deadline starts training that much earlier (to 10% at the earliest), on the
 *   groups it holds by then: a delta on fewer groups that counts, not one on more that comes
 *   too late (a browser tab training on a software WebGPU adapter took 4–5 s a step in a
 *   4.5 s window, and its delta missed the deadline every round). `fits` is false when even
 *   the earliest start leaves no room for one step.
 */
export function trainerSchedule(
  base: RoundSchedule,
  o: { roundDurationMs: number; elastic: boolean; earlyRollouts: boolean; trainMs: number | null; stepMs: number; marginMs: number },
): RoundSchedule & { fits: boolean } {
  const earliest = Math.floor(ADAPTIVE_ROLLOUTS_MIN * o.roundDurationMs)
  const stepFit = base.commitmentsEndMs - Math.ceil(STEP_SPREAD * o.stepMs + o.marginMs)
  let rolloutsEndMs = Math.max(earliest, Math.min(base.rolloutsEndMs, stepFit))
  if (o.elastic && o.trainMs !== null) {
    const fit = base.commitmentsEndMs - Math.ceil(1.15 * o.trainMs + o.marginMs)
    rolloutsEndMs = Math.max(o.earlyRollouts ? earliest : rolloutsEndMs, fit)
  }
  return { ...base, rolloutsEndMs, fits: stepFit >= earliest }
}

export interface PeerRoundReport {
  /** The round that closed. */
  round: number
  address: `0x${string}`
  /** θ_{round+1}, the policy every peer holds after the round's aggregation. */
  policyHash: Hex32
  /** Mean reward and accuracy of the completions of the round's groups this peer held. */
  reward: number
  sampleAccuracy: number
  groups: number
  ownGroups: number
  /** Deltas the round's aggregate was made of (included, not screened), and whether this peer's was one. */
  included: number
  /** Included deltas the screen left out (their authors forfeit the round's credit). */
  screened: number
  ownDeltaIncluded: boolean
  /**
   * Groups the included deltas trained on, by author (checksum-free lowercase `0x` address):
   * whose rollouts made it into θ_{round+1}, and so into the round's credit.
   */
  includedGroupsBy: Record<`0x${string}`, number>
  /** This peer's own groups among them. */
  ownGroupsIncluded: number
  /**
   * What became of this peer's own work, and why what did not count did not: groups with no
   * reward variance carry no gradient (no trainer uses them, by rule); `unused` groups were in no
   * included delta (they reached the trainers after they froze their sets, or a trainer's checks
   * refused them). The delta: in the aggregate, screened out (with the screen's reason when this
   * peer aggregated), or not included (it missed the freeze, or the quorum's checks refused it).
   */
  own: {
    /** `early`: of `published`, those sampled on θ_{round−1} while the round before closed; `earlyIncluded` of them in θ_{round+1}. */
    groups: { published: number; included: number; noGradient: number; unused: number; early: number; earlyIncluded: number }
    delta: null | { outcome: 'included' } | { outcome: 'screened'; reason: string } | { outcome: 'not-included'; reason: string }
  }
  /**
   * The agreed RoundResult's contributions root and its leaves (credit as a decimal string, so
   * the report stays JSON), or null when this peer does not hold the body.
   */
  contributions: {
    root: Hex32
    leaves: { address: `0x${string}`; groups: number; deltas: number; credit: string }[]
    /** The offenses the RoundResult proves: each offender forfeits the round (no leaf). */
    offenses: { kind: string; offender: `0x${string}`; id: Hex32 }[]
  } | null
  /** The round's wall time from this peer's start of it to θ_{round+1}. */
  seconds: number
  /** When this peer started the round and moved to θ_{round+1} (ms, the peer's clock). */
  startedAtMs: number
  advancedAtMs: number
  /** Busy seconds: wall time spent sampling, training or aggregating (overlapping work counted once). */
  computeSeconds: number
  sampledTokens: number
  /** Bytes this peer originated (gossip it published, blobs it served) during the round. */
  bytesSent: number
  /** `bytesSent` by gossip topic, and `blobs` for what it served over the blob protocol. */
  bytesByKind: Partial<Record<TopicName | 'blobs', number>>
  /** Bytes of this peer's delta payload, and of the dense fp32 delta it stands for. */
  deltaBytes: number
  denseDeltaBytes: number
  /** True when θ_{round+1} came from a fetched checkpoint rather than this peer's own aggregation. */
  fetchedCheckpoint: boolean
}

/**
 * Where a peer starts: a given round and θ (genesis, a checkpoint), or `sync`: wait for a quorum
 * of validators to announce the swarm's current checkpoint, then fetch and join it. With
 * `waitForSwarm`, a peer that has a local θ still waits for the swarm first: it joins as soon as
 * any peer announces exactly its (round, θ) (the hash proves it), or syncs to a quorum's newer
 * checkpoint, and starts alone only after two rounds of silence.
 */
export type SwarmStart =
  | {
      round: bigint
      weights: Weights
      /** The outer optimiser's momentum that goes with θ (a restart's checkpoint); none at genesis. */
      momentum?: Float32Array | null
      waitForSwarm?: boolean
    }
  | 'sync'

/** What a peer needs of the ledger (LedgerClient in node/src/chain implements it). */
export interface RoundCommitter {
  commitRound(
    input: { body: Uint8Array; signatures: readonly Uint8Array[] },
    options?: { signal?: AbortSignal },
  ): Promise<{ status: 'committed'; round: bigint; txHash: string } | { status: 'already'; round: bigint }>
  lastCommittedRound(): Promise<bigint | null>
  /** Claims a contributor's credit of a committed round with its Merkle proof (autoClaim). */
  claim?: ClaimLedger['claim']
  /** Whether a contributor's credit of a round is claimed (autoClaim finds claims a reorg dropped). */
  isClaimed?: ClaimLedger['isClaimed']
}

/**
 * Ways an adversarial peer corrupts its own work (the attack suite and the tests use them; an
 * honest peer has none). Each still speaks the real protocol and signs with its own key.
 * - `wrongReward`: one completion's reward inflated in every other group it publishes (the even
 *   prompt indices), the others honest;
 * - `corruptPayload`: its delta payload's first byte flipped after hashing the header;
 * - `delta`: its pseudo-gradient `sign-flip`ped, `scale`d ×100 (sent whatever its norm), built on
 *   a `stale-base` (the previous round's θ), sent with a `lie-norm` (a norm 100× too small), or
 *   with a `collude` bias: one direction every colluder derives from the run id alone (so they
 *   agree without talking), as long as the honest pseudo-gradient, added every round — a drift
 *   meant to stay inside the norm bound, aligned enough to pass the screen, and within the
 *   per-coordinate range the trimmed mean keeps.
 */
export interface PeerFaults {
  wrongReward?: boolean
  corruptPayload?: boolean
  delta?: 'sign-flip' | 'scale' | 'stale-base' | 'lie-norm' | 'collude'
  /** Re-publish, each round, the groups and delta this peer signed the round before (replay). */
  replay?: boolean
  /** As a validator, sign RoundResults whose θ_{r+1} hash is not the one the aggregation gives. */
  wrongResult?: boolean
  /**
   * Hand-written completions: every other completion of each group replaced by the task's right
   * answer with made-up log-probs and its true reward (not sampled from the policy).
   */
  forgeCompletions?: boolean
  /** A slow holder: accept every blob request (its payloads, groups, checkpoints) and never answer. */
  slowBlobs?: boolean
  /**
   * A sybil that trains nothing: it re-signs the first other trainer's delta of each round under
   * its own key (same payload hash, base and groups), fetching the payload so it can serve it.
   */
  copyDeltas?: boolean
  /** Junk on every topic each round: random bytes, a truncated envelope, one over the gossip limit. */
  junk?: boolean
  /** Its delta also lists the groups of the round before (trained on and credited there): credit twice for one rollout. */
  doubleDip?: boolean
  /**
   * Not an attack but the network's loss: the first gossip of each RoundResult this validator
   * signs never leaves it, as when a busy receiver or a dropped link loses it.
   */
  loseFirstVote?: boolean
  /**
   * Trains on its first group of each round but neither gossips nor serves it: its deltas list a
   * group no other peer can get (an author that went away, or one too busy to answer in time).
   */
  withholdGroups?: boolean
}

export interface SwarmPeerInit {
  engine: SwarmEngine
  privateKey: Uint8Array
  roles: readonly Role[]
  /** Checkpoints are persisted here when set. */
  dataDir?: string
  keepCheckpoints?: number
  listen?: string[]
  transports?: MurmurTransport[]
  /** ICE servers for the 'webrtc' transport (MurmurHostInit.iceServers). */
  iceServers?: IceServer[]
  bootstrap?: string[]
  start: SwarmStart
  onRound?: (report: PeerRoundReport) => void
  log?: (line: string) => void
  /** Log each phase change, proposal and delta (with ms into the round). */
  debug?: boolean
  /**
   * Misbehaviour for tests and adversary drills: sign groups whose first reward is wrong, or
   * publish deltas whose payload bytes are corrupt (hashed and announced as such).
   */
  faults?: PeerFaults
  /**
   * The run's ledger (a LedgerClient): validators submit each agreed round, the round's
   * submitter first, the next validators after one round each if it is still missing.
   */
  ledger?: RoundCommitter
  /** Claim this peer's credit of every agreed round once it is on chain (needs `ledger`). */
  autoClaim?: boolean
  /** Called when this peer got a round on chain (or found it there). */
  onCommitted?: (c: { round: number; policyHash: Hex32; txHash: string | null }) => void
  /** Clock in ms (tests); default Date.now. */
  now?: () => number
  /**
   * Volunteer compute budget, read every round: the share of wall time (0..1) this peer may
   * spend sampling. After rollouts that took t ms it sits out rounds until it has rested
   * t·(1/share − 1) ms; 0 pauses sampling while the peer keeps following the swarm. Default 1.
   */
  computeShare?: () => number
  /**
   * Elastic rollouts: prompts per pass (at most the manifest's promptsPerPeer, which is then a
   * cap). The worker samples pass after pass while another fits before its rollouts deadline,
   * and a trainer moves that deadline as late as its training allows. Unset: the whole cap in
   * one pass, at the manifest's 40% deadline. For a peer with a device of its own: peers that
   * share one (in-process swarms on a laptop) only slow each other down.
   */
  rolloutPassPrompts?: number
  /**
   * Early rollouts (with elastic rollouts; default on): once its rollouts and training for round
   * r are done, the worker samples round r + 1's first groups on θ_r while round r closes.
   */
  earlyRollouts?: boolean
  /** The client named in this peer's PeerStatus (default `murmur-node/<version>`; the browser peer says `murmur-web/…`). */
  client?: string
}

/** A reference on a loaded policy (θ and its hash): the session stays loaded until release(). */
interface PolicyLease {
  hash: Uint8Array
  weights: Weights
  policy: Policy
  release: () => Promise<void>
}

interface HeldGroupEntry {
  group: ScoredGroup
  signed: SignedMessage
  bytes: Uint8Array
  own: boolean
  correct: number[]
}

interface DeltaEntry {
  delta: Delta
  bytes: Uint8Array
  from: PeerId | null
  /** Peers known to hold the payload besides the announcers (a recovered delta's sources). */
  holders?: PeerId[]
  values?: Float32Array
  fetching?: Promise<boolean>
}

interface Candidate {
  weights: Weights
  momentum: Float32Array | null
  body: RoundResult
  /** The signed envelopes proving `body.offenses`, in their order. */
  offenseEnvelopes: Uint8Array[]
}

interface Announcement {
  round: bigint
  policyHash: Hex32
  validators: Set<string>
  peers: PeerId[]
}

const hex = (b: Uint8Array): Hex32 => toHex0x(b)

export class SwarmPeer {
  readonly address: `0x${string}`
  readonly roles: readonly Role[]
  private readonly init: SwarmPeerInit
  private readonly engine: SwarmEngine
  private readonly now: () => number
  private readonly log: (line: string) => void
  private host!: MurmurHost
  /** /murmur/evidence/1, served by a validator with a data dir (its DATA_DIR/evidence archive). */
  private evidence: EvidenceService | null = null
  private state: RoundState | null = null
  private timer: ReturnType<typeof setInterval> | null = null
  private reannounce: ReturnType<typeof setInterval> | null = null
  private stopped = false
  private readonly tasks = new Set<Promise<unknown>>()

  /** θ of the current round, once known (a fetched checkpoint may still be in flight). */
  private theta: { round: bigint; hash: Uint8Array; weights: Promise<Weights> } | null = null
  /**
   * θ_{r−1} and a lease on its policy, kept for one round after this peer advanced from it:
   * round r's early groups are sampled on it, and replaying one needs it.
   */
  private previous: { round: bigint; hash: Uint8Array; weights: Promise<Weights>; policy: Promise<Policy> } | null = null
  private policy: { hash: Uint8Array; policy: Promise<Policy> } | null = null
  /** The next prompt index of a round: early groups take the first ones, the round's rollouts go on from there. */
  private prompts: { round: bigint; next: number } = { round: -1n, next: 0 }
  /** Early rollouts in flight (round r + 1's groups on θ_r, sampled while round r closes). */
  private early: Promise<void> | null = null
  /** Leaves the engine's count of peers (SwarmEngine.attach) on stop. */
  private detach: () => void = () => {}
  /** Rollouts and training in flight (early rollouts wait for both). */
  private readonly inFlight = { rollouts: 0, training: 0 }
  /**
   * The outer optimiser's momentum that goes with θ of the current round: computed with θ, read
   * from a restart's checkpoint, or fetched from the validators that signed θ (and proved by the
   * next round, whose θ reproduces only with the right one).
   */
  private momentum: Promise<Float32Array | null> = Promise.resolve(null)
  private adam: AdamWState = createAdamWState()
  private feedback: ErrorFeedbackState
  private lastSent: { round: bigint; id: Hex32; sent: Float32Array; lateMs: number } | null = null
  /** Why the screen left deltas out, by id, from this peer's own aggregations (for its round report). */
  private readonly screenReasons = new Map<Hex32, string>()
  private readonly groupChecks = new Set<Promise<unknown>>()
  private groups = new Map<Hex32, HeldGroupEntry>()
  private deltas = new Map<Hex32, DeltaEntry>()
  /** The current round's first DeltaCommitment per author (lower-case address), and when it came. */
  private commitmentsSeen = new Map<string, { delta: Hex32; atMs: number }>()
  /** The current round's first revealed header per payload hash: its author and when it came (copies come later). */
  private revealed = new Map<Hex32, { author: string; atMs: number }>()
  private results = new Map<string, { result: RoundResult; body: Uint8Array; from: PeerId; envelope: Uint8Array }>()
  private candidates = new Map<Hex32, Candidate>()
  private readonly announcements = new Map<string, Announcement>()
  private readonly waiters: Array<{ round: bigint; resolve: () => void }> = []
  private syncing: Promise<void> | null = null
  private localHash: Uint8Array | null = null
  /** This validator's RoundResult of the current round, re-published until the round closes. */
  private vote: { round: bigint; bytes: Uint8Array } | null = null
  /** The current round's signed announcement, re-published until the round moves on. */
  private announcement: { round: bigint; bytes: Uint8Array } | null = null
  /** The copyDeltas fault: the round it already copied a delta in. */
  private copied: bigint | null = null
  /** The `replay` fault's store: this peer's own envelopes, by round. */
  private replayable: { round: bigint; topic: 'groups' | 'commitments' | 'deltas'; bytes: Uint8Array | undefined }[] = []
  /** Wall ms of this peer's last training (steps, compression, signing), for its schedule. */
  private lastTrainMs: number | null = null
  /** Wall ms of one step (the mean) of this peer's last training; 0 before its first step. */
  private lastStepMs = 0
  /** Said once: this peer's training step does not fit the run's training window. */
  private warnedSlowStep = false
  /** Wall ms from this peer's last training step to its delta's publication. */
  private lastPublishMs = 0
  /**
   * Groups of the current round this peer rejected on its replay sample.
   * Replays are sampled with each peer's own secret, so an honest trainer may have accepted a
   * forged group this peer caught: its delta is then ignored here, not blamed, and still
   * reproduced when a proposal lists it (agreement must not depend on whose sample caught what).
   */
  private rejectedGroups = new Map<Hex32, ScoredGroup>()
  /** A validator's fraud proofs, listed in its proposals and checked in others' (swarm/offenses.ts). */
  private readonly offenseBook: OffenseBook
  /** Recent payload fetches (delta header in → payload verified), wall ms: how long delivery takes. */
  private fetchTimes: number[] = []
  /** The volunteer budget's rest: no sampling before this time (see computeShare). */
  private restUntil = 0
  private busyDepth = 0
  private busySince = 0
  private roundStats = {
    startedAt: 0,
    computeMs: 0,
    tokens: 0,
    deltaBytes: 0,
    bytesByTopic: {} as Partial<Record<TopicName, number>>,
    servedAtStart: 0,
  }
  /** The swarm's PeerStatus table, this peer's own status included. */
  private readonly statuses: PeerStatusBoard

  /** Which completions this peer replays is secret (DESIGN.md §3): a sender cannot predict it. */
  private readonly replaySecret = crypto.getRandomValues(new Uint8Array(32))

  /** Counts for status lines and benchmarks. */
  /** Rounds this validator saw a quorum for (the ledger commits them). */
  readonly committed: { round: bigint; policyHash: Hex32 }[] = []
  /** The signed RoundResults that closed the last round here, and when this validator last relayed them (helpLaggards). */
  private lastQuorum: { round: bigint; envelopes: Uint8Array[]; relayedAtMs: number } | null = null
  /** When the current round's state entered its phase (isOverdue). */
  private phaseSinceMs = 0
  /** Peers named as cheats by an agreed RoundResult (noteCheats), by lowercase address. */
  private readonly cheats = new Set<string>()
  /** This peer's claims of its credit (autoClaim), once the first round closed. */
  private claimer: Claimer | null = null
  /** The highest round this peer saw on the ledger (committed it, or found it there); -1 before any. */
  private onChainThrough = -1n
  private readonly stopSignal = (() => {
    const c = new AbortController()
    setMaxListeners(0, c.signal) // one listener per pending ledger write
    return c
  })()
  readonly counters = {
    groupsPublished: 0,
    groupsAccepted: 0,
    /** Own groups sampled early: round r + 1's, on θ_r, while round r closed. */
    earlyGroupsPublished: 0,
    /** Others' early groups this peer verified and holds. */
    earlyGroupsAccepted: 0,
    deltasAccepted: 0,
    deltasInvalid: 0,
    deltasScreened: 0,
    commitmentsLate: 0,
    deltasCopied: 0,
    /** Groups this trainer left out because their author was named a cheat (noteCheats). */
    groupsOfCheatsLeftOut: 0,
    roundsClosed: 0,
    checkpointsFetched: 0,
    outerStatesFetched: 0,
    syncs: 0,
    recovered: 0,
    ledgerCommits: 0,
    ledgerRecommits: 0,
    claims: 0,
  }

  private constructor(init: SwarmPeerInit) {
    this.init = init
    this.engine = init.engine
    this.roles = init.roles
    this.address = toHex0x(addressFromPrivateKey(init.privateKey))
    this.now = init.now ?? Date.now
    this.log = init.log ?? (() => {})
    this.feedback = createErrorFeedback(init.engine.run.numel)
    const { domain, ctx } = init.engine.run
    this.offenseBook = new OffenseBook({
      domain,
      rewardOracle: taskRewardOracle(ctx.task, ctx.tokenizer),
      onProof: (p, origin) => this.onProof(p, origin),
    })
    this.statuses = new PeerStatusBoard(this.address, {
      privateKey: init.privateKey,
      domain: init.engine.run.domain,
      roles: init.roles,
      device: init.engine.runtime.executionProviders[0] ?? 'cpu',
      client: init.client ?? NODE_CLIENT,
    })
  }

  static async start(init: SwarmPeerInit): Promise<SwarmPeer> {
    const peer = new SwarmPeer(init)
    await peer.open()
    return peer
  }

  private get run() {
    return this.engine.run
  }

  private async open(): Promise<void> {
    const checkpointBytes = Number(this.run.checkpointBytes)
    this.host = await createMurmurHost({
      privateKey: this.init.privateKey,
      runId: this.run.runId,
      validate: (topic, bytes, from) => this.validate(topic, bytes, from),
      listen: this.init.listen,
      transports: this.init.transports,
      iceServers: this.init.iceServers,
      bootstrap: this.init.bootstrap,
      blobStore: new MemoryBlobStore({ maxBytes: 4 * checkpointBytes + 64 * 1024 * 1024 }),
      blobs: { maxBlobBytes: Math.max(checkpointBytes + 1024, 16 * 1024 * 1024), stallServing: this.init.faults?.slowBlobs },
    })
    for (const name of ['groups', 'commitments', 'deltas', 'roundResults', 'checkpoints', 'status', 'offenses'] as const)
      this.host.gossip.subscribe(name, () => {})
    if (this.init.dataDir && this.roles.includes('validator')) {
      const host = this.host.libp2p
      this.evidence = evidenceService()({
        archive: directoryEvidenceArchive(join(this.init.dataDir, EVIDENCE_DIR)),
        logger: host.logger,
        handle: (protocol, handler, options) => host.handle(protocol, handler, options),
        unhandle: (protocol) => host.unhandle(protocol),
      })
      await this.evidence.start()
    }
    this.timer = setInterval(() => {
      this.dispatch({ kind: 'tick', atMs: this.now() })
      this.maybeSampleEarly()
    }, TICK_MS)
    this.timer.unref?.()
    // peers that connected after a round began learn of it without waiting for the next one: the
    // round's checkpoint announcement and this validator's signed RoundResult (so a peer that
    // joined after it was sent can still adopt and endorse it; receivers ignore duplicates) are
    // sent again while a peer connected within the last two periods, and while the round is
    // overdue (isOverdue): a vote gossip lost (a busy receiver, a dropped link) otherwise stays
    // unseen, and a validator may not re-vote while an unseen vote could still complete a quorum
    // (step.ts). An overdue peer also re-sends its status, which a validator that closed the
    // round answers with the quorum (helpLaggards). A settled swarm sends nothing: every copy
    // costs each receiver a signature check.
    const period = reannouncePeriodMs(this.run.manifest.roundDurationMs)
    let lastConnect = Number.NEGATIVE_INFINITY
    this.host.libp2p.addEventListener('peer:connect', () => {
      lastConnect = performance.now()
    })
    this.reannounce = setInterval(() => {
      const st = this.state
      const overdue = st !== null && isOverdue(st, this.phaseSinceMs, this.now(), this.run.manifest.roundDurationMs)
      if (overdue && this.init.debug)
        this.debug(
          `round ${st.round}: overdue in ${st.phase}; sending the vote again; votes seen: ${st.votes.map((v) => `${v.validator.slice(0, 10)}→${v.newPolicyHash.slice(0, 10)}/${v.included.length}`).join(' ') || 'none'}`,
        )
      if (performance.now() - lastConnect > 2 * period && !overdue) return
      // an overdue peer says where it is stuck: a validator that closed the round sends its quorum (helpLaggards)
      if (overdue) this.publish('status', this.statuses.publish(st.round, this.counters.groupsPublished))
      const a = this.announcement
      if (a && this.state?.round === a.round) this.publish('checkpoints', a.bytes)
      const v = this.vote
      if (v && this.state?.round === v.round) this.publish('roundResults', v.bytes)
    }, period)
    this.reannounce.unref?.()
    this.detach = this.engine.attach()
  }

  /** Starts round work (after the caller connected the peers it wants). */
  begin(): void {
    const start = this.init.start
    if (start === 'sync') {
      this.log('waiting for a quorum of validators to announce the current checkpoint')
      return
    }
    if (start.waitForSwarm) {
      this.log(`waiting for the swarm to announce round ${start.round} or later (starting alone after two rounds of silence)`)
      setTimeout(() => {
        if (this.state === null && !this.syncing && !this.stopped) {
          this.log('no announcement from the swarm: starting alone')
          this.enterStart(start, weightsHash(this.run.cfg, start.weights))
        }
      }, 2 * this.run.manifest.roundDurationMs).unref()
      return
    }
    this.enterStart(start, weightsHash(this.run.cfg, start.weights))
  }

  /** Enters the round of a given start (genesis, a restart's checkpoint) with its θ and momentum. */
  private enterStart(start: Exclude<SwarmStart, 'sync'>, hash: Uint8Array): void {
    this.momentum = Promise.resolve(start.momentum ?? null)
    this.enter(start.round, hash, Promise.resolve(start.weights))
  }

  /** Background work in flight (sampling, training, fetches, ledger writes): the peer's queue depth. */
  get pendingTasks(): number {
    return this.tasks.size
  }

  get libp2pHost(): MurmurHost {
    return this.host
  }

  multiaddrs(): string[] {
    return this.host.multiaddrs().map((m) => m.toString())
  }

  /** The current round and policy hash (null before the peer has a policy). */
  status(): { round: bigint; phase: string; policyHash: Hex32 } | null {
    return this.state ? { round: this.state.round, phase: this.state.phase, policyHash: this.state.policyHash } : null
  }

  /** The latest PeerStatus of every peer heard from (this one included), by address. */
  peerStatuses(): PeerStatusRow[] {
    return this.statuses.rows()
  }

  /** The current θ (resolves once a fetched checkpoint is in). */
  async weights(): Promise<{ round: bigint; hash: Uint8Array; weights: Weights } | null> {
    if (!this.theta) return null
    return { round: this.theta.round, hash: this.theta.hash, weights: await this.theta.weights }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.stopSignal.abort()
    if (this.timer) clearInterval(this.timer)
    if (this.reannounce) clearInterval(this.reannounce)
    for (const w of this.waiters.splice(0)) w.resolve()
    await Promise.race([Promise.allSettled([...this.tasks]), new Promise((r) => setTimeout(r, 5000).unref())])
    await this.evidence?.stop().catch(() => undefined)
    await this.host.stop().catch(() => undefined)
    this.detach()
    if (this.policy) await this.engine.release(this.policy.hash).catch(() => undefined)
    if (this.previous) await this.engine.release(this.previous.hash).catch(() => undefined)
    this.policy = null
    this.previous = null
  }

  // ------------------------------------------------------------------------------------------
  // the machine

  /** Prompts per rollout pass: the whole cap in one pass unless elastic rollouts are on. */
  private passPrompts(): number {
    const cap = this.run.manifest.promptsPerPeer
    return Math.max(1, Math.min(cap, this.init.rolloutPassPrompts ?? cap))
  }

  /** This peer's phase deadlines (trainerSchedule): a trainer moves its rollouts deadline by what it measured. */
  private localSchedule(): RoundSchedule {
    const m = this.run.manifest
    const base = roundScheduleOf({ roundDurationMs: m.roundDurationMs })
    if (!this.roles.includes('trainer') || this.lastStepMs === 0) return base
    // only an elastic worker (it samples pass by pass) has anything to do with a later deadline
    const elastic = this.roles.includes('worker') && this.passPrompts() < m.promptsPerPeer
    const marginMs = this.commitMarginMs()
    const { fits, ...schedule } = trainerSchedule(base, {
      roundDurationMs: m.roundDurationMs,
      elastic,
      earlyRollouts: this.earlyRolloutsOn(),
      trainMs: this.lastTrainMs,
      stepMs: this.lastStepMs,
      marginMs,
    })
    if (!fits && !this.warnedSlowStep) {
      this.warnedSlowStep = true
      const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`
      this.log(
        `one training step takes ${s(this.lastStepMs)} here: with its spread and the ${s(marginMs)} a delta needs to reach the others, it does not fit the ${s(base.commitmentsEndMs - schedule.rolloutsEndMs)} from 10% of the round to the commitments deadline, so its deltas may come too late to count (run as a worker only, on a faster device, or in a run with longer rounds)`,
      )
    }
    return schedule
  }

  /**
   * How long before the commitments deadline a trainer stops stepping: its delta must be
   * compressed and signed (as long as last time) and its commitment must reach the others (as
   * long as the 90th percentile of the payload fetches this peer saw: on a loaded machine the
   * same event-loop delays hold up both) before they close their commitments. At least
   * TRAIN_MARGIN of the round, at most a fifth of it; 5% before it has measured a fetch while it
   * has peers. The payload itself is fetched after the reveal, between 73% and 85%.
   */
  private commitMarginMs(): number {
    const round = this.run.manifest.roundDurationMs
    if (this.fetchTimes.length === 0 && this.host.libp2p.getPeers().length > 0) return Math.ceil(FIRST_COMMIT_MARGIN * round)
    const sorted = [...this.fetchTimes].sort((a, b) => a - b)
    const fetch = sorted.length > 0 ? sorted[Math.min(sorted.length - 1, Math.floor(0.9 * sorted.length))]! : 0
    const need = this.lastPublishMs + fetch
    return Math.ceil(Math.min(0.2 * round, Math.max(TRAIN_MARGIN * round, need)))
  }

  private enter(round: bigint, hash: Uint8Array, weights: Promise<Weights>): void {
    const m = this.run.manifest
    this.theta = { round, hash, weights }
    this.loadPolicy(hash, weights)
    this.resetRoundData()
    const { state, effects } = startRound({
      config: {
        roles: this.roles,
        self: this.address,
        schedule: this.localSchedule(),
        maxStalenessRounds: MAX_POLICY_STALENESS_ROUNDS,
        validators: m.validators.map(hex).map((v) => v.toLowerCase() as `0x${string}`),
        quorum: m.quorum,
      },
      round,
      policyHash: hex(hash),
      atMs: this.now(),
    })
    this.state = state
    this.phaseSinceMs = state.startedAtMs
    this.beginRoundStats()
    this.announce(round, hash, weights)
    this.publish('status', this.statuses.publish(round, this.counters.groupsPublished))
    this.wake(round)
    for (const e of effects) this.perform(e)
    this.offerHeldGroups(round)
  }

  private debug(line: string): void {
    if (this.init.debug) this.log(`+${this.state ? this.now() - this.state.startedAtMs : 0}ms ${line}`)
  }

  private dispatch(event: RoundEvent): void {
    if (this.stopped || this.state === null) return
    const before = this.state.round
    const { state, effects } = stepRound(this.state, event)
    if (state.phase !== this.state.phase) this.debug(`round ${state.round}: ${this.state.phase} → ${state.phase}`)
    if (state.phase !== this.state.phase || state.round !== this.state.round) this.phaseSinceMs = this.now()
    this.state = state
    for (const e of effects)
      if (e.kind === 'aggregate' || e.kind === 'publish-round-result' || e.kind === 'train')
        this.debug(`${e.kind} round ${e.round} ${'included' in e ? e.included.length : (e as { groups: unknown[] }).groups.length}`)
    for (const e of effects) this.perform(e)
    if (state.round !== before) this.wake(state.round)
  }

  private background(what: string, work: () => Promise<unknown>): Promise<void> {
    const task = work()
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!this.stopped) this.log(`${what} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
      })
      .finally(() => this.tasks.delete(task))
    this.tasks.add(task)
    return task
  }

  private perform(e: RoundEffect): void {
    switch (e.kind) {
      case 'rollout':
        this.background('rollouts', () => this.rollouts(e.round))
        if (this.init.faults?.junk) {
          // the attack: bytes no decoder accepts, on every topic (one over the publish limit is
          // refused by this peer's own gossip layer, so it is cut to the limit)
          const own = [...this.groups.values()].find((g) => g.own)?.bytes
          for (const name of ['groups', 'commitments', 'deltas', 'roundResults', 'checkpoints', 'status'] as const)
            for (const junk of [
              crypto.getRandomValues(new Uint8Array(64)),
              own ? own.subarray(0, own.length >> 1) : crypto.getRandomValues(new Uint8Array(300)),
              new Uint8Array(MAX_GOSSIP_PUBLISH_BYTES).fill(0xa5),
            ])
              this.publish(name, junk)
        }
        if (this.init.faults?.replay) {
          // the attack: last round's signed groups and delta, sent again as they were
          for (const r of this.replayable.filter((x) => x.round + 1n === e.round)) this.publish(r.topic, r.bytes)
          this.replayable = this.replayable.filter((x) => x.round + 1n >= e.round)
        }
        break
      case 'publish-group': {
        this.counters.groupsPublished++
        const entry = this.groups.get(e.id)
        if (!entry || !this.withheld(entry.group)) this.publish('groups', entry?.bytes)
        if (this.init.faults?.replay) this.replayable.push({ round: e.round, topic: 'groups', bytes: entry?.bytes })
        break
      }
      case 'train':
        // the copyDeltas sybil trains nothing: it re-signs someone else's delta (copyDelta)
        if (!this.init.faults?.copyDeltas) this.background('training', () => this.train(e.round, e.groups))
        break
      case 'publish-commitment':
        this.publishCommitment(e.round, e.id)
        break
      case 'publish-delta': {
        // the reveal: the header on gossip, and served by id to peers that missed it
        const entry = this.deltas.get(e.id)
        const bytes = entry?.bytes
        if (entry && !this.revealed.has(hex(entry.delta.payloadHash)))
          this.revealed.set(hex(entry.delta.payloadHash), { author: this.address.toLowerCase(), atMs: this.now() })
        if (bytes) this.background('storing a delta header', () => this.host.blobs.store.putAs(fromHex(e.id), bytes))
        this.publish('deltas', bytes)
        if (this.init.faults?.replay) this.replayable.push({ round: e.round, topic: 'deltas', bytes })
        break
      }
      case 'fetch-blob':
        this.background('payload fetch', () => this.fetchPayload(e.round, e.delta))
        break
      case 'aggregate':
        this.background('aggregation', () => this.aggregate(e.round, e.included))
        break
      case 'publish-round-result':
        this.publishRoundResult(e.round, e.newPolicyHash)
        break
      case 'commit':
        this.commit(e.round, e.policyHash)
        break
      case 'fetch-checkpoint':
        this.log(
          `round ${e.round}: the quorum's θ ${e.policyHash.slice(0, 12)}… is not ours (${e.localPolicyHash?.slice(0, 12) ?? 'none'}); adopting it`,
        )
        return
      case 'advance':
        this.advance(e.round, e.policyHash, e.committed)
        break
    }
  }

  /** Signs and gossips this peer's commitment to its delta `id` of `round`. */
  private publishCommitment(round: bigint, id: Hex32): void {
    const commitment = { run: this.run.runId, round, author: fromHex(this.address), delta: fromHex(id) }
    const bytes = encodeSignedMessage(signMessage('DeltaCommitment', commitment, this.run.domain, this.init.privateKey))
    this.commitmentsSeen.set(this.address.toLowerCase(), { delta: id, atMs: this.now() })
    this.publish('commitments', bytes)
    if (this.init.faults?.replay) this.replayable.push({ round, topic: 'commitments', bytes })
  }

  private publish(name: TopicName, bytes: Uint8Array | undefined): void {
    if (!bytes) return
    this.roundStats.bytesByTopic[name] = (this.roundStats.bytesByTopic[name] ?? 0) + bytes.length
    this.background(`publishing on ${name}`, () => this.host.gossip.publish(name, bytes))
  }

  // ------------------------------------------------------------------------------------------
  // round work

  /**
   * θ of `round` and a lease on its loaded policy: the caller holds a reference until it calls
   * release(), so a round that moves on mid-sampling cannot dispose the session under it (it
   * did: "Session already disposed" from a slow peer's rollouts).
   */
  private async currentPolicy(round: bigint): Promise<PolicyLease | null> {
    const theta = this.theta
    if (!theta || theta.round !== round || !this.policy) return null
    return this.lease(theta.hash, theta.weights, this.policy.policy)
  }

  /** A reference on the policy of θ = `weights` (hash `hash`), once `loaded` (its first load) is in. */
  private async lease(hash: Uint8Array, weights: Promise<Weights>, loaded: Promise<Policy>): Promise<PolicyLease> {
    const w = await weights
    await loaded
    const policy = await this.engine.acquire(hash, w)
    let released = false
    return {
      hash,
      weights: w,
      policy,
      release: async () => {
        if (released) return
        released = true
        await this.engine.release(hash)
      },
    }
  }

  /** Resolves once θ of `round` is loaded (no lease). */
  private async policyLoaded(round: bigint): Promise<void> {
    const theta = this.theta
    if (!theta || theta.round !== round || !this.policy) return
    await theta.weights
    await this.policy.policy
  }

  /**
   * Loads θ (this.theta, just set) as the current policy. `was` (an advance from round r − 1 to
   * r: θ_{r−1}'s round and weights): the policy it replaces stays loaded for one round as
   * `previous`; without it (a start, a sync) that one is released too.
   */
  private loadPolicy(hash: Uint8Array, weights: Promise<Weights>, was?: { round: bigint; weights: Promise<Weights> }): void {
    const old = this.policy
    const kept = old && was ? { round: was.round, hash: old.hash, weights: was.weights, policy: old.policy } : null
    const dropped = [this.previous, kept ? null : old].filter((p) => p !== null)
    const policy = weights.then((w) => this.engine.acquire(hash, w))
    // a fetch that ends by stop() rejects; consumers that await the policy still see it
    policy.catch(() => undefined)
    this.policy = { hash, policy }
    this.previous = kept
    for (const p of dropped) void p.policy.then(() => this.engine.release(p.hash)).catch(() => undefined)
  }

  /** A lease on θ_{round−1}'s policy where this peer holds it (see `previous`), else null. */
  private async previousPolicy(round: bigint): Promise<PolicyLease | null> {
    const prev = this.previous
    if (!prev || prev.round + 1n !== round) return null
    return this.lease(prev.hash, prev.weights, prev.policy)
  }

  private promptOf(group: Pick<ScoredGroup, 'seed'>) {
    const { task, tokenizer } = this.run.ctx
    const instance = task.instance({ split: 'train', bytes: group.seed })
    return { instance, prompt: promptTokens(tokenizer, instance.prompt) }
  }

  private async rollouts(round: bigint): Promise<void> {
    this.inFlight.rollouts++
    try {
      // early rollouts of this round still in flight took its first prompt indexes: go on after them
      await this.early
      await this.sample(round)
    } finally {
      this.inFlight.rollouts--
    }
  }

  private async sample(round: bigint): Promise<void> {
    const share = Math.min(1, Math.max(0, this.init.computeShare?.() ?? 1))
    if (share === 0 || this.now() < this.restUntil) {
      this.dispatch({ kind: 'rollouts-done', atMs: this.now(), round, groups: [] })
      return
    }
    const current = await this.currentPolicy(round)
    if (!current || this.stopped) return
    this.busyStart()
    try {
      const t0 = performance.now()
      const m = this.run.manifest
      // elastic rollouts: passes of `pass` prompts until the manifest's cap, while one more
      // pass (timed by the last) ends before the rollouts deadline, and a last shorter pass
      // sized to the time left: a fast peer fills the window, a slow one (a phone, a busy
      // laptop) sends what it managed
      const pass = this.passPrompts()
      const deadline = (this.state?.startedAtMs ?? this.now()) + (this.state?.config.schedule ?? roundScheduleOf(m)).rolloutsEndMs
      let msPerPrompt = 0
      for (let first = this.promptStart(round); first < m.promptsPerPeer; ) {
        const fit = msPerPrompt === 0 ? pass : Math.min(pass, Math.floor((deadline - this.now()) / msPerPrompt))
        if (fit < 1) break
        const t = performance.now()
        const to = Math.min(m.promptsPerPeer, first + fit)
        const ids = await this.rolloutPass(round, current, first, to)
        this.prompts = { round, next: to }
        msPerPrompt = (performance.now() - t) / (to - first)
        first = to
        if (this.stopped || this.state?.round !== round) return
        this.debug(`round ${round}: ${ids.length} groups sampled (prompts ${first}…)`)
        this.dispatch({ kind: 'rollouts-done', atMs: this.now(), round, groups: ids })
      }
      const busy = performance.now() - t0
      if (share < 1) this.restUntil = this.now() + busy * (1 / share - 1)
    } finally {
      this.busyEnd()
      await current.release()
    }
  }

  /** The withholdGroups fault keeps its first group of each round to itself: never gossiped, never served. */
  private withheld(group: ScoredGroup): boolean {
    return this.init.faults?.withholdGroups === true && group.promptIndex === 0
  }

  /** The doubleDip attack's extra groups: those of the round before `round` that this peer still holds. */
  private lastRoundGroups(round: bigint): Hex32[] {
    return [...this.groups].filter(([, g]) => g.group.round + 1n === round).map(([id]) => id)
  }

  /** An elastic worker (the only kind that samples pass by pass) that did not turn early rollouts off. */
  private earlyRolloutsOn(): boolean {
    return this.init.earlyRollouts !== false && this.roles.includes('worker') && this.passPrompts() < this.run.manifest.promptsPerPeer
  }

  /** The first prompt index of `round` not yet sampled by this peer. */
  private promptStart(round: bigint): number {
    return this.prompts.round === round ? this.prompts.next : 0
  }

  /**
   * Early rollouts start once this peer's own work for the round is done (and, where peers
   * share too few cores, once no trainer's can still be running: the commitments deadline
   * passed): an elastic worker (the only kind that samples pass by pass) whose rollouts are over
   * and whose training, if it trains, is too; not while it aggregates, not on a compute budget
   * (computeShare below 1: it rests instead).
   */
  private maybeSampleEarly(): void {
    const s = this.state
    // not while it aggregates: reproducing θ_{r+1} is the round's critical path
    if (!s || this.stopped || this.early || s.phase === 'rollouts' || s.phase === 'aggregation' || !this.earlyRolloutsOn()) return
    if (this.inFlight.rollouts > 0 || this.inFlight.training > 0 || this.now() < this.restUntil) return
    // where peers outnumber the cores they share, not before the commitments deadline: until
    // then other trainers may still be training on those cores; a peer with a core of its own
    // starts as soon as its own training is done
    if (!this.engine.coreEach && this.now() - s.startedAtMs < s.config.schedule.commitmentsEndMs) return
    // a volunteer on a compute budget rests between rounds' rollouts instead
    if ((this.init.computeShare?.() ?? 1) < 1 || this.promptStart(s.round + 1n) >= this.run.manifest.promptsPerPeer) return
    const round = s.round
    this.early = this.background('early rollouts', () => this.sampleEarly(round)).finally(() => {
      this.early = null
    })
  }

  /**
   * Early rollouts: while round r closes here (commitments, reveal, aggregation, votes), this
   * peer samples round r + 1's first groups on θ_r, pass after pass, instead of idling. They are
   * signed for round r + 1 (its first prompt indexes) and published at once; peers check them
   * against θ_r and train on them in round r + 1, where the GRPO loss's importance ratio (π_θ
   * over the θ_r log-probs each completion carries, clipped at 1 ± ε) corrects for the round of
   * lag (MAX_POLICY_STALENESS_ROUNDS). Passes run on the engine's spare slots (SwarmEngine.spare:
   * peers sharing a device take turns). It pauses while this peer aggregates (after the pass in
   * flight) and resumes once it reproduced the proposal. The pass in flight when the round
   * closes completes; the next round's rollouts go on after it.
   */
  private async sampleEarly(round: bigint): Promise<void> {
    const current = await this.currentPolicy(round)
    if (!current || this.stopped) return
    const next = round + 1n
    const m = this.run.manifest
    try {
      const pass = this.passPrompts()
      const going = () => !this.stopped && this.state?.round === round && this.state.phase !== 'aggregation'
      while (going() && this.promptStart(next) < m.promptsPerPeer) {
        // one pass at a time on the device's spare compute; the round may have moved on meanwhile
        const ids = await this.engine.spare(async () => {
          const first = this.promptStart(next)
          if (!going() || first >= m.promptsPerPeer) return []
          const to = Math.min(m.promptsPerPeer, first + pass)
          this.busyStart()
          try {
            const sampled = await this.rolloutPass(next, current, first, to)
            this.prompts = { round: next, next: to }
            return sampled
          } finally {
            this.busyEnd()
          }
        })
        for (const id of ids) {
          this.counters.groupsPublished++
          this.counters.earlyGroupsPublished++
          this.publish('groups', this.groups.get(id)?.bytes)
          // the round closed here mid-pass: they are the new round's groups now
          const g = this.groups.get(id)?.group
          if (g) this.offerGroup(id, g)
        }
        if (ids.length > 0)
          this.debug(`round ${next}: ${ids.length} early groups sampled on θ_${round} (prompts …${this.promptStart(next)})`)
      }
    } finally {
      await current.release()
    }
  }

  /** Samples, scores, signs and stores the groups of prompts [from, to); returns their ids. */
  private async rolloutPass(round: bigint, on: PolicyLease, from: number, to: number): Promise<Hex32[]> {
    const policy = on.policy
    const { run } = this
    const m = run.manifest
    const { tokenizer, task, maxPromptTokens } = run.ctx
    const author = fromHex(this.address)
    const requests = Array.from({ length: to - from }, (_, i) => {
      const promptIndex = from + i
      const seed = derivePromptSeed({ run: run.runId, round, author, promptIndex })
      const { instance, prompt } = this.promptOf({ seed })
      return { promptIndex, seed, instance, prompt }
    }).filter((r) => r.prompt.length <= maxPromptTokens)
    const sampled = await generateGroups(policy, requests, {
      group: m.groupSize,
      maxNewTokens: m.maxCompletionTokens,
      stopTokens: tokenizer.stopIds,
      temperature: m.temperature,
      topP: 1,
    })
    const oracle = taskRewardOracle(task, tokenizer)
    const ids: Hex32[] = []
    const forge = this.init.faults?.forgeCompletions === true
    for (const [i, r] of requests.entries()) {
      const completions = sampled[i]!.map((c, k) => {
        // the forgeCompletions attack: the right answer written in, not sampled
        const forged = forge && k % 2 === 1
        const tokens = forged
          ? Uint32Array.from([...tokenizer.encode(r.instance.answer), tokenizer.eosId].slice(0, m.maxCompletionTokens))
          : Uint32Array.from(c.tokens)
        return {
          tokens,
          logprobs: forged ? new Float32Array(tokens.length).fill(-0.01) : Float32Array.from(c.logprobs),
          reward: Math.fround(oracle.reward({ promptSeed: r.seed, tokens }) as number),
        }
      })
      const correct = sampled[i]!.map((c) => task.reward(r.instance, tokenizer.decode(c.tokens, { skipSpecialTokens: true })).correctness)
      this.roundStats.tokens += sampled[i]!.reduce((n, c) => n + c.tokens.length, 0)
      // the wrongReward attack forges every other group and sends the rest honest: its honest
      // groups would earn credit were its forged ones not proof against it
      if (this.init.faults?.wrongReward && r.promptIndex % 2 === 0 && completions[0])
        completions[0].reward = Math.fround(completions[0].reward + 0.5)
      const group: ScoredGroup = {
        run: run.runId,
        round,
        author,
        policyHash: on.hash,
        promptIndex: r.promptIndex,
        seed: r.seed,
        completions,
      }
      const signed = signMessage('ScoredGroup', group, run.domain, this.init.privateKey)
      const { id } = signingDigest('ScoredGroup', signed.body, run.domain)
      const key = hex(id)
      const envelope = encodeSignedMessage(signed)
      this.groups.set(key, { group, signed, bytes: envelope, own: true, correct })
      if (!this.withheld(group)) await this.host.blobs.store.putAs(id, envelope)
      ids.push(key)
    }
    return ids
  }

  private async train(round: bigint, groupIds: readonly Hex32[]): Promise<void> {
    this.inFlight.training++
    try {
      await this.trainOn(round, groupIds)
    } finally {
      this.inFlight.training--
    }
  }

  private async trainOn(round: bigint, groupIds: readonly Hex32[]): Promise<void> {
    const current = await this.currentPolicy(round)
    if (!current || this.stopped) return
    this.busyStart()
    try {
      const t0 = performance.now()
      const { run } = this
      const m = run.manifest
      const used: { id: Hex32; rollout: RolloutGroup }[] = []
      for (const id of groupIds) {
        const entry = this.groups.get(id)
        if (!entry || entry.group.round !== round) continue
        const rewards = entry.group.completions.map((c) => c.reward)
        if (isZeroVarianceGroup(rewards)) continue // no gradient: not trained on, not credited
        if (this.cheats.has(hex(entry.group.author))) {
          this.counters.groupsOfCheatsLeftOut++ // its author cheated this run
          continue
        }
        used.push({
          id,
          rollout: {
            prompt: this.promptOf(entry.group).prompt,
            completions: entry.group.completions.map((c) => ({
              tokens: Array.from(c.tokens),
              logprobs: Array.from(c.logprobs),
              reward: c.reward,
            })),
          },
        })
      }
      if (used.length === 0) return
      const trainer = await this.engine.policyTrainer()
      const settings = this.engine.trainerSettings
      // steps of whole groups (about trainBatchSize samples each), in id order, while one more
      // step (as long as the last) still ends before the commitments deadline less a margin for
      // compressing, signing and committing: the delta lists exactly the groups it trained on
      const steps = groupSteps(used, settings.trainBatchSize)
      const schedule = this.state?.config.schedule ?? roundScheduleOf(m)
      const deadline = (this.state?.startedAtMs ?? this.now()) + schedule.commitmentsEndMs - this.commitMarginMs()
      const local: Weights = new Map([...current.weights].map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]))
      let taken = 0
      let stepMs = 0
      let stepsDone = 0
      outer: for (let pass = 0; pass < m.localSteps; pass++) {
        for (const [i, step] of steps.entries()) {
          if (pass > 0 && i >= taken) break
          if ((pass > 0 || i > 0) && this.now() + stepMs > deadline) break outer
          const ts = performance.now()
          const r = await trainer.step(local, step.samples)
          clipGradNorm(r.grads, settings.maxGradNorm)
          adamWStep({
            params: local,
            grads: r.grads,
            state: this.adam,
            lr: m.learningRate,
            weightDecay: settings.weightDecay,
            betas: [0.9, 0.98],
          })
          // the mean step so far: one slow step (another peer's work on the same cores) is not the rule
          stepMs = (stepMs * stepsDone + (performance.now() - ts)) / (stepsDone + 1)
          stepsDone++
          // kept even when this delta comes to nothing: the next round's schedule needs it
          this.lastStepMs = stepMs
          if (pass === 0) taken = i + 1
          if (this.stopped || this.state?.round !== round) return
        }
      }
      if (taken === 0) return
      const tPublish = performance.now()
      if (taken < steps.length) this.debug(`round ${round}: trained on ${taken} of ${steps.length} steps of groups before the deadline`)
      const trained = steps.slice(0, taken).flatMap((st) => st.groups)
      if (trained.length === 0 || this.stopped || this.state?.round !== round) return
      const pseudo = pseudoGradient(run.specs, current.weights, local)
      const attack = this.init.faults?.delta
      if (attack === 'sign-flip' || attack === 'scale') {
        const k = attack === 'sign-flip' ? -1 : 100
        for (let i = 0; i < pseudo.length; i++) pseudo[i] = Math.fround(pseudo[i]! * k)
      }
      if (attack === 'collude') {
        const rng = createRng(deriveSeed('murmur/attack/collude', run.runId))
        const bias = Float64Array.from(pseudo, () => 2 * rng.nextFloat() - 1)
        let sq = 0
        for (const b of bias) sq += b * b
        const k = l2NormF64(pseudo) / Math.sqrt(sq)
        for (let i = 0; i < pseudo.length; i++) pseudo[i] = Math.fround(pseudo[i]! + k * bias[i]!)
      }
      const compressed = compressWithFeedback({ state: this.feedback, delta: pseudo, config: compressionConfigOf(m) })
      const actualNorm = deltaPayloadNorm(compressed.payload)
      const norm = attack === 'lie-norm' ? Math.fround(actualNorm / 100) : actualNorm
      if (!(norm <= m.maxDeltaNorm) && attack !== 'scale') {
        this.log(`round ${round}: own delta has norm ${norm} > maxDeltaNorm ${m.maxDeltaNorm}; not sent`)
        return
      }
      this.feedback = compressed.state
      if (this.init.faults?.corruptPayload) compressed.bytes[0]! ^= 0xff
      const delta: Delta = {
        run: run.runId,
        round,
        author: fromHex(this.address),
        // a stale base is the previous round's θ; in the first round, an invented one
        basePolicyHash: attack === 'stale-base' ? (this.previous?.hash ?? contentHash(this.theta!.hash)) : this.theta!.hash,
        payloadHash: hashDeltaPayload(compressed.bytes),
        payloadSizeBytes: compressed.bytes.length,
        norm,
        groups: [...trained.map((u) => u.id), ...(this.init.faults?.doubleDip ? this.lastRoundGroups(round) : [])]
          .map(fromHex)
          .sort(compareBytes),
      }
      await this.host.blobs.store.put(compressed.bytes)
      const signed = signMessage('Delta', delta, run.domain, this.init.privateKey)
      const { id } = signingDigest('Delta', signed.body, run.domain)
      const key = hex(id)
      const envelope = encodeSignedMessage(signed)
      // served by id only once revealed (publish-delta): the id alone does not give the header away
      this.deltas.set(key, { delta, bytes: envelope, from: null, values: compressed.sent })
      // how late its commitment is on this peer's own clock (≤ 0: in time), for its round report
      const lateMs = this.now() - (this.state?.startedAtMs ?? this.now()) - schedule.commitmentsEndMs
      this.lastSent = { round, id: key, sent: compressed.sent, lateMs }
      this.roundStats.deltaBytes = compressed.bytes.length
      // cut short by the deadline: what training all the groups would have taken (localSchedule)
      this.lastTrainMs = performance.now() - t0 + (steps.length - taken) * m.localSteps * stepMs
      this.lastPublishMs = performance.now() - tPublish
      this.debug(
        `round ${round}: delta ${key.slice(0, 10)}… on ${trained.length} groups (${taken} of ${steps.length} steps, ${stepMs.toFixed(0)} ms each, published in ${this.lastPublishMs.toFixed(0)} ms), ${compressed.bytes.length} B, norm ${norm.toPrecision(3)}`,
      )
      this.dispatch({ kind: 'trained', atMs: this.now(), round, delta: key })
    } finally {
      this.busyEnd()
      await current.release()
    }
  }

  /**
   * Who to ask for a blob: its announcers, then `extra`, then every connected peer (a peer that
   * verified a payload or moved to a checkpoint serves it too).
   */
  private holdersOf(hash: Uint8Array, extra: readonly PeerId[]): PeerId[] {
    const out: PeerId[] = []
    for (const p of [...this.host.blobHolders.get(hash), ...extra, ...this.host.libp2p.getPeers()])
      if (!out.some((h) => h.equals(p))) out.push(p)
    return out
  }

  /** Fetches and verifies a delta's payload; true when its values are held. */
  private fetchValues(entry: DeltaEntry): Promise<boolean> {
    if (entry.values) return Promise.resolve(true)
    entry.fetching ??= (async () => {
      const holders = this.holdersOf(entry.delta.payloadHash, [...(entry.from ? [entry.from] : []), ...(entry.holders ?? [])])
      for (let attempt = 1; attempt <= FETCH_ATTEMPTS && !this.stopped; attempt++) {
        let bytes: Uint8Array
        try {
          // a holder that does not answer within a third of a round is passed over (a slow holder
          // must not hold a fetch slot for the service's 30 s while the round moves on)
          bytes = await this.host.blobs.fetch(entry.delta.payloadHash, holders, {
            maxBytes: entry.delta.payloadSizeBytes,
            timeoutMs: payloadTimeoutMs(this.run.manifest.roundDurationMs),
          })
        } catch (err) {
          this.log(`payload ${hex(entry.delta.payloadHash).slice(0, 12)}… attempt ${attempt}: ${(err as Error).message}`)
          await new Promise((r) => setTimeout(r, 100 * attempt))
          continue
        }
        const v = verifyDeltaPayload({ delta: entry.delta, payload: bytes, numel: this.run.numel })
        if (!v.ok) {
          this.counters.deltasInvalid++
          this.log(`delta of ${hex(entry.delta.author)} rejected: ${v.reason}: ${v.detail}`)
          if (entry.from) this.host.penalise(entry.from, 50)
          // the fetch checked the bytes' hash: the author signed the hash of an invalid payload,
          // provable to anyone who gets the bytes, which this validator keeps to serve
          if (this.roles.includes('validator')) {
            await this.host.blobs.store.put(bytes)
            this.offenseBook.noteInvalidPayload(entry.bytes)
          }
          return false
        }
        entry.values = v.values
        return true
      }
      return false
    })()
    return entry.fetching
  }

  private async fetchPayload(round: bigint, id: Hex32): Promise<void> {
    const entry = this.deltas.get(id)
    if (!entry) return
    const t0 = performance.now()
    const ok = await this.fetchValues(entry)
    if (ok) {
      this.fetchTimes = [...this.fetchTimes, performance.now() - t0].slice(-FETCH_TIMES_KEPT)
      this.counters.deltasAccepted++
    }
    this.dispatch({ kind: 'delta-payload', atMs: this.now(), round, id, valid: ok })
  }

  /** θ_{r+1} and the RoundResult body for `included`, or null with the reason. */
  private async candidate(round: bigint, included: readonly Hex32[]): Promise<Candidate | string> {
    const current = await this.currentPolicy(round)
    if (!current) return 'this peer left the round'
    const previous = await this.previousPolicy(round)
    try {
      const run = this.run
      const deltas = []
      const groupContribs = new Map<Hex32, { id: Uint8Array; author: Uint8Array; promptIndex: number; tokens: number; accepted: true }>()
      const deltaContribs = []
      const proposer = this.state?.proposal?.validator
      const sources = [...this.results.entries()].sort(([v]) => (v === proposer ? -1 : 0)).map(([, r]) => r.from)
      // the proposer lists the offenses it can prove; an endorser checks each one it lists
      const theirs = proposer && proposer !== this.address ? this.results.get(proposer) : undefined
      let offenses: Offense[] = []
      let offenseEnvelopes: Uint8Array[] = []
      const at = {
        round,
        policyHash: this.theta!.hash,
        previousPolicyHash: previous?.hash ?? null,
        replayChecker: this.replayCheckerFor(current, OFFENSE_REPLAY_TOLERANCE_SCALE, previous),
        numel: run.numel,
        payloadOf: (hash: Uint8Array) => this.payloadBytes(hash, sources),
      }
      if (theirs) {
        const checked = await this.offenseBook.check(at, theirs.result.offenses, (o) => this.fetchOffenseEvidence(o, sources))
        if (!checked.ok) return checked.why
        offenses = theirs.result.offenses
        offenseEnvelopes = checked.envelopes
      } else if (this.roles.includes('validator')) {
        const proofs = await this.offenseBook.listable(at)
        offenses = proofs.map((p) => p.offense)
        offenseEnvelopes = proofs.map((p) => p.envelope)
      }
      for (const id of included) {
        const entry = this.deltas.get(id) ?? (await this.recoverDelta(round, id, sources))
        if (!entry) return `delta ${id.slice(0, 12)}… is unknown here and no peer served it`
        if (!(await this.fetchValues(entry))) return `the payload of delta ${id.slice(0, 12)}… is unavailable or invalid`
        deltas.push({ id: fromHex(id), values: entry.values! })
        for (const g of entry.delta.groups) {
          // a group this peer rejected but the proposer's trainer accepted still has its metadata here
          const held = this.groups.get(hex(g))?.group ?? this.rejectedGroups.get(hex(g))
          if (!held) return `group ${hex(g).slice(0, 12)}… of delta ${id.slice(0, 12)}… is unknown here`
          groupContribs.set(hex(g), {
            id: g,
            author: held.author,
            promptIndex: held.promptIndex,
            tokens: groupTokenCount(held),
            accepted: true,
          })
        }
        deltaContribs.push({ id: fromHex(id), author: entry.delta.author, groups: entry.delta.groups, accepted: true })
      }
      const next = nextWeights({
        cfg: run.cfg,
        weights: current.weights,
        deltas,
        config: aggregationConfigOf(run.manifest),
        momentum: await this.momentum,
      })
      const screened = next.screened.map((x) => x.id)
      for (const x of next.screened) this.screenReasons.set(hex(x.id), x.reason)
      if (next.votes.length >= 3)
        this.debug(`round ${round}: screen votes (with/against) ${next.votes.map((v) => `${v.with}/${v.against}`).join(' ')}`)
      for (const x of next.screened) {
        const author = this.deltas.get(hex(x.id))?.delta.author
        this.log(
          `round ${round}: delta ${hex(x.id).slice(0, 12)}… of ${author ? hex(author) : '?'} screened out (${x.reason}); its author forfeits the round`,
        )
      }
      const credits = roundCredits({
        groups: [...groupContribs.values()],
        deltas: deltaContribs,
        screened,
        offenders: offenses.map((o) => o.offender),
      })
      for (const o of offenses)
        this.log(`round ${round}: ${hex(o.offender)} forfeits the round: proven ${o.kind} (message ${hex(o.id).slice(0, 12)}…)`)
      const body: RoundResult = {
        run: run.runId,
        round,
        previousPolicyHash: this.theta!.hash,
        newPolicyHash: next.policyHash,
        contributionsRoot: contributionsRoot(run.runId, round, credits),
        deltas: included.map(fromHex),
        screened,
        offenses,
        credits,
      }
      return { weights: next.weights, momentum: next.momentum, body, offenseEnvelopes }
    } finally {
      await current.release()
      await previous?.release()
    }
  }

  /** Bytes by their hash, held or fetched from the peers that hold them (an invalid payload an offense names). */
  private async payloadBytes(hash: Uint8Array, sources: readonly PeerId[]): Promise<Uint8Array | null> {
    const held = await this.host.blobs.store.get(hash)
    if (held) return held
    try {
      const bytes = await this.host.blobs.fetch(hash, this.holdersOf(hash, sources), {
        maxBytes: MAX_DELTA_PAYLOAD_BYTES,
        timeoutMs: payloadTimeoutMs(this.run.manifest.roundDurationMs),
      })
      await this.host.blobs.store.put(bytes)
      return bytes
    } catch {
      return null
    }
  }

  /** The signed message proving `o`, fetched by offenseEvidenceKey from the proposer and others. */
  private async fetchOffenseEvidence(o: Offense, sources: readonly PeerId[]): Promise<Uint8Array | null> {
    const key = offenseEvidenceKey(o)
    const kind = o.kind === 'wrong-result' ? 'RoundResult' : o.kind === 'invalid-payload' ? 'Delta' : 'ScoredGroup'
    const verify = (bytes: Uint8Array) => {
      try {
        const m = decodeSignedMessage(bytes)
        return m.kind === kind && equalBytes(signingDigest(kind, m.body, this.run.domain).id, o.id)
      } catch {
        return false
      }
    }
    try {
      const bytes = await this.host.blobs.fetch(key, this.holdersOf(key, sources), { maxBytes: MAX_GOSSIP_PUBLISH_BYTES, verify })
      await this.host.blobs.store.putAs(key, bytes)
      return bytes
    } catch (err) {
      this.log(`the evidence of a ${o.kind} offense of ${hex(o.offender)} could not be fetched: ${(err as Error).message}`)
      return null
    }
  }

  /** A signed message this peer missed on gossip, fetched by its id from peers that hold it. */
  private async fetchMessage(kind: 'ScoredGroup' | 'Delta', id: Uint8Array, first: readonly PeerId[]): Promise<SignedMessage | null> {
    const holders = this.holdersOf(id, first)
    const domain = this.run.domain
    const verify = (bytes: Uint8Array) => {
      try {
        const m = decodeSignedMessage(bytes)
        return m.kind === kind && equalBytes(signingDigest(kind, m.body, domain).id, id)
      } catch {
        return false
      }
    }
    try {
      return decodeSignedMessage(await this.host.blobs.fetch(id, holders, { maxBytes: MAX_GOSSIP_PUBLISH_BYTES, verify }))
    } catch (err) {
      this.log(`${kind} ${hex(id).slice(0, 12)}… could not be recovered: ${(err as Error).message}`)
      return null
    }
  }

  /**
   * A delta listed in a proposal that this peer never saw (it joined late, or gossip lost it):
   * fetched by id with the groups it trained on, and verified exactly as gossip would have.
   */
  private async recoverDelta(round: bigint, id: Hex32, sources: readonly PeerId[]): Promise<DeltaEntry | null> {
    const signed = await this.fetchMessage('Delta', fromHex(id), sources)
    if (!signed) return null
    const { value: header } = signingDigest('Delta', signed.body, this.run.domain)
    // groups this peer rejected are not fetched again: a proposal may list a delta trained on one
    // (the proposer's own replay sample let it through), and reproducing θ must not depend on that
    const missing = header.groups.filter((g) => !this.rejectedGroups.has(hex(g)))
    if (header.groups.length > MAX_RECOVERED_GROUPS || !(await this.recoverGroups(round, missing, sources))) return null
    const v = this.checkDeltaHeader(signed, round, (id) => this.rejectedGroups.has(hex(id)))
    if (!v.ok) {
      // (a quorum may have closed the round meanwhile: then θ here is the next one, and that is no news)
      if (this.theta?.round === round) this.log(`recovered delta ${id.slice(0, 12)}… does not verify: ${v.reason}: ${v.detail}`)
      return null
    }
    const entry: DeltaEntry = { delta: v.delta, bytes: encodeSignedMessage(signed), from: null, holders: [...sources] }
    this.deltas.set(id, entry)
    this.counters.recovered++
    return entry
  }

  private async aggregate(round: bigint, included: Hex32[]): Promise<void> {
    const proposer = this.state?.proposal?.validator
    this.busyStart()
    const c = await this.candidate(round, included).finally(() => this.busyEnd())
    if (this.state?.round !== round) return
    let newPolicyHash: Hex32 | null = null
    if (typeof c === 'string') this.log(`round ${round}: cannot reproduce the proposal of ${proposer}: ${c}`)
    else {
      const theirs = proposer && proposer !== this.address ? this.results.get(proposer) : undefined
      const mine = encodeRoundResult(c.body)
      if (theirs && !equalBytes(theirs.body, mine)) {
        const why = equalBytes(theirs.result.newPolicyHash, c.body.newPolicyHash) ? 'its credits differ' : 'its θ_{r+1} differs'
        this.log(`round ${round}: the proposal of ${proposer} does not reproduce: ${why}`)
        if (theirs.from) this.host.penalise(theirs.from, 50)
      } else {
        newPolicyHash = hex(c.body.newPolicyHash)
        this.candidates.set(newPolicyHash, c)
      }
    }
    this.dispatch({ kind: 'aggregated', atMs: this.now(), round, included, newPolicyHash })
  }

  private publishRoundResult(round: bigint, newPolicyHash: Hex32): void {
    const c = this.candidates.get(newPolicyHash)
    if (!c || c.body.round !== round) return
    const body = this.init.faults?.wrongResult ? { ...c.body, newPolicyHash: contentHash(c.body.newPolicyHash) } : c.body
    const bytes = encodeSignedMessage(signMessage('RoundResult', body, this.run.domain, this.init.privateKey))
    this.vote = { round, bytes }
    if (this.init.faults?.loseFirstVote) this.debug(`round ${round}: the vote's first gossip is lost (loseFirstVote)`)
    else this.publish('roundResults', bytes)
  }

  /**
   * Peers the agreed RoundResult of `round` names as cheats (an offense proven against them, or a
   * delta of theirs the screen left out) are left out of this peer's training for the rest of the
   * run: their groups, honest or not, earn them nothing more. Forfeiting the round alone let
   * attackers that also sample honestly earn 1–15% of the credit (bench adversarial). Node policy,
   * not consensus: which groups a delta lists is its trainer's choice. A peer never leaves its own
   * groups out, so an honest delta screened by mistake costs its author the round and others'
   * training on its groups, not its own deltas' credit.
   */
  private noteCheats(round: bigint, body: RoundResult, screened: ReadonlySet<Hex32>): void {
    const self = this.address.toLowerCase()
    const named = [
      ...body.offenses.map((o) => ({ who: hex(o.offender), why: `a proven ${o.kind}` })),
      ...[...screened].flatMap((id) => {
        const author = this.deltas.get(id)?.delta.author
        return author ? [{ who: hex(author), why: 'a screened delta' }] : []
      }),
    ]
    for (const { who, why } of named) {
      if (who === self || this.cheats.has(who)) continue
      if (this.cheats.size >= CHEATS_KEPT) this.cheats.delete(this.cheats.values().next().value!)
      this.cheats.add(who)
      this.log(`round ${round}: ${who} is named for ${why}; its groups are left out of training for the rest of the run`)
    }
  }

  /**
   * Owes this peer's claim of `round` if the round credits it, and settles the claims at every
   * round, credited or not: a reorg may have dropped claims sent before (Claimer).
   */
  private autoClaim(round: bigint, result: RoundResult): void {
    const ledger = this.init.ledger
    if (!this.init.autoClaim || !ledger?.claim || !ledger.isClaimed) return
    this.claimer ??= new Claimer({
      ledger: {
        lastCommittedRound: () => ledger.lastCommittedRound(),
        claim: ledger.claim.bind(ledger),
        isClaimed: ledger.isClaimed.bind(ledger),
      },
      signal: this.stopSignal.signal,
      log: (line) => this.log(line),
      onClaimed: () => this.counters.claims++,
      kept: CLAIMS_KEPT,
    })
    const claimer = this.claimer
    const self = fromHex(this.address)
    const entry = result.credits.find((c) => equalBytes(c.contributor, self))
    this.background(`claims of round ${round}`, () =>
      entry ? claimer.owe(round, entry, buildContributionsTree(result.run, round, result.credits).proof(self)) : claimer.settle(),
    )
  }

  /**
   * A validator that joined or restarted mid-round holds the agreed RoundResult without every
   * delta and group it names, so its archive would not prove the round (an audit of it fails). It
   * asks the peers it is connected to for their evidence of the round (/murmur/evidence/1) and
   * keeps the envelopes the round names (mergeRoundEvidence: hash-checked against the signed
   * body, so any peer's answer can only complete it). The others write their evidence in the
   * background too, so it asks again a few times before it says what is still missing.
   */
  private async completeEvidence(dir: string, evidence: RoundEvidence): Promise<void> {
    const count = (e: RoundEvidence) => {
      const m = missingEvidence(e)
      return m.deltas.length + m.groups.length + m.offenses.length
    }
    if (count(evidence) === 0) return
    let current = evidence
    for (let attempt = 1; attempt <= 3 && count(current) > 0 && !this.stopped; attempt++) {
      await new Promise((r) => setTimeout(r, 2000 * attempt).unref())
      const peers = new Map(this.host.libp2p.getConnections().map((c) => [c.remotePeer.toString(), c.remotePeer]))
      for (const peer of peers.values()) {
        if (this.stopped || count(current) === 0) break
        const offer = await fetchRoundEvidence(this.host.libp2p, peer, this.run.runId, evidence.round, {
          timeoutMs: 10_000,
          signal: this.stopSignal.signal,
        }).catch(() => null)
        if (offer) current = mergeRoundEvidence(current, offer)
      }
    }
    // the archive merges: write again only what the others added
    const size = (e: RoundEvidence) => e.deltas.length + e.groups.length + e.offenses.length
    if (size(current) > size(evidence)) await writeRoundEvidence(dir, current)
    const left = missingEvidence(current)
    if (count(current) > 0)
      this.log(
        `round ${evidence.round}: its evidence lacks ${left.deltas.length} delta(s), ${left.groups.length} group(s) and ${left.offenses.length} offense proof(s) no connected validator served; audit it from another validator's archive`,
      )
    else
      this.log(
        `round ${evidence.round}: evidence completed from other validators (${current.deltas.length - evidence.deltas.length} delta(s), ${current.groups.length - evidence.groups.length} group(s))`,
      )
  }

  /**
   * A quorum agreed on round `round` (this peer is a validator): keep the round's signed evidence
   * and, if this peer is the round's submitter (or the earlier ones did not get it on chain in
   * time), submit the commit to the ledger. Everything is captured now: the round's data is
   * dropped when the peer advances right after this.
   */
  private commit(round: bigint, policyHash: Hex32): void {
    const agreed = [...this.results.values()].find((r) => hex(r.result.newPolicyHash) === policyHash)
    const mine = this.candidates.get(policyHash)
    const body = agreed?.body ?? (mine ? encodeRoundResult(mine.body) : undefined)
    if (!body) return
    const signatures = [...this.results.entries()]
      .filter(([, r]) => equalBytes(r.body, body))
      .map(([validator, r]) => ({ validator: fromHex(validator), envelope: r.envelope }))
    if (this.vote?.round === round && equalBytes(decodeSignedMessage(this.vote.bytes).body, body))
      signatures.push({ validator: fromHex(this.address), envelope: this.vote.bytes })
    signatures.sort((a, b) => compareBytes(a.validator, b.validator))
    const result = decodeRoundResult(body)
    const deltas = result.deltas.map((id) => this.deltas.get(hex(id))).filter((d): d is DeltaEntry => d !== undefined)
    const groupIds = new Set(deltas.flatMap((d) => d.delta.groups.map(hex)))
    const groups = [...groupIds].map((id) => this.groups.get(id)?.bytes).filter((b): b is Uint8Array => b !== undefined)
    this.committed.push({ round, policyHash })
    this.lastQuorum = { round, envelopes: signatures.map((x) => x.envelope), relayedAtMs: Number.NEGATIVE_INFINITY }
    const evidence = {
      round,
      manifestBytes: this.run.manifestBytes,
      roundResultBody: body,
      signatures,
      deltas: deltas.map((d) => d.bytes),
      groups,
      offenses: mine && equalBytes(encodeRoundResult(mine.body), body) ? mine.offenseEnvelopes : [],
    }
    if (this.init.dataDir) {
      const dir = join(this.init.dataDir, EVIDENCE_DIR)
      this.background('evidence', async () => {
        await writeRoundEvidence(dir, evidence)
        await this.completeEvidence(dir, evidence)
      })
    }
    const ledger = this.init.ledger
    if (!ledger) return
    const validators = this.run.manifest.validators
    const rank = submitterRank(validators, round, fromHex(this.address))
    if (rank === null) return
    const sigs = commitSignatures(signatures)
    this.background(`ledger commit of round ${round}`, async () => {
      // the round's submitter goes first; the next ones wait their turn and find it done
      if (rank > 0) await new Promise((r) => setTimeout(r, rank * this.run.manifest.roundDurationMs).unref())
      if (this.stopped) return
      // the ledger takes rounds in order: wait for the previous one rather than be refused
      for (;;) {
        const last = await ledger.lastCommittedRound().catch(() => undefined)
        if (this.stopped) return
        if (last !== undefined && last !== null && last >= round) {
          this.sawOnChain(round)
          return
        }
        if (round === 0n || (last !== undefined && last !== null && last >= round - 1n)) break
        // rounds this peer saw on chain are gone: a reorg (or a reset chain) dropped their blocks
        const first = last === undefined ? null : last === null ? 0n : last + 1n
        const through = this.onChainThrough < round - 1n ? this.onChainThrough : round - 1n
        if (first !== null && first <= through && !(await this.recommit(ledger, first, through))) return
        await new Promise((r) => setTimeout(r, 250).unref())
      }
      const outcome = await ledger.commitRound({ body, signatures: sigs }, { signal: this.stopSignal.signal })
      this.sawOnChain(round)
      this.counters.ledgerCommits += outcome.status === 'committed' ? 1 : 0
      this.log(`round ${round}: ledger ${outcome.status === 'committed' ? `commit in tx ${outcome.txHash}` : 'already had it'}`)
      this.init.onCommitted?.({ round: Number(round), policyHash, txHash: outcome.status === 'committed' ? outcome.txHash : null })
    })
  }

  private sawOnChain(round: bigint): void {
    if (round > this.onChainThrough) this.onChainThrough = round
  }

  /**
   * Rounds `from`..`to` were on chain and are not any more: commits them again, in order, from
   * this peer's evidence archive (the RoundResult body and its quorum's signatures, as they were
   * committed); every peer's claims of them are sent again by autoClaim. False when it cannot: no
   * data dir, or a round missing from the archive.
   */
  private async recommit(ledger: RoundCommitter, from: bigint, to: bigint): Promise<boolean> {
    this.log(`the ledger lost rounds ${from}–${to} that were on chain (a reorg?); committing them again from evidence`)
    const dir = this.init.dataDir ? join(this.init.dataDir, EVIDENCE_DIR) : null
    for (let k = from; k <= to && !this.stopped; k++) {
      let evidence: RoundEvidence
      try {
        if (!dir) throw new Error('this peer keeps no evidence (no data dir)')
        evidence = await readRoundEvidence(dir, k)
      } catch (err) {
        this.log(`round ${k}: cannot commit it again: ${(err as Error).message}`)
        return false
      }
      const outcome = await ledger.commitRound(
        { body: evidence.roundResultBody, signatures: commitSignatures(evidence.signatures) },
        { signal: this.stopSignal.signal },
      )
      this.counters.ledgerRecommits += outcome.status === 'committed' ? 1 : 0
      this.log(`round ${k}: ledger ${outcome.status === 'committed' ? `commit again in tx ${outcome.txHash}` : 'already had it'}`)
    }
    return true
  }

  private advance(round: bigint, policyHash: Hex32, committed: boolean): void {
    const closed = round - 1n
    const candidate = this.candidates.get(policyHash)
    const agreed = [...this.results.values()].find((r) => hex(r.result.newPolicyHash) === policyHash)
    const agreedBody = agreed?.result ?? candidate?.body
    if (this.roles.includes('validator')) this.judgeResults(closed, committed ? agreedBody : undefined)
    // the deltas Δ̄ was made of: the included ones the screen kept
    const screenedIds = new Set((agreedBody?.screened ?? []).map(hex))
    const includedIds = (agreedBody?.deltas ?? []).map(hex).filter((id) => !screenedIds.has(id))
    this.counters.deltasScreened += screenedIds.size
    const report = this.closeRoundReport(closed, policyHash, includedIds, screenedIds.size, candidate === undefined, agreedBody)
    if (agreedBody) {
      this.noteCheats(closed, agreedBody, screenedIds)
      this.autoClaim(closed, agreedBody)
    }
    // error feedback: what this peer sent but the round did not apply goes back into the residual
    if (this.lastSent && this.lastSent.round === closed && !includedIds.includes(this.lastSent.id)) {
      const r = this.feedback.residual
      for (let i = 0; i < r.length; i++) r[i]! += this.lastSent.sent[i]!
    }
    let weights: Promise<Weights>
    if (candidate) {
      this.momentum = Promise.resolve(candidate.momentum)
      // m_{r+1} follows from m_r and the round's aggregate, and θ_{r+1} agreed: serve it
      if (candidate.momentum) void this.host.blobs.store.putAs(outerStateKey(fromHex(policyHash)), encodeOuterState(candidate.momentum))
      weights = Promise.resolve(candidate.weights)
    } else {
      const voters = [...this.results.values()].filter((r) => hex(r.result.newPolicyHash) === policyHash).map((r) => r.from)
      weights = this.fetchCheckpoint(fromHex(policyHash), voters)
      this.momentum = this.fetchOuterState(fromHex(policyHash), voters)
    }
    const hash = fromHex(policyHash)
    weights.catch(() => undefined) // a fetch ends only by success or by stop(); consumers see the rejection
    const was = this.theta && this.theta.round === closed ? { round: closed, weights: this.theta.weights } : undefined
    this.theta = { round, hash, weights }
    this.loadPolicy(hash, weights, was)
    this.resetRoundData()
    // the machine already entered `round`; its deadlines are this peer's own (not consensus),
    // re-read from config at every tick, so this round's rollouts window follows the last training
    if (this.state?.round === round) this.state = { ...this.state, config: { ...this.state.config, schedule: this.localSchedule() } }
    this.offerHeldGroups(round)
    this.beginRoundStats()
    this.counters.roundsClosed++
    this.announce(round, hash, weights)
    this.statuses.noteRound(report.sampledTokens, report.computeSeconds)
    this.publish('status', this.statuses.publish(round, this.counters.groupsPublished))
    this.init.onRound?.(report)
  }

  /**
   * Round `closed` is over: with its committed RoundResult, the RoundResults validators signed
   * for it that contradict it become proofs of `wrong-result` for the next round's proposal.
   */
  private judgeResults(closed: bigint, committed: RoundResult | undefined): void {
    if (!committed) {
      this.offenseBook.onUncommitted(closed)
      return
    }
    this.offenseBook.onCommitted(committed)
    const signed = [...this.results.values()].filter((r) => r.result.round === closed).map((r) => decodeSignedMessage(r.envelope))
    this.background('offense checks', async () => {
      for (const m of signed) await this.noteWrongResult(m)
    })
  }

  /**
   * A proof the offense book starts keeping: served under its evidence key (endorsers fetch it),
   * and a group proof this peer caught itself is gossiped on `offenses`, since `groups` drops
   * the group where it was caught and the validators it never reached could not list it.
   */
  private onProof(p: Proof, origin: ProofOrigin): void {
    this.background('offense proof', () => this.host.blobs.store.putAs(offenseEvidenceKey(p.offense), p.envelope))
    if (origin === 'own' && (p.offense.kind === 'reward-mismatch' || p.offense.kind === 'replay-mismatch'))
      this.publish('offenses', p.envelope)
  }

  private async noteWrongResult(signed: SignedMessage): Promise<void> {
    const proof = await this.offenseBook.noteRoundResult(signed)
    if (!proof) return
    this.log(
      `round ${proof.round}: validator ${hex(proof.offense.offender)} signed a RoundResult that contradicts the committed one; it forfeits round ${proof.round + 1n}`,
    )
  }

  private closeRoundReport(
    closed: bigint,
    policyHash: Hex32,
    included: readonly Hex32[],
    screened: number,
    fetched: boolean,
    body: RoundResult | undefined,
  ): PeerRoundReport {
    const held = [...this.groups.values()].filter((g) => g.group.round === closed)
    const rewards = held.flatMap((g) => g.group.completions.map((c) => c.reward))
    const correct = held.flatMap((g) => g.correct)
    const served = this.host.blobs.stats().bytes
    const s = this.roundStats
    const numel = this.run.numel
    const groupIds = new Set(included.flatMap((id) => this.deltas.get(id)?.delta.groups.map(hex) ?? []))
    const own = [...this.groups.entries()].filter(([, g]) => g.own && g.group.round === closed)
    const noGradient = own.filter(([, g]) => isZeroVarianceGroup(g.group.completions.map((c) => c.reward))).length
    const countedBy: Record<`0x${string}`, number> = {}
    for (const id of groupIds) {
      const author = this.groups.get(id)?.group.author
      if (!author) continue
      const key: `0x${string}` = hex(author)
      countedBy[key] = (countedBy[key] ?? 0) + 1
    }
    const includedGroupsBy = groupsInTheta(
      countedBy,
      included.some((id) => !this.deltas.has(id)),
      body?.credits.map((c) => ({ address: hex(c.contributor), acceptedGroups: c.acceptedGroups })),
    )
    const ownIncluded = includedGroupsBy[this.address.toLowerCase() as `0x${string}`] ?? 0
    // θ here is still the closed round's: a group on another θ was sampled on the one before
    const ownEarly = own.filter(([, g]) => this.theta !== null && !equalBytes(g.group.policyHash, this.theta.hash))
    const last = this.lastSent?.round === closed ? this.lastSent : null
    const sent = last?.id ?? null
    const screenedHere = sent !== null && (body?.screened ?? []).some((id) => hex(id) === sent)
    const ownDelta: PeerRoundReport['own']['delta'] =
      last === null
        ? null
        : included.includes(last.id)
          ? { outcome: 'included' }
          : screenedHere
            ? { outcome: 'screened', reason: this.screenReasons.get(last.id) ?? 'the delta screen' }
            : {
                outcome: 'not-included',
                reason:
                  last.lateMs > 0
                    ? `it was committed ${last.lateMs} ms after the commitments deadline (training took too long)`
                    : "the quorum's set left it out: its commitment reached the validators after their commitments deadline, or their checks refused it",
              }
    for (const id of [...this.screenReasons.keys()]) if (this.deltas.get(id)?.delta.round !== closed) this.screenReasons.delete(id)
    return {
      round: Number(closed),
      address: this.address,
      policyHash,
      reward: rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : 0,
      sampleAccuracy: correct.length ? correct.reduce((a, b) => a + b, 0) / correct.length : 0,
      groups: held.length,
      ownGroups: held.filter((g) => g.own).length,
      included: included.length,
      screened,
      ownDeltaIncluded: ownDelta?.outcome === 'included',
      includedGroupsBy,
      ownGroupsIncluded: ownIncluded,
      own: {
        groups: {
          published: own.length,
          included: ownIncluded,
          noGradient,
          unused: own.length - ownIncluded - noGradient,
          early: ownEarly.length,
          earlyIncluded: ownEarly.filter(([id]) => groupIds.has(id)).length,
        },
        delta: ownDelta,
      },
      contributions: body
        ? {
            root: hex(body.contributionsRoot),
            leaves: body.credits.map((c) => ({
              address: hex(c.contributor),
              groups: c.acceptedGroups,
              deltas: c.acceptedDeltas,
              credit: c.credit.toString(),
            })),
            offenses: body.offenses.map((o) => ({ kind: o.kind, offender: hex(o.offender), id: hex(o.id) })),
          }
        : null,
      seconds: (this.now() - s.startedAt) / 1000,
      startedAtMs: s.startedAt,
      advancedAtMs: this.now(),
      computeSeconds: (s.computeMs + (this.busyDepth > 0 ? performance.now() - this.busySince : 0)) / 1000,
      sampledTokens: s.tokens,
      bytesSent: Object.values(s.bytesByTopic).reduce((a, b) => a + b, 0) + (served - s.servedAtStart),
      bytesByKind: { ...s.bytesByTopic, ...(served > s.servedAtStart ? { blobs: served - s.servedAtStart } : {}) },
      deltaBytes: s.deltaBytes,
      denseDeltaBytes: s.deltaBytes > 0 ? 6 + 4 * numel : 0,
      fetchedCheckpoint: fetched,
    }
  }

  /** Sampling, training or aggregating: overlapping work counts once (the union of busy times). */
  private busyStart(): void {
    if (this.busyDepth++ === 0) this.busySince = performance.now()
  }

  private busyEnd(): void {
    if (--this.busyDepth === 0) this.roundStats.computeMs += performance.now() - this.busySince
  }

  private beginRoundStats(): void {
    // work that spans the round change counts in the new round from its start
    if (this.busyDepth > 0) this.busySince = performance.now()
    this.roundStats = {
      startedAt: this.now(),
      computeMs: 0,
      tokens: 0,
      deltaBytes: 0,
      bytesByTopic: {},
      servedAtStart: this.host.blobs.stats().bytes,
    }
  }

  private resetRoundData(): void {
    const round = this.theta?.round ?? 0n
    // groups of the closed round stay one round for reports; everything else is per round
    this.groups = new Map([...this.groups].filter(([, g]) => g.group.round + 1n >= round))
    this.deltas = new Map()
    this.commitmentsSeen = new Map()
    this.revealed = new Map()
    this.results = new Map()
    this.candidates = new Map()
    // an early group of this round rejected while the last one closed stays rejected
    this.rejectedGroups = new Map([...this.rejectedGroups].filter(([, g]) => g.round >= round))
  }

  private async fetchCheckpoint(hash: Uint8Array, extra: readonly PeerId[]): Promise<Weights> {
    const cfg = this.run.cfg
    for (let attempt = 1; !this.stopped; attempt++) {
      const holders = this.holdersOf(hash, extra)
      try {
        const size = Number(this.run.checkpointBytes)
        const bytes = await this.host.blobs.fetch(hash, holders, { maxBytes: size, sizeBytes: size })
        const weights = weightsFromCheckpointBytes(cfg, bytes)
        this.counters.checkpointsFetched++
        return weights
      } catch (err) {
        if (this.stopped) break
        this.log(`checkpoint ${hex(hash).slice(0, 12)}… attempt ${attempt}: ${(err as Error).message}; retrying`)
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)).unref())
      }
    }
    throw new Error('peer stopped')
  }

  /**
   * The outer momentum that goes with the θ hashing to `hash`, from the validators that signed
   * it (then any peer). Its bytes carry no signature: a wrong one shows in the next round, whose
   * θ this peer then cannot reproduce, and it fetches θ and momentum again. Null when the run
   * has no momentum, or nobody served it (this peer then follows the quorum's checkpoints).
   */
  private fetchOuterState(hash: Uint8Array, voters: readonly PeerId[]): Promise<Float32Array | null> {
    if (!(this.run.manifest.outerMomentum > 0)) return Promise.resolve(null)
    const key = outerStateKey(hash)
    const numel = this.run.numel
    const state = (async () => {
      for (let attempt = 1; attempt <= FETCH_ATTEMPTS && !this.stopped; attempt++) {
        let decoded: Float32Array | null = null
        const decodes = (bytes: Uint8Array) => {
          try {
            decoded = decodeOuterState(bytes, numel)
            return true
          } catch {
            return false
          }
        }
        try {
          const bytes = await this.host.blobs.fetch(key, this.holdersOf(key, voters), {
            maxBytes: 4 * numel,
            verify: decodes,
            store: false,
          })
          this.counters.outerStatesFetched++
          // a state this peer holds itself comes from its store, unverified and so undecoded
          return decoded ?? decodeOuterState(bytes, numel)
        } catch (err) {
          this.log(`outer momentum of θ ${hex(hash).slice(0, 12)}… attempt ${attempt}: ${(err as Error).message}`)
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt).unref())
        }
      }
      if (!this.stopped)
        this.log(
          `no peer served the outer momentum of θ ${hex(hash).slice(0, 12)}…: aggregating from zero momentum, so this peer adopts the quorum's θ until a fetch succeeds`,
        )
      return null
    })()
    state.catch(() => undefined)
    return state
  }

  /** Serves, persists and announces θ_round once it is in. */
  private announce(round: bigint, hash: Uint8Array, weights: Promise<Weights>): void {
    const momentum = this.momentum
    this.background('checkpoint announcement', async () => {
      // θ's bytes hash to `hash` (the policy hash this peer computed or verified): served and
      // written under it without hashing 5 MB again
      const bytes = encodeWeights(this.run.cfg, await weights)
      await this.host.blobs.store.putAs(hash, bytes)
      if (this.init.dataDir)
        await writeSwarmCheckpoint(this.init.dataDir, round, { bytes, hash }, this.init.keepCheckpoints ?? 5, await momentum)
      if (this.stopped) return
      const agreed = [...this.results.values()].find((r) => equalBytes(r.result.newPolicyHash, hash))
      const a: CheckpointAnnouncement = {
        run: this.run.runId,
        round,
        author: fromHex(this.address),
        policyHash: hash,
        sizeBytes: BigInt(bytes.length),
        roundResultHash: agreed ? hashRoundResult(agreed.body) : new Uint8Array(32),
      }
      const signed = encodeSignedMessage(signMessage('CheckpointAnnouncement', a, this.run.domain, this.init.privateKey))
      this.announcement = { round, bytes: signed }
      this.publish('checkpoints', signed)
    })
  }

  // ------------------------------------------------------------------------------------------
  // gossip validation

  private wake(round: bigint): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.round <= round) this.waiters.splice(i, 1)[0]!.resolve()
    }
  }

  /** Waits (bounded) until this peer is in `round`; true if it got there. */
  private async reach(round: bigint): Promise<boolean> {
    if (this.state && this.state.round >= round) return this.state.round === round
    const wait = new Promise<void>((resolve) => this.waiters.push({ round, resolve }))
    const timeout = new Promise<void>((r) => setTimeout(r, this.run.manifest.roundDurationMs).unref())
    await Promise.race([wait, timeout])
    return this.state?.round === round
  }

  /**
   * A validator that closed round r and hears a peer still in it (its checkpoint announcement or
   * its status of round r: sent on entering a round and again while it is overdue; not its vote,
   * which may be merely the last of a quorum) sends the RoundResults that closed r here again, at
   * most once per re-announce period. Votes lost on gossip can split a round: the validators that saw
   * a quorum (their own vote among it) move on and never send those votes again, while the
   * others see too few and may not re-vote while the unseen votes could still complete a quorum
   * (step.ts): 4 validators of quorum 3, two of whose votes were lost, sat split across rounds 0
   * and 1 for good (swarm.test.ts). Any envelope of the quorum will do: each is signed by its
   * validator, not by the relay. Unverified triggers cost at most one relay of `quorum`
   * messages a period.
   */
  private helpLaggards(round: bigint): void {
    const q = this.lastQuorum
    const s = this.state
    if (!q || !s || q.round !== round || round + 1n !== s.round || !this.roles.includes('validator')) return
    const period = reannouncePeriodMs(this.run.manifest.roundDurationMs)
    if (this.now() - q.relayedAtMs < period) return
    q.relayedAtMs = this.now()
    this.debug(`round ${round}: a peer is still in round ${round}; sending its ${q.envelopes.length} RoundResults again`)
    for (const envelope of q.envelopes) this.publish('roundResults', envelope)
  }

  /** Accept now, ignore (another round), or wait for the next round to begin here. */
  private async gate(round: bigint): Promise<GossipVerdict | null> {
    const s = this.state
    if (s === null) return { ok: 'ignore', detail: 'this peer has not joined a round yet' }
    if (round < s.round) return { ok: 'ignore', detail: `round ${round} is over here (now ${s.round})` }
    if (round > s.round + 1n) return { ok: 'ignore', detail: `round ${round} is ahead of this peer (round ${s.round})` }
    if (round === s.round + 1n && !(await this.reach(round)))
      return { ok: 'ignore', detail: `this peer did not reach round ${round} in time` }
    await this.policyLoaded(round)
    return null
  }

  private publisherIs(from: PeerId, author: Uint8Array): boolean {
    try {
      return equalBytes(addressFromPeerId(from.toMultihash().bytes), author)
    } catch {
      return false
    }
  }

  private async validate(topic: string, bytes: Uint8Array, from: PeerId): Promise<GossipVerdict> {
    if (this.stopped) return { ok: 'ignore', detail: 'stopping' }
    const { name } = parseTopic(topic)
    const signed = decodeSignedMessage(bytes)
    switch (name) {
      case 'groups': {
        const group = decodeScoredGroup(signed.body)
        const round = group.round
        // an early group of the next round, on this round's θ, is checked now, not when that round comes
        const s = this.state
        const early = s !== null && round === s.round + 1n && this.theta?.round === s.round && equalBytes(group.policyHash, this.theta.hash)
        const gate = early ? null : await this.gate(round)
        if (gate) return gate
        if (early) await this.policyLoaded(s.round)
        const check = this.checkGroup(signed, group, from, round)
        this.groupChecks.add(check)
        try {
          return await check
        } finally {
          this.groupChecks.delete(check)
        }
      }
      case 'deltas': {
        const round = decodeDelta(signed.body).round
        const gate = await this.gate(round)
        if (gate) return gate
        await Promise.allSettled([...this.groupChecks])
        let v = this.checkDeltaHeader(signed, round)
        if (!v.ok && v.reason === 'unknown-group') {
          // groups this peer missed (it joined late, or gossip dropped them): fetch them by id
          // from the author and check them. When that fails (the author is busy, the fetch timed
          // out), this peer cannot judge the delta: it is ignored (not forwarded from here), never
          // rejected. gossipsub blames a rejection on the peer that forwarded the message, and 8
          // small-model peers on 2 cores, whose fetches timed out under load, pushed honest
          // forwarders' scores to −600 and below (4 such rejections: P4 is squared), until their
          // votes were no longer delivered and a round never closed. A delta that lists a group
          // this peer holds but that is not one of this round's is still rejected (below).
          const header = decodeDelta(signed.body)
          const missing = header.groups.filter((g) => !this.groups.has(hex(g)) && !this.rejectedGroups.has(hex(g)))
          if (missing.length > 0 && !(missing.length <= MAX_RECOVERED_GROUPS && (await this.recoverGroups(round, missing, [from]))))
            return {
              ok: 'ignore',
              detail: `the delta lists ${missing.length} group(s) this peer does not hold and could not get: ${v.detail}`,
            }
          v = this.checkDeltaHeader(signed, round)
          // a group this peer caught as forged, which the trainer's own sampled replay let through
          const caught = header.groups.find((g) => this.rejectedGroups.has(hex(g)))
          if (!v.ok && v.reason === 'unknown-group' && caught)
            return { ok: 'ignore', detail: `the delta uses group ${hex(caught).slice(0, 12)}…, which this peer rejected` }
        }
        if (!v.ok) return v
        if (!this.publisherIs(from, v.delta.author))
          return { ok: false, reason: 'wrong-signer', detail: 'the delta author is not its publisher' }
        const key = hex(v.id)
        const copied = this.copiedDelta(v.delta, key)
        if (copied) {
          // not forwarded, not blamed (an honest trainer that did the very same work late looks alike)
          this.counters.deltasCopied++
          this.debug(`round ${round}: delta ${key.slice(0, 10)}… copies ${copied}; not included`)
          return { ok: 'ignore', detail: `the delta's payload was revealed by ${copied} before its commitment came` }
        }
        if (!this.deltas.has(key)) {
          this.deltas.set(key, { delta: v.delta, bytes, from })
          await this.host.blobs.store.putAs(v.id, bytes)
        }
        this.dispatch({ kind: 'delta-header', atMs: this.now(), round, id: key, valid: true })
        if (this.init.faults?.copyDeltas && this.copied !== round) {
          this.copied = round
          this.background('delta copy', () => this.copyDelta(round, key))
        }
        return { ok: true }
      }
      case 'commitments': {
        const round = decodeDeltaCommitment(signed.body).round
        const gate = await this.gate(round)
        if (gate) return gate
        const v = verifyDeltaCommitment({ message: signed, expected: { domain: this.run.domain, round } })
        if (!v.ok) return v
        if (!this.publisherIs(from, v.commitment.author))
          return { ok: false, reason: 'wrong-signer', detail: 'the commitment author is not its publisher' }
        // one commitment per author and round: a trainer sends one delta a round
        const author = hex(v.commitment.author).toLowerCase()
        const delta = hex(v.commitment.delta)
        const prior = this.commitmentsSeen.get(author)
        if (prior !== undefined)
          return {
            ok: 'ignore',
            detail: prior.delta === delta ? 'a commitment already seen' : `${author} already committed to a delta this round`,
          }
        this.commitmentsSeen.set(author, { delta, atMs: this.now() })
        this.dispatch({ kind: 'delta-commitment', atMs: this.now(), round, delta, valid: true })
        if (this.state?.round === round && !this.state.commitments.includes(delta)) {
          // forwarded all the same: a peer that entered the round later may still count it
          this.counters.commitmentsLate++
          this.debug(`round ${round}: ${author} committed to delta ${delta.slice(0, 10)}… after the commitments deadline; not included`)
        }
        return { ok: true }
      }
      case 'roundResults': {
        const round = decodeRoundResult(signed.body).round
        // one for the round this validator just committed: ignored, but it may prove a wrong result
        if (this.roles.includes('validator') && round === this.offenseBook.lastCommitted?.round && round + 1n === this.state?.round)
          await this.noteWrongResult(signed)
        const gate = await this.gate(round)
        if (gate) return gate
        const v = verifyRoundResult({
          message: signed,
          expected: { domain: this.run.domain, round, previousPolicyHash: this.theta!.hash, validators: this.run.manifest.validators },
        })
        if (!v.ok) return v
        const validator = hex(v.validator)
        // a validator's latest RoundResult counts (it re-votes only to break a stalled round)
        const prior = this.results.get(validator)
        if (!prior || !equalBytes(prior.body, signed.body))
          this.results.set(validator, { result: v.result, body: signed.body, from, envelope: bytes })
        this.dispatch({
          kind: 'round-result',
          atMs: this.now(),
          round,
          validator,
          newPolicyHash: hex(v.result.newPolicyHash),
          included: v.result.deltas.map(hex),
          valid: true,
        })
        return { ok: true }
      }
      case 'checkpoints': {
        const v = verifyCheckpointAnnouncement({
          message: signed,
          expected: { domain: this.run.domain, sizeBytes: this.run.checkpointBytes },
        })
        if (!v.ok) return v
        if (!this.publisherIs(from, v.announcement.author))
          return { ok: false, reason: 'wrong-signer', detail: 'the announcer is not its publisher' }
        this.helpLaggards(v.announcement.round)
        this.noteAnnouncement(v.announcement, from)
        return { ok: true }
      }
      case 'status':
        this.helpLaggards(decodePeerStatus(signed.body).round)
        return this.statuses.receive(signed, from, this.state?.round ?? null)
      case 'offenses':
        return this.checkOffenseProof(signed)
    }
  }

  /**
   * Whether `delta` (id `id`) re-signs a payload another author revealed first: this peer saw a
   * header with the same payload hash, by someone else, before this delta's commitment. A copier
   * commits only after it saw the original header, so wherever the original came first the copy
   * is caught, however late this peer entered the round (the commitments deadline alone leaves
   * out a copy only at peers less than 3% of a round behind the original's trainer). Returns
   * the first revealer, or null; records this header as the first of its payload otherwise.
   */
  private copiedDelta(delta: Delta, id: Hex32): string | null {
    const payload = hex(delta.payloadHash)
    const author = hex(delta.author).toLowerCase()
    const first = this.revealed.get(payload)
    if (!first) {
      this.revealed.set(payload, { author, atMs: this.now() })
      return null
    }
    const committed = this.commitmentsSeen.get(author)
    return first.author !== author && committed?.delta === id && committed.atMs > first.atMs ? first.author : null
  }

  /** Verifies a group (from gossip, or recovered by id when `from` is null) and holds it. */
  private checkDeltaHeader(signed: SignedMessage, round: bigint, alsoValid: (id: Uint8Array) => boolean = () => false) {
    return verifyDeltaHeader({
      message: signed,
      expected: {
        domain: this.run.domain,
        round,
        basePolicyHash: this.theta!.hash,
        maxNorm: this.run.manifest.maxDeltaNorm,
        numel: this.run.numel,
        // a group of this round only: one of the last round (or an early one of the next) is credited there
        isValidGroup: (id) => this.groups.get(hex(id))?.group.round === round || alsoValid(id),
      },
    })
  }

  /** Fetches groups this peer missed by id and verifies them; true when all are now held. */
  private async recoverGroups(round: bigint, ids: readonly Uint8Array[], sources: readonly PeerId[]): Promise<boolean> {
    for (const g of ids) {
      if (this.groups.has(hex(g))) continue
      const signed = await this.fetchMessage('ScoredGroup', g, sources)
      if (!signed) return false
      let group: ScoredGroup
      try {
        group = decodeScoredGroup(signed.body)
      } catch {
        return false // its id matched, so its author signed bytes that are no group: nothing to hold
      }
      if ((await this.checkGroup(signed, group, null, round)).ok !== true) return false
      this.counters.recovered++
    }
    return true
  }

  /** The copyDeltas attack: `id`'s payload fetched, its header re-signed as this peer's own delta. */
  private async copyDelta(round: bigint, id: Hex32): Promise<void> {
    const entry = this.deltas.get(id)
    if (!entry || !(await this.fetchValues(entry)) || this.state?.round !== round) return
    const delta: Delta = { ...entry.delta, author: fromHex(this.address) }
    const signed = signMessage('Delta', delta, this.run.domain, this.init.privateKey)
    const { id: copyId } = signingDigest('Delta', signed.body, this.run.domain)
    const envelope = encodeSignedMessage(signed)
    this.deltas.set(hex(copyId), { delta, bytes: envelope, from: null, values: entry.values })
    this.dispatch({ kind: 'trained', atMs: this.now(), round, delta: hex(copyId) })
  }

  /**
   * A group on the `offenses` topic: forwarded and kept when it proves its author forged a
   * reward or a completion (verifyOffense, the replay at the offense tolerance on θ_r); ignored
   * when this peer already holds such a proof against the author, cannot judge it (no θ_r) or
   * the group is of another round; rejected (its publisher penalised) when it proves nothing.
   */
  private async checkOffenseProof(signed: SignedMessage): Promise<GossipVerdict> {
    const s = this.state
    const group = decodeScoredGroup(signed.body)
    if (!s || group.round > s.round || s.round - group.round > 1n) return { ok: 'ignore', detail: 'the proof is of another round' }
    if (this.offenseBook.holdsGroupProof(group.author, group.round)) return { ok: 'ignore', detail: 'a proof against its author is held' }
    await this.policyLoaded(s.round)
    const current = await this.currentPolicy(s.round)
    const previous = await this.previousPolicy(s.round)
    try {
      const at = {
        round: s.round,
        policyHash: this.theta?.hash ?? null,
        previousPolicyHash: previous?.hash ?? null,
        replayChecker: current ? this.replayCheckerFor(current, OFFENSE_REPLAY_TOLERANCE_SCALE, previous) : undefined,
      }
      const v = await this.offenseBook.noteProvenGroup(signed, at)
      if (v.ok) return { ok: true }
      // a proof this peer cannot judge yet (it lacks θ_r, or is a round off) is not its sender's fault
      return v.reason === 'unverifiable' || v.reason === 'wrong-round' || v.reason === 'wrong-policy'
        ? { ok: 'ignore', detail: v.detail }
        : v
    } finally {
      await current?.release()
      await previous?.release()
    }
  }

  /**
   * Replays groups on θ of the round (`current`) or, with `previous`, on θ_{r−1} (early groups),
   * at `scale` × the run's tolerances.
   */
  private replayCheckerFor(current: PolicyLease, scale = 1, previous?: PolicyLease | null) {
    const m = this.run.manifest
    return policyReplayChecker({
      policyFor: (h) =>
        equalBytes(h, current.hash) ? current.policy : previous && equalBytes(h, previous.hash) ? previous.policy : undefined,
      promptTokens: (g) => this.promptOf(g).prompt,
      sampling: {
        temperature: m.temperature,
        topP: 1,
        maxNewTokens: m.maxCompletionTokens,
        stopTokens: this.run.ctx.tokenizer.stopIds,
        cdfTolerance: REPLAY_CDF_TOLERANCE * scale,
        logprobTolerance: REPLAY_LOGPROB_TOLERANCE * scale,
      },
    })
  }

  /**
   * Verifies a group of `round` (from gossip, or recovered by id when `from` is null) and holds
   * it. In round r, a group of round r may be on θ_r or (early, sampled while r − 1 closed) on
   * θ_{r−1}, checked where this peer still holds θ_{r−1}; a group of round r + 1 on θ_r (early)
   * is checked at once and handed to the machine when round r + 1 begins here.
   */
  private async checkGroup(signed: SignedMessage, group: ScoredGroup, from: PeerId | null, round: bigint): Promise<GossipVerdict> {
    const run = this.run
    const m = run.manifest
    const early = this.state !== null && round === this.state.round + 1n
    const current = await this.currentPolicy(early ? round - 1n : round)
    if (!current) return { ok: 'ignore', detail: 'this peer left the round' }
    const previous = early ? null : await this.previousPolicy(round)
    try {
      // a group on another θ may be early, on θ_{r−1}: a peer that did not hold θ_{r−1} (it synced
      // into this round) cannot tell, so it neither accepts nor blames
      if (!early && previous === null && round > 0n && !equalBytes(group.policyHash, current.hash))
        return {
          ok: 'ignore',
          detail: `the group is not on θ_${round}, and this peer does not hold θ_${round - 1n} to check it as an early one`,
        }
      const v = await verifyScoredGroup(
        {
          rewardOracle: taskRewardOracle(run.ctx.task, run.ctx.tokenizer),
          replayChecker: this.replayCheckerFor(current, 1, previous),
        },
        {
          message: signed,
          expected: {
            domain: run.domain,
            round,
            policyHash: current.hash,
            previousPolicyHash: previous?.hash ?? null,
            groupSize: m.groupSize,
            promptsPerPeer: m.promptsPerPeer,
            maxCompletionTokens: m.maxCompletionTokens,
          },
          replay: { ratePpm: m.replayRatePpm, secret: this.replaySecret },
        },
      )
      if (!v.ok) {
        // only a sampled verdict: a reward mismatch every peer sees, so no honest trainer used it
        if (isSampledRejection(v.reason)) {
          const { id, value } = signingDigest('ScoredGroup', signed.body, run.domain)
          if (value.round === round) this.rejectedGroups.set(hex(id), value)
        }
        // a reward mismatch is provable to anyone, a replay mismatch to any peer holding the
        // group's θ: the author forfeits the group's round (a validator lists the proof in its
        // proposal; the offenses topic carries it to the validators the group never reached)
        if (v.reason === 'reward-mismatch') this.offenseBook.noteForgedGroup(signed)
        else if (v.reason === 'replay-mismatch')
          await this.offenseBook.noteReplayMismatch(signed, this.replayCheckerFor(current, 2 * OFFENSE_REPLAY_TOLERANCE_SCALE, previous))
        return v
      }
      if (from !== null && !this.publisherIs(from, v.group.author))
        return { ok: false, reason: 'wrong-signer', detail: 'the group author is not its publisher' }
      const key = hex(v.id)
      if (!this.groups.has(key)) {
        const { instance } = this.promptOf(v.group)
        const { task, tokenizer } = run.ctx
        const correct = v.group.completions.map(
          (c) => task.reward(instance, tokenizer.decode([...c.tokens], { skipSpecialTokens: true })).correctness,
        )
        const envelope = encodeSignedMessage(signed)
        this.groups.set(key, { group: v.group, signed, bytes: envelope, own: false, correct })
        await this.host.blobs.store.putAs(v.id, envelope)
        this.counters.groupsAccepted++
        if (early || !equalBytes(v.group.policyHash, current.hash)) this.counters.earlyGroupsAccepted++
      }
      this.offerGroup(key, v.group)
      return { ok: true }
    } finally {
      await current.release()
      await previous?.release()
    }
  }

  /**
   * Hands a held group to the machine when it is of the current round (an early group of the
   * next round waits for it: offerHeldGroups). Its policy round: r on θ_r, else r − 1 (early).
   */
  private offerGroup(key: Hex32, group: ScoredGroup): void {
    const s = this.state
    if (!s || group.round !== s.round) return
    const policyRound = equalBytes(group.policyHash, fromHex(s.policyHash)) ? group.round : group.round - 1n
    this.dispatch({ kind: 'group', atMs: this.now(), round: group.round, id: key, policyRound, valid: true })
  }

  /** On entering `round`: the early groups of it this peer holds (its own, and those it checked in round − 1). */
  private offerHeldGroups(round: bigint): void {
    for (const [key, g] of this.groups) if (g.group.round === round) this.offerGroup(key, g.group)
  }

  // ------------------------------------------------------------------------------------------
  // sync

  private noteAnnouncement(a: CheckpointAnnouncement, from: PeerId): void {
    const m = this.run.manifest
    const key = `${a.round}/${hex(a.policyHash)}`
    let entry = this.announcements.get(key)
    if (!entry) {
      entry = { round: a.round, policyHash: hex(a.policyHash), validators: new Set(), peers: [] }
      this.announcements.set(key, entry)
      if (this.announcements.size > 256) this.announcements.delete(this.announcements.keys().next().value!)
    }
    if (!entry.peers.some((p) => p.equals(from))) entry.peers.push(from)
    if (m.validators.some((v) => equalBytes(v, a.author))) entry.validators.add(hex(a.author))
    const start = this.init.start
    if (this.state === null && !this.syncing && start !== 'sync' && start.round === a.round) {
      const local = this.localHash ?? weightsHash(this.run.cfg, start.weights)
      this.localHash = local
      if (equalBytes(local, a.policyHash)) {
        this.log(`joining round ${a.round}: a peer announced our own checkpoint`)
        this.enterStart(start, local)
        return
      }
    }
    if (entry.validators.size < m.quorum || this.syncing) return
    const cur = this.state?.round
    if (cur !== undefined && entry.round === cur + 1n) {
      // the swarm just moved on; if this peer does not follow within a quarter round (it missed
      // the round's results, e.g. while it was still fetching its first checkpoint), it syncs
      const target = entry
      setTimeout(() => {
        if (!this.stopped && this.state?.round === cur && !this.syncing) this.sync(target)
      }, m.roundDurationMs / 4).unref()
      return
    }
    if (cur === undefined || entry.round >= cur + 2n) this.sync(entry)
  }

  private sync(target: Announcement): void {
    if (this.syncing) return
    this.syncing = (async () => {
      this.log(`syncing to round ${target.round} (θ ${target.policyHash.slice(0, 12)}…, announced by ${target.validators.size} validators)`)
      const hash = fromHex(target.policyHash)
      const weights = await this.fetchCheckpoint(hash, target.peers)
      if (this.stopped || (this.state && this.state.round >= target.round)) return
      this.counters.syncs++
      this.momentum = this.fetchOuterState(hash, target.peers)
      this.enter(target.round, hash, Promise.resolve(weights))
    })()
      // a fetch ends by success or by stop(); a stopped peer's sync just ends (it used to reject
      // unhandled and take the whole process down with it)
      .catch((err: unknown) => {
        if (!this.stopped) this.log(`sync to round ${target.round} failed: ${err instanceof Error ? err.message : String(err)}`)
      })
      .finally(() => {
        this.syncing = null
      })
  }
}

/**
 * How many groups of each author θ_{r+1} trained on: counted from the included deltas' headers
 * where the peer holds them all. A peer that missed some (it joined mid-round, before its gossip
 * mesh formed, and adopted the quorum's θ) takes each author's count from its leaf of the agreed
 * RoundResult, whose acceptedGroups are that author's groups the included deltas used (one per
 * prompt), where that is more. An author without a leaf (it forfeited the round, or the body is
 * unknown here) keeps what the headers held say.
 */
export function groupsInTheta(
  counted: Readonly<Record<`0x${string}`, number>>,
  missedHeaders: boolean,
  leaves: readonly { address: `0x${string}`; acceptedGroups: number }[] | undefined,
): Record<`0x${string}`, number> {
  const out = { ...counted }
  if (missedHeaders && leaves)
    for (const { address, acceptedGroups } of leaves) if (acceptedGroups > (out[address] ?? 0)) out[address] = acceptedGroups
  return out
}

/**
 * Groups cut into training steps of at most `batch` samples, in the order given. A group is not
 * split across steps unless it alone is bigger than a step; it then counts as trained after its
 * last piece. Groups without samples are skipped.
 */
function groupSteps<T extends { rollout: RolloutGroup }>(groups: readonly T[], batch: number): { groups: T[]; samples: TrainSample[] }[] {
  const out: { groups: T[]; samples: TrainSample[] }[] = []
  let cur: { groups: T[]; samples: TrainSample[] } = { groups: [], samples: [] }
  for (const g of groups) {
    const samples = assembleGrpoBatch({ groups: [g.rollout] }).samples
    if (samples.length === 0) continue
    if (cur.samples.length > 0 && cur.samples.length + samples.length > batch) {
      out.push(cur)
      cur = { groups: [], samples: [] }
    }
    // a group bigger than a step (G > batch) takes several; it counts as trained after its last
    const pieces = chunkSamples(samples, batch)
    for (const piece of pieces.slice(0, -1)) out.push({ groups: [], samples: piece })
    cur.groups.push(g)
    cur.samples.push(...pieces.at(-1)!)
  }
  if (cur.samples.length > 0) out.push(cur)
  return out
}
