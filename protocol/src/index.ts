/**
 * @packageDocumentation
 * murmur's pure, consensus-critical core. No I/O: time, randomness, the ONNX runtime, storage
 * and the chain are injected by the apps (`@murmur/node`, `@murmur/client-web`).
 *
 * @example
 * ```ts
 * import { contentHash, toHex } from '@murmur/protocol'
 * toHex(contentHash(new TextEncoder().encode('abc'))) // 'ba7816bf…'
 * ```
 */

// swarm, pure parts (issue #6): compression with error feedback, robust aggregation + outer optimiser, the round state machine
export {
  type AggregateDeltasParameters,
  type AggregateRule,
  aggregateDeltas,
  type IncludedDelta,
  orderDeltas,
} from './aggregate/aggregate.js'
export { clipScale, l2NormF64 } from './aggregate/clip.js'
export { meanOf } from './aggregate/mean.js'
export { medianOf } from './aggregate/median.js'
export {
  type AggregationConfig,
  aggregationConfigOf,
  float32Bytes,
  hashFlatTensor,
  type NextPolicy,
  type NextPolicyParameters,
  nextPolicy,
} from './aggregate/next-policy.js'
export { type NextWeights, nextWeights } from './aggregate/next-weights.js'
export {
  decodeOuterState,
  encodeOuterState,
  momentumFromHistory,
  OUTER_STATE_DOMAIN,
  type OuterOptimizer,
  type OuterStepParameters,
  type OuterStepResult,
  outerOptimizerOf,
  outerStateKey,
  outerStep,
} from './aggregate/outer-step.js'
export {
  type DeltaScreen,
  NORM_SCREEN_RATIO,
  SCREEN_MIN_DELTAS,
  type ScreenReason,
  screenDeltas,
} from './aggregate/screen.js'
export { trimCount, trimmedMeanOf } from './aggregate/trimmed-mean.js'
export { compareBytes, concatBytes, equalBytes, fromHex, toHex0x } from './bytes/bytes.js'
export { ByteReader } from './bytes/reader.js'
export { ByteWriter } from './bytes/writer.js'
export {
  type CompressionConfig,
  compressDelta,
  compressDeltaBytes,
  compressionConfigOf,
  compressionRatio,
  decompressDelta,
  topKCount,
} from './compress/compress.js'
export {
  type CompressWithFeedbackResult,
  compressWithFeedback,
  createErrorFeedback,
  decodeErrorFeedback,
  ERROR_FEEDBACK_VERSION,
  type ErrorFeedbackState,
  encodeErrorFeedback,
} from './compress/error-feedback.js'
export { flatNumel, flattenParameters, unflattenParameters } from './compress/flatten.js'
export { pseudoGradient } from './compress/pseudo-gradient.js'
export { compressTopK, topKIndices } from './compress/top-k.js'
export {
  CREDIT_PER_ACCEPTED_GROUP,
  CREDIT_PER_TRAINED_GROUP,
  CREDIT_PER_VERIFIED_TOKEN,
  DEFAULT_REPLAY_RATE_PPM,
  MAX_COMPLETION_TOKENS,
  MAX_DELTA_GROUPS,
  MAX_DELTA_PAYLOAD_BYTES,
  MAX_GOSSIP_MESSAGE_BYTES,
  MAX_GROUP_SIZE,
  MAX_PEER_CLIENT_BYTES,
  MAX_PEER_DEVICE_BYTES,
  MAX_ROUND_CONTRIBUTORS,
  MAX_ROUND_DELTAS,
  MAX_ROUND_OFFENSES,
  MAX_SCORED_GROUP_BYTES,
  MAX_VALIDATORS,
  OFFENSE_REPLAY_TOLERANCE_SCALE,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  PEER_DEVICES,
  PEER_STATUS_ROUNDS_AHEAD,
  PEER_STATUS_ROUNDS_BEHIND,
  PPM,
  PROTOCOL_VERSION,
  REPLAY_CDF_TOLERANCE,
  REPLAY_LOGPROB_TOLERANCE,
} from './constants.js'
export { type DeltaContribution, type GroupContribution, roundCredits } from './credit/round-credit.js'
export {
  domainSeparator,
  EIP712_DOMAIN_NAME,
  EIP712_DOMAIN_VERSION,
  EIP712_TYPES,
  type Eip712Domain,
  type Eip712Message,
  type Eip712PrimaryType,
  encodeType,
  hashStruct,
  linkDigest,
  typedDataDigest,
} from './crypto/eip712.js'
export { contentHash, keccak256, toHex } from './crypto/hash.js'
export {
  type Address,
  addressFromPeerId,
  addressFromPrivateKey,
  addressFromPublicKey,
  parseAddress,
  peerIdFromPublicKey,
  peerIdFromString,
  peerIdToString,
  publicKeyFromPeerId,
  publicKeyFromPrivateKey,
  toChecksumAddress,
} from './crypto/identity.js'
export { SIGNATURE_BYTES, signatureParts, signDigest } from './crypto/sign.js'
export { recoverSigner, type SignatureProblem, verifyDigest } from './crypto/verify.js'
export { type SamplingParameters, sampleToken, type TokenDistribution, tokenDistribution, tokenInterval } from './engine/distribution.js'
export { causalBias, MASKED, ropeInverseFrequencies, ropeTables } from './engine/inputs.js'
export { emptyKvCache, type KvCache, tileKvCache } from './engine/kv-cache.js'
export {
  type Completion,
  DEFAULT_SAMPLING,
  EXTERNAL_WEIGHTS_MIN_BYTES,
  type ForwardParameters,
  type ForwardResult,
  type GenerateParameters,
  Policy,
  type PolicyLoadOptions,
} from './engine/policy.js'
export {
  checkReplay,
  type ReplayClaim,
  type ReplayFailure,
  type ReplayParameters,
  type ReplayVerdict,
  replayCompletions,
} from './engine/replay.js'
export { type LossNormalization, type PackedBatch, packTrainBatch, type TrainSample } from './engine/train-batch.js'
export { PolicyTrainer, type TrainerInit, type TrainStepResult } from './engine/trainer.js'
export {
  DatasetFormatError,
  GraphError,
  InvalidArgumentError,
  isProtocolError,
  MessageDecodeError,
  ModelFormatError,
  ProtocolError,
  RuntimeError,
  TaskSpecError,
  TokenizerFormatError,
} from './errors.js'
// fuzzing (issue #10): a seeded mutation fuzzer and the decoders and verifiers it feeds
export { type FuzzCrash, type FuzzReport, type FuzzTarget, fuzzTarget, mutate } from './fuzz/fuzz.js'
export { fuzzTargets } from './fuzz/targets.js'
// GRPO: group-relative advantages and the pure parts of solo training (issue #4)
export { ADVANTAGE_EPS, type GroupAdvantagesParameters, groupAdvantages, isZeroVarianceGroup } from './grpo/advantages.js'
export {
  assembleGrpoBatch,
  chunkSamples,
  type GrpoBatch,
  learningRateAt,
  promptTokens,
  type RolloutCompletion,
  type RolloutGroup,
  type RolloutStatistics,
  rolloutStatistics,
  SOLO_AUTHOR,
  soloRoundPrompts,
  supervisedSample,
} from './grpo/solo-round.js'
export {
  COMPLETION_MARGIN,
  type CreateSoloRunParameters,
  createSoloRun,
  DEFAULT_GRPO,
  DEFAULT_WARMUP,
  type GrpoHyperparameters,
  longestTargetTokens,
  parseSoloRun,
  probeTaskLengths,
  RunConfigError,
  SOLO_RUN_FORMAT,
  type SoloRun,
  soloRunModelConfig,
  soloRunSeed,
  solutionText,
  type WarmupParameters,
} from './grpo/solo-run.js'
export {
  DEFAULT_SWARM,
  decodeModelConfig,
  encodeModelConfig,
  type SwarmSettings,
  soloRunOfManifest,
  swarmManifest,
} from './grpo/swarm-run.js'
export {
  buildContributionsTree,
  CONTRIBUTION_LEAF_ENCODING,
  type ContributionLeaf,
  type ContributionsTree,
  contributionLeaf,
  contributionLeafHash,
  contributionsRoot,
  verifyContributionProof,
} from './merkle/contributions.js'
export {
  type CheckpointAnnouncement,
  decodeCheckpointAnnouncement,
  encodeCheckpointAnnouncement,
  hashCheckpointAnnouncement,
} from './messages/checkpoint.js'
export { type Delta, decodeDelta, encodeDelta, hashDelta } from './messages/delta.js'
export {
  DELTA_COMMITMENT_BYTES,
  type DeltaCommitment,
  decodeDeltaCommitment,
  encodeDeltaCommitment,
  hashDeltaCommitment,
} from './messages/delta-commitment.js'
export {
  compressTopKInt8,
  DELTA_PAYLOAD_VERSION,
  type DeltaPayload,
  decodeDeltaPayload,
  deltaPayloadNorm,
  deltaPayloadSize,
  denseF32Payload,
  denseFromPayload,
  encodeDeltaPayload,
  hashDeltaPayload,
  payloadNumel,
} from './messages/delta-payload.js'
export {
  decodePeerStatus,
  encodePeerStatus,
  hashPeerStatus,
  PEER_ROLE_BITS,
  type PeerStatus,
  peerRolesMask,
  peerRolesOfMask,
} from './messages/peer-status.js'
export {
  type CreditEntry,
  compareOffenses,
  decodeRoundResult,
  encodeRoundResult,
  hashRoundResult,
  OFFENSE_KINDS,
  type Offense,
  type OffenseKind,
  type RoundResult,
} from './messages/round-result.js'
export {
  AGGREGATION_RULES,
  type AggregationRule,
  COMPRESSION_FORMATS,
  type CompressionFormat,
  decodeRunManifest,
  encodeRunManifest,
  hashRunManifest,
  type RunManifest,
  runDomain,
} from './messages/run-manifest.js'
export {
  type Completion as ScoredCompletion,
  decodeScoredGroup,
  encodeScoredGroup,
  groupTokenCount,
  hashScoredGroup,
  maxScoredGroupBytes,
  type ScoredGroup,
} from './messages/scored-group.js'
export {
  decodeSignedMessage,
  encodeSignedMessage,
  SIGNED_CODECS,
  type SignedKind,
  type SignedMessage,
  type SignedTypes,
  signingDigest,
  signMessage,
} from './messages/signed.js'
export { MESSAGE_TAGS, taggedKeccak } from './messages/tagged-hash.js'
export {
  assertModelConfig,
  type ModelConfig,
  NAMED_CONFIGS,
  parameterCount,
  parseHfConfig,
  TRAINABLE_CONFIGS,
  toHfConfig,
} from './model/config.js'
export { matmulFlops } from './model/flops.js'
export { gradients, gradRules, unbroadcast } from './model/grad.js'
// policy engine: graph IR, autodiff, ONNX, reference evaluator, sessions
export type { ConstantData, Dim, DType, Graph, GraphInput, GraphOutput, Initializer, Node, Shape, Value } from './model/graph.js'
export { formatShape, GraphBuilder, isStatic, numel } from './model/graph.js'
export { clip, logSoftmax, maximum, minimum, rmsNorm, rotateHalfMatrix, silu, softmax } from './model/layers.js'
export { buildSamplingGraph, buildTrainingGraph, DEFAULT_GRPO_LOSS, type GrpoLossConfig, SAMPLE_IO, TRAIN_IO } from './model/llama.js'
export { type ExternalDataFile, type OnnxWithExternalData, toOnnx, toOnnxWithExternalData } from './model/onnx.js'
export type { AttrsOf, OpAttrs, OpName } from './model/ops.js'
export * as ops from './model/ops.js'
export { type ParameterSpec, parameterSpecs, shapeSize } from './model/parameters.js'
export {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  encodeSafetensorsChunks,
  SAFETENSORS_MAX_HEADER_BYTES,
  type SafetensorsDtype,
  sortUtf8,
} from './model/safetensors.js'
export {
  encodeWeights,
  encodeWeightsChunks,
  type InitWeightsOptions,
  initWeights,
  seedFromInteger,
  type Tensor32,
  validateWeights,
  type Weights,
  weightsHash,
} from './model/weights.js'
export {
  type AdamWParameters,
  type AdamWState,
  accumulateGradients,
  adamWStep,
  clipGradNorm,
  createAdamWState,
  decaysByDefault,
  type NamedArrays,
} from './optim/adamw.js'
export type { Rng, SeedPart } from './random/rng.js'
export { createRng, deriveSeed, floatFromU32Pair, uniformAt } from './random/rng.js'
export { selectIncluded } from './round/included-set.js'
export { COMMITMENTS_END_PPM, REVEAL_PPM, ROLLOUTS_END_PPM, roundScheduleOf, TRAINING_END_PPM } from './round/schedule.js'
export { isTrainable, MAX_POLICY_STALENESS_ROUNDS } from './round/staleness.js'
export { proposalSlotAt, proposerOf, startRound, step as stepRound } from './round/step.js'
export type {
  HeldGroup,
  Hex32,
  Phase as RoundPhase,
  Proposal as RoundProposal,
  Role,
  RoundConfig,
  RoundEffect,
  RoundEvent,
  RoundSchedule,
  RoundState,
  RoundVote,
  SeenDelta,
  StepResult,
} from './round/types.js'
export { evaluateReference, type RefTensor, refTensor } from './runtime/reference.js'
export { GraphSession } from './runtime/session.js'
export { f32, type HostTensor, i64, type Ort, type RuntimeComponents } from './runtime/types.js'
// tasks: verifiable task families, seeds with a held-out split, GSM8K-style datasets
export { type ExpressionResult, evaluateExpression } from './tasks/arithmetic-expression.js'
export { createTask, type TaskComponents } from './tasks/create-task.js'
export { type AnswerSource, type ExtractedAnswer, extractAnswer } from './tasks/extract-answer.js'
export { MAX_NUMERIC_ANSWER_CHARS, type NumericAnswer, numericAnswersEqual, parseNumericAnswer } from './tasks/numeric-answer.js'
export { CHAT_ANSWER_INSTRUCTION } from './tasks/numeric-reward.js'
export {
  type DatasetLineError,
  datasetHash,
  finalAnswerOf,
  type ParseQaDatasetParameters,
  parseQaDataset,
  type QaDataset,
  type QaItem,
} from './tasks/qa-dataset.js'
export { formatRational, type Rational } from './tasks/rational.js'
export {
  EVAL_SEED_DOMAIN,
  EVAL_SPLIT_THRESHOLD,
  evalSeed,
  splitOf,
  TASK_SPLIT_DOMAIN,
  TRAIN_SEED_DOMAIN,
  trainSeed,
} from './tasks/seeds.js'
export type { RewardReason, RewardResult, SolutionStyle, Task, TaskInstance, TaskSeed, TaskSplit } from './tasks/task.js'
export { SOLUTION_STYLES } from './tasks/task.js'
export {
  type ArithmeticFamily,
  decodeTaskSpec,
  encodeTaskSpec,
  normalizeTaskSpec,
  TASK_FAMILIES,
  TASK_SPEC_VERSION,
  type TaskFamily,
  type TaskFamilyInfo,
  type TaskKnob,
  type TaskSpec,
  taskDifficulty,
  taskSpecFromDifficulty,
  taskSpecId,
} from './tasks/task-spec.js'
// tokenizers: character-level (tiny models) and Hugging Face tokenizer.json (real checkpoints)
export {
  CHAR_SPECIAL_TOKENS,
  type CharTokenizer,
  type CharTokenizerInit,
  charTokenizerFiles,
  charTokenizerFromJson,
  createCharTokenizer,
  DEFAULT_CHAR_ALPHABET,
} from './tokenizer/char-tokenizer.js'
export { type ApplyChatTemplateParameters, applyChatTemplate, renderChatTemplate } from './tokenizer/chat-template.js'
export { type HuggingFaceTokenizerFiles, tokenizerFromHuggingFace } from './tokenizer/hf-tokenizer.js'
export { loadTokenizer } from './tokenizer/load-tokenizer.js'
export type { ChatMessage, DecodeOptions, Tokenizer } from './tokenizer/tokenizer.js'
export { type CheckpointVerdict, verifyCheckpointAnnouncement } from './verify/checkpoint.js'
export {
  type DeltaExpectation,
  type DeltaHeaderVerdict,
  type DeltaPayloadVerdict,
  verifyDelta,
  verifyDeltaHeader,
  verifyDeltaPayload,
} from './verify/delta.js'
export { type DeltaCommitmentExpectation, type DeltaCommitmentVerdict, verifyDeltaCommitment } from './verify/delta-commitment.js'
export { type OffenseContext, verifyOffense } from './verify/offense.js'
export { type PeerStatusExpectation, type PeerStatusVerdict, verifyPeerStatus } from './verify/peer-status.js'
export { type PolicyReplayCheckerComponents, policyReplayChecker } from './verify/policy-replay-checker.js'
export { derivePromptSeed } from './verify/prompt-seed.js'
export { REPLAY_SELECT_DOMAIN, type ReplaySampling, selectReplayIndices } from './verify/replay-selection.js'
export { type RoundResultExpectation, type RoundResultVerdict, verifyRoundResult } from './verify/round-result.js'
export {
  type ReplayChecker,
  type RewardOracle,
  type ScoredGroupExpectation,
  type ScoredGroupVerdict,
  type ScoredGroupVerifierComponents,
  verifyScoredGroup,
} from './verify/scored-group.js'
export { taskRewardOracle } from './verify/task-reward-oracle.js'
export type { Rejection, RejectReason, Verdict } from './verify/verdict.js'
