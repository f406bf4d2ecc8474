/**
 * Model configuration: the fields of a Hugging Face `config.json` that a Llama-style decoder
 * (Llama, Qwen2) needs, validated once at the edge so the graph builder can trust them.
 * DESIGN.md §2. Real checkpoints (Qwen2.5-0.5B, SmolLM2-135M) parse unchanged.
 */
import { InvalidArgumentError, ModelFormatError } from '../errors.js'

export interface ModelConfig {
  modelType: 'llama' | 'qwen2'
  vocabSize: number
  hiddenSize: number // C, the residual width
  intermediateSize: number // I, the SwiGLU hidden width
  numLayers: number
  numHeads: number // H, query heads
  numKvHeads: number // Hkv, key/value heads; H % Hkv === 0 (grouped-query attention)
  headDim: number // D, even (RoPE rotates pairs); hiddenSize / numHeads unless config.json says otherwise
  rmsNormEps: number
  ropeTheta: number
  tieWordEmbeddings: boolean // lm_head shares model.embed_tokens.weight
  maxPositionEmbeddings: number
  attentionBias: boolean // q/k/v bias: Qwen2 always true; Llama from `attention_bias`
}

const MODEL_TYPES = ['llama', 'qwen2'] as const

/** The architecture name transformers writes into `architectures` for each model type. */
const ARCHITECTURES = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM' } as const

/** Defaults of transformers' LlamaConfig / Qwen2Config for fields a config.json may omit. */
const DEFAULTS = {
  llama: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 2048 },
  qwen2: { rmsNormEps: 1e-6, ropeTheta: 10000, maxPositionEmbeddings: 32768 },
} as const

type Fail = (field: string, value: unknown, reason: string) => never

function show(value: unknown): string {
  if (value === undefined) return 'missing'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function checkPositiveInt(fail: Fail, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(field, v, 'must be a positive integer')
  return v as number
}

function checkPositiveNumber(fail: Fail, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(field, v, 'must be a finite number > 0')
  return v as number
}

function checkBool(fail: Fail, field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(field, v, 'must be true or false')
  return v as boolean
}

/** Cross-field rules shared by {@link parseHfConfig} and {@link assertModelConfig}. */
function checkShapes(fail: Fail, c: ModelConfig, names: Record<'hidden' | 'heads' | 'kvHeads' | 'headDim', string>): void {
  if (c.hiddenSize % c.numHeads !== 0) {
    fail(names.hidden, c.hiddenSize, `must be divisible by ${names.heads} (${c.numHeads})`)
  }
  if (c.numKvHeads > c.numHeads || c.numHeads % c.numKvHeads !== 0) {
    fail(names.kvHeads, c.numKvHeads, `must divide ${names.heads} (${c.numHeads})`)
  }
  if (c.headDim % 2 !== 0) fail(names.headDim, c.headDim, 'must be even (RoPE rotates pairs of channels)')
}

/**
 * Throws InvalidArgumentError unless `cfg` is a usable ModelConfig: positive integer sizes,
 * hiddenSize divisible by numHeads, numKvHeads dividing numHeads, even headDim, Qwen2 with bias.
 */
export function assertModelConfig(cfg: ModelConfig): void {
  const fail: Fail = (field, value, reason) => {
    throw new InvalidArgumentError(`ModelConfig.${field} is ${show(value)}; it ${reason}.`, { field, value })
  }
  if (!MODEL_TYPES.includes(cfg.modelType)) fail('modelType', cfg.modelType, `must be one of: ${MODEL_TYPES.join(', ')}`)
  for (const f of ['vocabSize', 'hiddenSize', 'intermediateSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim'] as const) {
    checkPositiveInt(fail, f, cfg[f])
  }
  checkPositiveInt(fail, 'maxPositionEmbeddings', cfg.maxPositionEmbeddings)
  checkPositiveNumber(fail, 'rmsNormEps', cfg.rmsNormEps)
  checkPositiveNumber(fail, 'ropeTheta', cfg.ropeTheta)
  checkBool(fail, 'tieWordEmbeddings', cfg.tieWordEmbeddings)
  checkBool(fail, 'attentionBias', cfg.attentionBias)
  if (cfg.modelType === 'qwen2' && !cfg.attentionBias) fail('attentionBias', false, 'must be true for qwen2 (Qwen2 always has q/k/v bias)')
  checkShapes(fail, cfg, { hidden: 'hiddenSize', heads: 'numHeads', kvHeads: 'numKvHeads', headDim: 'headDim' })
}

/**
 * Reads a Hugging Face `config.json` (already JSON-parsed) for LlamaForCausalLM or
 * Qwen2ForCausalLM. Fields transformers would default are defaulted the same way; features
 * murmur's decoder does not implement (rope_scaling, sliding-window attention, MLP bias, an
 * activation other than SiLU) are rejected rather than silently ignored.
 * @throws ModelFormatError naming `file`, the field and its value.
 */
export function parseHfConfig(json: unknown, file = 'config.json'): ModelConfig {
  const fail: Fail = (field, value, reason) => {
    throw new ModelFormatError(`${file}: field "${field}" is ${show(value)}; it ${reason}.`, { file, field, value })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(root)', json, 'must be a JSON object')
  const j = json as Record<string, unknown>
  const has = (k: string) => Object.hasOwn(j, k) && j[k] !== null

  const modelType = j.model_type
  if (typeof modelType !== 'string' || !(MODEL_TYPES as readonly string[]).includes(modelType)) {
    fail('model_type', modelType, `must be one of: ${MODEL_TYPES.join(', ')} (murmur runs Llama-style decoders only)`)
  }
  const type = modelType as ModelConfig['modelType']
  const defaults = DEFAULTS[type]

  if (has('hidden_act') && j.hidden_act !== 'silu') fail('hidden_act', j.hidden_act, 'must be "silu" (SwiGLU MLP)')
  if (has('rope_scaling')) {
    const rs = j.rope_scaling as Record<string, unknown>
    const kind = typeof rs === 'object' && !Array.isArray(rs) ? (rs.rope_type ?? rs.type) : undefined
    if (kind !== 'default') fail('rope_scaling', j.rope_scaling, 'must be null or {"rope_type": "default"} (RoPE scaling is not supported)')
  }
  if (has('mlp_bias') && j.mlp_bias !== false) fail('mlp_bias', j.mlp_bias, 'must be false (MLP bias is not supported)')
  if (has('use_sliding_window') && j.use_sliding_window !== false) {
    fail('use_sliding_window', j.use_sliding_window, 'must be false (sliding-window attention is not supported)')
  }

  const hiddenSize = checkPositiveInt(fail, 'hidden_size', j.hidden_size)
  const numHeads = checkPositiveInt(fail, 'num_attention_heads', j.num_attention_heads)
  const numKvHeads = has('num_key_value_heads') ? checkPositiveInt(fail, 'num_key_value_heads', j.num_key_value_heads) : numHeads

  // transformers ≥ 4.56 may write rope_parameters: { rope_type, rope_theta } instead of rope_theta.
  let ropeTheta: number = defaults.ropeTheta
  if (has('rope_theta')) ropeTheta = checkPositiveNumber(fail, 'rope_theta', j.rope_theta)
  else if (has('rope_parameters')) {
    const rp = j.rope_parameters
    if (typeof rp !== 'object' || rp === null || Array.isArray(rp)) fail('rope_parameters', rp, 'must be an object')
    const r = rp as Record<string, unknown>
    if (r.rope_type !== undefined && r.rope_type !== 'default') {
      fail('rope_parameters.rope_type', r.rope_type, 'must be "default" (RoPE scaling is not supported)')
    }
    ropeTheta = checkPositiveNumber(fail, 'rope_parameters.rope_theta', r.rope_theta)
  }

  let attentionBias = type === 'qwen2'
  if (type === 'llama' && has('attention_bias')) attentionBias = checkBool(fail, 'attention_bias', j.attention_bias)

  const cfg: ModelConfig = {
    modelType: type,
    vocabSize: checkPositiveInt(fail, 'vocab_size', j.vocab_size),
    hiddenSize,
    intermediateSize: checkPositiveInt(fail, 'intermediate_size', j.intermediate_size),
    numLayers: checkPositiveInt(fail, 'num_hidden_layers', j.num_hidden_layers),
    numHeads,
    numKvHeads,
    headDim: has('head_dim') ? checkPositiveInt(fail, 'head_dim', j.head_dim) : hiddenSize / numHeads,
    rmsNormEps: has('rms_norm_eps') ? checkPositiveNumber(fail, 'rms_norm_eps', j.rms_norm_eps) : defaults.rmsNormEps,
    ropeTheta,
    tieWordEmbeddings: has('tie_word_embeddings') ? checkBool(fail, 'tie_word_embeddings', j.tie_word_embeddings) : false,
    maxPositionEmbeddings: has('max_position_embeddings')
      ? checkPositiveInt(fail, 'max_position_embeddings', j.max_position_embeddings)
      : defaults.maxPositionEmbeddings,
    attentionBias,
  }
  checkShapes(fail, cfg, {
    hidden: 'hidden_size',
    heads: 'num_attention_heads',
    kvHeads: 'num_key_value_heads',
    headDim: has('head_dim') ? 'head_dim' : 'hidden_size / num_attention_heads',
  })
  return cfg
}

/**
 * The `config.json` transformers writes for this model (LlamaForCausalLM or Qwen2ForCausalLM,
 * float32 weights), keys sorted as `save_pretrained` sorts them. Round-trips through
 * {@link parseHfConfig}. Token ids (bos/eos/pad) belong to the tokenizer and are not written.
 */
export function toHfConfig(cfg: ModelConfig): Record<string, unknown> {
  assertModelConfig(cfg)
  if (cfg.modelType === 'qwen2' && cfg.headDim !== cfg.hiddenSize / cfg.numHeads) {
    // Qwen2Config has no head_dim field: transformers derives it from hidden_size.
    throw new InvalidArgumentError(
      `ModelConfig.headDim is ${cfg.headDim}; qwen2 requires hiddenSize / numHeads = ${cfg.hiddenSize / cfg.numHeads}.`,
      { field: 'headDim', value: cfg.headDim },
    )
  }
  const common = {
    architectures: [ARCHITECTURES[cfg.modelType]],
    attention_dropout: 0.0,
    hidden_act: 'silu',
    hidden_size: cfg.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: cfg.intermediateSize,
    max_position_embeddings: cfg.maxPositionEmbeddings,
    model_type: cfg.modelType,
    num_attention_heads: cfg.numHeads,
    num_hidden_layers: cfg.numLayers,
    num_key_value_heads: cfg.numKvHeads,
    rms_norm_eps: cfg.rmsNormEps,
    rope_scaling: null,
    rope_theta: cfg.ropeTheta,
    tie_word_embeddings: cfg.tieWordEmbeddings,
    torch_dtype: 'float32',
    transformers_version: '4.46.3',
    use_cache: true,
    vocab_size: cfg.vocabSize,
  }
  const out: Record<string, unknown> =
    cfg.modelType === 'llama'
      ? { ...common, attention_bias: cfg.attentionBias, head_dim: cfg.headDim, mlp_bias: false, pretraining_tp: 1 }
      : { ...common, max_window_layers: cfg.numLayers, sliding_window: null, use_sliding_window: false }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * Named configs for tests, benchmarks and from-scratch runs. tiny and small are Llama with
 * grouped-query attention (2 query heads per kv head), untied lm_head, and a placeholder
 * 128-token vocabulary; widths are multiples of 64 so MatMuls tile well on CPU and WebGPU.
 * 0.5b has a real model's shapes, for GPU-sized throughput.
 */
export const NAMED_CONFIGS: { readonly tiny: ModelConfig; readonly small: ModelConfig; readonly '0.5b': ModelConfig } = {
  // 1,016,960 parameters
  tiny: {
    modelType: 'llama',
    vocabSize: 128,
    hiddenSize: 128,
    intermediateSize: 512,
    numLayers: 4,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 32,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    tieWordEmbeddings: false,
    maxPositionEmbeddings: 256,
    attentionBias: false,
  },
  // 9,540,480 parameters
  small: {
    modelType: 'llama',
    vocabSize: 128,
    hiddenSize: 384,
    intermediateSize: 1024,
    numLayers: 6,
    numHeads: 6,
    numKvHeads: 2,
    headDim: 64,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    tieWordEmbeddings: false,
    maxPositionEmbeddings: 256,
    attentionBias: false,
  },
  // 494,032,768 parameters: Qwen2.5-0.5B's shapes (Qwen2, q/k/v bias, tied 151,936-token
  // embedding, 14 query heads over 2 kv heads). With random weights it measures GPU-sized
  // throughput; a real Qwen2.5-0.5B folder loads through parseHfConfig to the same config.
  '0.5b': {
    modelType: 'qwen2',
    vocabSize: 151936,
    hiddenSize: 896,
    intermediateSize: 4864,
    numLayers: 24,
    numHeads: 14,
    numKvHeads: 2,
    headDim: 64,
    rmsNormEps: 1e-6,
    ropeTheta: 1000000,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 32768,
    attentionBias: true,
  },
}

/** The named configs a run can be trained from scratch on (`murmur init --model`); 0.5b is for throughput. */
export const TRAINABLE_CONFIGS = ['tiny', 'small'] as const

/** Number of scalar parameters (tied embeddings counted once), as `sum(p.numel())` in PyTorch. */
export function parameterCount(cfg: ModelConfig): number {
  assertModelConfig(cfg)
  const { vocabSize: V, hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: Hkv, headDim: D } = cfg
  const attention = C * H * D + 2 * C * Hkv * D + H * D * C + (cfg.attentionBias ? H * D + 2 * Hkv * D : 0)
  const mlp = 3 * C * I
  const perLayer = attention + mlp + 2 * C
  return V * C + cfg.numLayers * perLayer + C + (cfg.tieWordEmbeddings ? 0 : V * C)
}
