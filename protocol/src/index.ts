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
export { ONNX_IR_VERSION, ONNX_OPSET, PROTOCOL_VERSION } from './constants.js'
export { contentHash, keccak256, toHex } from './crypto/hash.js'
export { type SamplingParameters, sampleToken, type TokenDistribution, tokenDistribution, tokenInterval } from './engine/distribution.js'
export { causalBias, MASKED, ropeInverseFrequencies, ropeTables } from './engine/inputs.js'
export { emptyKvCache, type KvCache, tileKvCache } from './engine/kv-cache.js'
export {
  type Completion,
  DEFAULT_SAMPLING,
  type ForwardParameters,
  type ForwardResult,
  type GenerateParameters,
  Policy,
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
  GraphError,
  InvalidArgumentError,
  isProtocolError,
  MessageDecodeError,
  ModelFormatError,
  ProtocolError,
  RuntimeError,
} from './errors.js'
export { type ModelConfig, NAMED_CONFIGS, parameterCount, parseHfConfig, toHfConfig } from './model/config.js'
export { matmulFlops } from './model/flops.js'
export { gradients, gradRules, unbroadcast } from './model/grad.js'
// policy engine: graph IR, autodiff, ONNX, reference evaluator, sessions
export type { ConstantData, Dim, DType, Graph, GraphInput, GraphOutput, Initializer, Node, Shape, Value } from './model/graph.js'
export { formatShape, GraphBuilder, isStatic, numel } from './model/graph.js'
export { clip, logSoftmax, maximum, minimum, rmsNorm, rotateHalfMatrix, silu, softmax } from './model/layers.js'
export { buildSamplingGraph, buildTrainingGraph, DEFAULT_GRPO_LOSS, type GrpoLossConfig, SAMPLE_IO, TRAIN_IO } from './model/llama.js'
export { toOnnx } from './model/onnx.js'
export type { AttrsOf, OpAttrs, OpName } from './model/ops.js'
export * as ops from './model/ops.js'
export { type ParameterSpec, parameterSpecs } from './model/parameters.js'
export { decodeSafetensors, encodeSafetensors } from './model/safetensors.js'
export { initWeights, type Tensor32, validateWeights, type Weights, weightsHash } from './model/weights.js'
export type { Rng, SeedPart } from './random/rng.js'
export { createRng, deriveSeed, floatFromU32Pair, uniformAt } from './random/rng.js'
export { evaluateReference, type RefTensor, refTensor } from './runtime/reference.js'
export { GraphSession } from './runtime/session.js'
export { f32, type HostTensor, i64, type Ort, type RuntimeComponents } from './runtime/types.js'
