/**
 * @packageDocumentation
 * murmur's server peer and CLI. Programmatic use:
 *
 * @example
 * ```ts
 * import { run } from '@murmur/node'
 * process.exitCode = await run(['node', 'murmur', '--help'])
 * ```
 */

export { type DecodeBenchParameters, decodeTokensPerSecond } from './bench/decode.js'
export type { Benchmark, BenchReport } from './bench/index.js'
export { benchmarks, machineInfo, median, timeMs, toMarkdown } from './bench/index.js'
// the ledger: client, submitter rotation, evidence archive, audit (issue #7)
export {
  type AuditLeaf,
  type AuditProblem,
  type AuditReport,
  auditEvidence,
  type EvidenceOrigin,
  type RoundAudit,
} from './chain/audit.js'
export {
  ChainError,
  EvidenceFormatError,
  LedgerConflictError,
  LedgerRevertError,
  LedgerUnavailableError,
  LedgerUsageError,
} from './chain/errors.js'
export {
  directoryEvidenceArchive,
  EVIDENCE_DIR,
  EVIDENCE_MANIFEST_FILE,
  type EvidenceArchive,
  listEvidenceRounds,
  ROUND_RESULT_FILE,
  type RoundEvidence,
  readEvidenceManifest,
  readRoundEvidence,
  roundDirName,
  writeRoundEvidence,
} from './chain/evidence.js'
export {
  CLAIMS_PER_MULTICALL,
  type ClaimManyOutcome,
  type ClaimOutcome,
  type ClaimRequest,
  type CommitOutcome,
  type EnsureRunOutcome,
  LedgerClient,
  type LedgerClientInit,
  type RunInfo,
  type WriteOptions,
} from './chain/ledger-client.js'
export { type DecodedRevert, decodeLedgerRevert } from './chain/ledger-errors.js'
export { type EvidenceSource, type FetchedEvidence, type FetchedRound, fetchPeerEvidence } from './chain/peer-evidence.js'
export { DEFAULT_RETRY, type LedgerFailure, type RetryPolicy, retryDelayMs } from './chain/retry.js'
export { probeChainId } from './chain/rpc-probe.js'
export {
  type CommittedRound,
  domainMismatches,
  type RegisteredRun,
  type RoundMismatch,
  type RunMismatch,
  registrationMismatches,
  roundMismatch,
} from './chain/run-check.js'
export { submitterOf, submitterRank } from './chain/submitter.js'
export {
  type SyntheticManifestInit,
  type SyntheticRound,
  type SyntheticRoundInit,
  syntheticManifest,
  syntheticRound,
} from './chain/synthetic-round.js'
export { type LedgerTestbed, rpcCall, startLedgerTestbed } from './chain/testbed.js'
export type { CliIo } from './cli.js'
export { buildProgram, run } from './cli.js'
export { auditCommand } from './commands/audit.js'
export { type ChainCommandDeps, chainCommand } from './commands/chain.js'
export { type Check, type CheckStatus, runDoctor } from './commands/doctor.js'
export { evidenceCommand } from './commands/evidence.js'
// solo GRPO: run directories, genesis warm-up, training loop, `murmur init/train/tasks` (issue #4)
export { initCommand } from './commands/init.js'
// peer key: encrypted keystore, password source, `murmur keys` (issue #5)
export { type KeysCommandDeps, keysCommand } from './commands/keys.js'
// model folders: config.json + model.safetensors (sharded read), `murmur model` (issue #3)
export { modelCommand } from './commands/model.js'
export { intOption, parseSeed, parseTokenList, roundOption } from './commands/options.js'
export { nodeCommand, swarmCommand } from './commands/swarm.js'
export { tasksCommand } from './commands/tasks.js'
export { trainCommand } from './commands/train.js'
export type { EnvironmentReport } from './environment.js'
export { describeEnvironment } from './environment.js'
export {
  DEFAULT_SCRYPT_N,
  decryptKey,
  defaultKeystorePath,
  encryptKey,
  generatePrivateKey,
  type KeyIdentity,
  keyIdentity,
  keystoreAddress,
  readKeystore,
  readKeystoreJson,
  writeKeystoreFile,
} from './keys/keystore.js'
export { getPassword, type PasswordSource, processPasswordSource } from './keys/password.js'
export { type MetricsServer, type MetricsSource, type PeerMetrics, peerMetrics, serveMetrics } from './metrics/metrics.js'
export {
  CONFIG_FILE,
  type ModelFile,
  type ModelFolder,
  readModelFolder,
  WEIGHTS_FILE,
  WEIGHTS_INDEX_FILE,
  type WriteModelFolderExtra,
  writeModelFolder,
} from './model/folder.js'
// networking: libp2p host, gossip with protocol validators, /murmur/blob/1 (issue #6)
export { announcedBlob, BlobHolders } from './net/blob-holders.js'
export {
  BLOB_CHUNK_BYTES,
  BLOB_HASH_BYTES,
  BLOB_PIECE_BYTES,
  BLOB_PROTOCOL,
  BLOB_STATUS,
  DEFAULT_MAX_BLOB_BYTES,
  decodeBlobRequest,
  encodeBlobRequest,
} from './net/blob-protocol.js'
export {
  type BlobFetchOptions,
  BlobService,
  type BlobServiceComponents,
  type BlobServiceInit,
  blobService,
} from './net/blob-service.js'
export { type BlobStore, MemoryBlobStore } from './net/blob-store.js'
export {
  type BlobAttempt,
  BlobUnavailableError,
  type EvidenceAttempt,
  EvidenceRequestError,
  EvidenceUnavailableError,
  GossipMessageTooLargeError,
  GossipPublishError,
  isBlobUnavailable,
  NetError,
  PeerIdentityError,
  UnknownTopicError,
} from './net/errors.js'
// /murmur/evidence/1: validators serve their evidence archive; `murmur audit --from-peers` (issue #7)
export {
  EvidenceClient,
  type EvidenceClientInit,
  type EvidenceRequestComponents,
  type EvidenceRequestOptions,
  fetchEvidenceIndex,
  fetchRoundEvidence,
  requestEvidence,
} from './net/evidence-client.js'
export {
  ANY_RUN,
  DEFAULT_MAX_EVIDENCE_BYTES,
  decodeEvidenceIndex,
  decodeEvidenceRequest,
  decodeRoundEvidenceWire,
  EVIDENCE_PROTOCOL,
  EVIDENCE_STATUS,
  type EvidenceIndex,
  type EvidenceRequest,
  encodeEvidenceIndex,
  encodeEvidenceRequest,
  encodeRoundEvidenceWire,
  MAX_EVIDENCE_REQUEST_BYTES,
  type WireRoundEvidence,
} from './net/evidence-protocol.js'
export {
  type EvidenceAnswer,
  EvidenceService,
  type EvidenceServiceComponents,
  type EvidenceServiceInit,
  evidenceService,
} from './net/evidence-service.js'
export {
  DEFAULT_BAN_MS,
  DEFAULT_DISCONNECT_SCORE,
  type GossipDelivery,
  type GossipHandler,
  type GossipPubsub,
  type GossipRejectReason,
  GossipService,
  type GossipServiceComponents,
  type GossipServiceInit,
  type GossipValidator,
  type GossipVerdict,
  gossipService,
  MAX_GOSSIP_PUBLISH_BYTES,
} from './net/gossip-service.js'
export {
  createMurmurHost,
  type IceServer,
  MurmurHost,
  type MurmurHostInit,
  type MurmurTransport,
  murmurTopicScoreParams,
} from './net/host.js'
export { parseTopic, type RunTopics, runTopics, TOPIC_KINDS, type TopicName } from './net/topics.js'
export {
  DEVICE_CHOICES,
  type DeviceChoice,
  DeviceUnavailableError,
  probeRuntime,
  type SelectedDevice,
  selectDevice,
} from './runtime/device.js'
export { type NodeDevice, nodeRuntime, wasmRuntime } from './runtime/runtimes.js'
// the swarm: round machine shell, in-process swarms, checkpoints (issue #6)
export {
  listSwarmCheckpoints,
  readLatestSwarmCheckpoint,
  readSwarmCheckpoint,
  type SwarmCheckpoint,
  weightsFromCheckpointBytes,
  writeSwarmCheckpoint,
} from './swarm/checkpoints.js'
export { SwarmEngine, type TrainerSettings } from './swarm/engine.js'
export {
  devKey,
  type LocalSwarm,
  type LocalSwarmOptions,
  localManifest,
  MANIFEST_FILE,
  type StartLocalSwarmOptions,
  type SwarmRoundLine,
  startLocalSwarm,
  takeRounds,
} from './swarm/local.js'
export { type PeerRoundReport, SwarmPeer, type SwarmPeerInit } from './swarm/peer.js'
export { NODE_CLIENT, PeerStatusBoard, type PeerStatusRow } from './swarm/peer-status.js'
export { type SwarmRun, swarmRun } from './swarm/run.js'
export { type RunContext, runContext } from './train/context.js'
export { type GreedyAccuracy, greedyDecode, heldOutAccuracy } from './train/evaluate.js'
export { createGenesis, type GenesisInit, type GenesisResult, VALIDATION_OFFSET, type WarmupProgress } from './train/genesis.js'
export {
  listCheckpoints,
  METRICS_FILE,
  RUN_FILE,
  readRun,
  readSnapshot,
  type TrainingState,
  writeRun,
  writeSnapshot,
} from './train/run-dir.js'
export { type RoundMetrics, type SoloTrainInit, type SoloTrainResult, trainSolo } from './train/solo.js'
// the web client's server and join information (issue #8)
export {
  isBrowserDialable,
  JOIN_PATH,
  type JoinInfo,
  JoinInfoError,
  joinInfoFromFragment,
  joinInfoOf,
  joinLink,
  parseJoinInfo,
} from './web/join.js'
export { serveWebClient, WEB_HEADERS, WebClientMissingError, type WebServer, type WebServerInit, webClientDir } from './web/serve.js'
