/** The page ↔ worker messages (structured-clone data only). */
import type { JoinInfo, PeerStatusRow } from '@murmur/node/browser'

export type Device = 'webgpu' | 'wasm'

export type ToWorker =
  /** The page's end of the worker's WebRTC (rtc-host.ts serves the other); sent before 'start'. */
  | { type: 'rtc'; port: MessagePort }
  /** `debug`: libp2p log namespaces for the worker's console (the page's `?debug=` parameter, e.g. `libp2p:webrtc*`); `murmur` in the list adds the peer's own timing lines to the tab's log. */
  /** `train`: also take the trainer role (default: on WebGPU, or on wasm for models up to WASM_TRAIN_MAX_PARAMS). */
  | { type: 'start'; join: JoinInfo; privateKey: Uint8Array; device: Device; share: number; train?: boolean; debug?: string }
  | { type: 'share'; share: number }
  | { type: 'stop' }
  /** The browser benchmark: decode throughput of a named config with seeded weights. */
  | { type: 'bench'; config: 'tiny' | 'small'; device: Device; group: number; maxNewTokens: number; runs: number }

export interface WorkerStatus {
  address: `0x${string}`
  peerId: string
  device: Device
  threads: number
  /** The peer's roles: always worker; trainer too when it produces deltas. */
  roles: string[]
  connections: number
  /** Peers connected directly over WebRTC (other tabs), with the protocols open to each. */
  webrtc: { peerId: string; protocols: string[] }[]
  /** This peer's own addresses: a `…/p2p-circuit/webrtc` one once a relay holds a reservation for it. */
  addresses: string[]
  round: number | null
  phase: string
  policyHash: string | null
  share: number
  groupsPublished: number
  groupsIncluded: number
  /** Rounds whose aggregate included this tab's delta. */
  deltasIncluded: number
  tokens: number
  tokensPerSecond: number
  /** The swarm's latest signed PeerStatus of every peer this one heard from (itself included). */
  peers: PeerStatusRow[]
}

export interface RoundLine {
  round: number
  reward: number
  sampleAccuracy: number
  ownGroups: number
  ownGroupsIncluded: number
  /** Whether this tab's delta is in the round's aggregate. */
  ownDeltaIncluded: boolean
  /**
   * Why the rest of this tab's work did not count: groups with no reward variance (no gradient, so
   * no trainer uses them), groups in no included delta, and the fate of its delta (null: none sent).
   */
  ownNoGradient: number
  ownUnused: number
  ownDelta: null | { outcome: 'included' } | { outcome: 'screened' | 'not-included'; reason: string }
  included: number
  policyHash: string
  tokensPerSecond: number
  /** The agreed RoundResult's contributions root and leaves (credit as a decimal string). */
  contributions: {
    root: string
    leaves: { address: string; groups: number; deltas: number; credit: string }[]
    /** Offenses the RoundResult proves: each offender forfeits the round. */
    offenses: { kind: string; offender: string; id: string }[]
    /** The leaves hash to `root` (the worker rebuilt the contributions tree). */
    consistent: boolean
  } | null
}

export type FromWorker =
  | { type: 'status'; status: WorkerStatus }
  | { type: 'round'; line: RoundLine }
  | { type: 'log'; line: string }
  | { type: 'error'; message: string }
  | { type: 'stopped' }
  | { type: 'bench-result'; tokensPerSecond: number; device: Device; threads: number; params: number }
