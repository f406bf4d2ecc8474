/**
 * Protocol-wide constants. Changing any of them changes bytes peers agree on and needs
 * PROTOCOL_VERSION++ and new golden vectors.
 */

/** Version byte carried by every signed message and checkpoint. */
export const PROTOCOL_VERSION = 1

/** ONNX opset that every emitted graph declares. 17 has LayerNormalization-free ops we use
 * and is supported by onnxruntime-web's WebGPU EP and onnxruntime-node alike. */
export const ONNX_OPSET = 17

/** IR version written into ONNX models (8 pairs with opset 17 in the ONNX versioning table). */
export const ONNX_IR_VERSION = 8

// ---------------------------------------------------------------------------------------------
// Messages, signatures and commitments (issue #5). Limits bound what a decoder will allocate for
// a peer's bytes; each is checked before any allocation.

/** Gossipsub drops messages over 4 MiB on the sending side while reporting success (DESIGN.md
 * §7), so every gossiped message stays well below it: 1 MiB leaves room for the envelope and
 * for gossipsub's own framing. */
export const MAX_GOSSIP_MESSAGE_BYTES = 1024 * 1024

/** Completions per ScoredGroup. GRPO groups are 4-64 samples in the literature (DeepSeekMath
 * uses 64); more only inflates one message. */
export const MAX_GROUP_SIZE = 64

/** Tokens per completion. Small policies on verifiable tasks answer in far fewer; 4096 × 8 bytes
 * (u32 token + f32 logprob) × 64 completions would exceed MAX_GOSSIP_MESSAGE_BYTES anyway, which
 * is checked separately. */
export const MAX_COMPLETION_TOKENS = 4096

/** Byte limit of one encoded ScoredGroup body (it is gossiped). */
export const MAX_SCORED_GROUP_BYTES = MAX_GOSSIP_MESSAGE_BYTES - 1024

/** Groups one Delta may reference: a trainer's batch for one round. 4096 × 32-byte ids = 128 KiB. */
export const MAX_DELTA_GROUPS = 4096

/** Byte limit of a Delta payload (compressed tensor). Payloads travel over direct streams, not
 * gossip; 256 MiB holds a dense float32 delta of 64M parameters. */
export const MAX_DELTA_PAYLOAD_BYTES = 256 * 1024 * 1024

/** Parameters a delta may cover: the largest dense payload that fits MAX_DELTA_PAYLOAD_BYTES. */
export const MAX_DELTA_NUMEL = (MAX_DELTA_PAYLOAD_BYTES - 64) / 4

/** Chunk size limit of the top-k int8 format: one float32 scale per chunk of kept values. */
export const MAX_DELTA_CHUNK_SIZE = 1 << 20

/** Contributors one RoundResult may credit. 65,536 × 60-byte entries ≈ 3.75 MiB: it is fetched
 * by hash like a payload, not gossiped whole. */
export const MAX_ROUND_CONTRIBUTORS = 65_536

/** Deltas one RoundResult may list as included. */
export const MAX_ROUND_DELTAS = 65_536

/** Offenses one RoundResult may list (messages/round-result.ts): each costs its author the
 * round's credit, so a proposer lists a few per offender at most. */
export const MAX_ROUND_OFFENSES = 1024

/** Validators in a run's set. The ledger checks a quorum of signatures in one transaction, so the
 * set stays small enough for its gas budget. */
export const MAX_VALIDATORS = 256

/** Bootstrap multiaddrs in a manifest, and the byte length of each. */
export const MAX_BOOTSTRAP_ADDRS = 64
export const MAX_MULTIADDR_BYTES = 512

/** Short human-readable strings (run name, task kind). */
export const MAX_NAME_BYTES = 128

/** Opaque canonical blobs inside a manifest (model config, task parameters), owned by the engine
 * and task codecs respectively. */
export const MAX_MANIFEST_BLOB_BYTES = 64 * 1024

/** PeerStatus strings (messages/peer-status.ts): the compute device (`cpu`, `wasm`, `webgpu`,
 * `cuda`) and the client software (`murmur-node/0.1.0`). Printable ASCII only, so a dashboard can
 * show them as they are; the limits keep a status ~130 bytes. */
export const MAX_PEER_DEVICE_BYTES = 16
export const MAX_PEER_CLIENT_BYTES = 40

/** Devices a PeerStatus may name: the execution providers murmur peers compute with. */
export const PEER_DEVICES = ['cpu', 'wasm', 'webgpu', 'cuda'] as const

/** A receiver in round r accepts PeerStatus of rounds r-2..r+1: a status is published when its
 * author enters a round, and honest peers drift apart by a round or so (a late joiner's sync, a
 * slow aggregation), never by more. */
export const PEER_STATUS_ROUNDS_BEHIND = 2n
export const PEER_STATUS_ROUNDS_AHEAD = 1n

/** Replay sampling rates are integers in parts per million, so peers agree on them exactly. */
export const PPM = 1_000_000

/** Default fraction of completions a receiver replays (5%): the cost target is replay
 * ≤ 5% of generation; a cheater that fakes a fraction f of a group's completions escapes one
 * group with probability (1 - 0.05)^(f·G) and loses the whole group when caught. */
export const DEFAULT_REPLAY_RATE_PPM = 50_000

/** Credit, in integer units, per completion token of an accepted ScoredGroup (rollout work). */
export const CREDIT_PER_VERIFIED_TOKEN = 1_000n

/** Credit per accepted ScoredGroup, on top of its tokens (scoring and publishing work). */
export const CREDIT_PER_ACCEPTED_GROUP = 100_000n

/** Training credit per distinct accepted group trained on, split evenly (rounded down) among all
 * addresses whose accepted deltas used it, so copying or splitting training earns nothing extra. */
export const CREDIT_PER_TRAINED_GROUP = 1_000_000n

/**
 * Replay check tolerances (engine/replay.ts). Backends differ beyond the last bit (STYLE §7),
 * so a verifier accepts a token when its uniform lies within REPLAY_CDF_TOLERANCE of the
 * token's CDF interval, and a reported log-prob within REPLAY_LOGPROB_TOLERANCE (nats) of the
 * recomputed one. float32 logits across CPU/wasm/WebGPU differ by ~1e-5, two orders below.
 */
export const REPLAY_CDF_TOLERANCE = 1e-3
export const REPLAY_LOGPROB_TOLERANCE = 1e-2

/**
 * A `replay-mismatch` offense (verify/offense.ts) must fail the replay at this many times the
 * tolerances above. Honest completions stay within 1× on every backend, and a proposer lists
 * only completions that fail at twice this (node), so validators on different backends agree.
 */
export const OFFENSE_REPLAY_TOLERANCE_SCALE = 2
