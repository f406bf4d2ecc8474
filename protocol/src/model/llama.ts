// consensus-critical: the training graph defines the gradient every trainer computes.
/**
 * The policy: a Llama-style decoder (RMSNorm, RoPE, SwiGLU, grouped-query attention, optional
 * q/k/v bias as in Qwen2, optional tied embeddings), read top to bottom like nanoGPT's
 * model.py. Parameter names and layouts are Hugging Face's, so real checkpoints load unchanged.
 *
 * Two graphs share {@link decoder}:
 * - training ({@link buildTrainingGraph}): static (B, T); weights are inputs; activations are
 *   2-D rows (B·T, C) so every linear layer is one Gemm with transB (no weight transposes);
 *   outputs the GRPO loss, per-token log-probs and every parameter's gradient.
 * - sampling ({@link buildSamplingGraph}): symbolic (batch, seq, past); weights baked in as
 *   initialisers (pre-transposed); a KV cache in (past.N.key/value) and out
 *   (present.N.key/value); logits for every position, so the same graph prefills, decodes one
 *   token, and scores a whole sequence for the replay check.
 *
 * Masks and RoPE tables come in from JavaScript (`attn_bias`, `rope_cos`, `rope_sin`): no
 * Trilu, compare or int64 cast in the graph (DESIGN.md §2).
 */
import { GraphError } from '../errors.js'
import type { ModelConfig } from './config.js'
import { gradients } from './grad.js'
import { type Dim, GraphBuilder, type Value } from './graph.js'
import { clip, logSoftmax, minimum, rmsNorm, rotateHalfMatrix, silu, softmax } from './layers.js'
import {
  abs,
  add,
  concat,
  exp,
  gather,
  gemm,
  matmul,
  mul,
  neg,
  reduceSum,
  relu,
  reshape,
  slice,
  sub,
  transpose,
  transposeLast2,
} from './ops.js'
import { parameterSpecs } from './parameters.js'
import type { Weights } from './weights.js'

/** How the decoder reads its weights and lays out its activations in one graph flavour. */
interface DecoderContext {
  b: GraphBuilder
  cfg: ModelConfig
  batch: Dim
  seq: Dim
  /** Leading shape of activation rows: [B·T] in training, [batch, seq] in sampling. */
  rows: readonly Dim[]
  weight(name: string): Value
  /** y = x·Wᵀ (+ bias) for a Hugging Face [out, in] weight. */
  linear(x: Value, name: string, bias: boolean): Value
  /** Several linear layers of the same input: y_i = x·W_iᵀ (+ b_i), in order. */
  linears(x: Value, names: readonly string[], bias: boolean): Value[]
  /** The output head: logits = x·Eᵀ where E is lm_head (or the tied embedding). */
  head(x: Value): Value
}

export interface DecoderInputs {
  inputIds: Value // int64 (B, T)
  attnBias: Value // (B, 1, 1, T, past+T): 0 where attention is allowed, −1e9 elsewhere
  ropeCos: Value // (B, 1, T, D)
  ropeSin: Value // (B, 1, T, D)
  past?: readonly { key: Value; value: Value }[] // per layer (B, Hkv, past, D)
}

export interface DecoderOutputs {
  logits: Value // rows × V
  present: { key: Value; value: Value }[]
}

function attention(
  ctx: DecoderContext,
  layer: number,
  x: Value,
  inp: DecoderInputs,
  rotate: Value,
  present: DecoderOutputs['present'],
): Value {
  const { b, cfg, batch, seq } = ctx
  const [H, Hkv, D] = [cfg.numHeads, cfg.numKvHeads, cfg.headDim]
  const p = `model.layers.${layer}.self_attn`
  const heads = (y: Value, n: number) => transpose(b, reshape(b, y, [batch, seq, n, D]), [0, 2, 1, 3]) // (B, n, T, D)
  const rope = (y: Value) => add(b, mul(b, y, inp.ropeCos), mul(b, matmul(b, y, rotate), inp.ropeSin))

  const [qx, kx, vx] = ctx.linears(x, [`${p}.q_proj`, `${p}.k_proj`, `${p}.v_proj`], cfg.attentionBias)
  const q = rope(heads(qx!, H)) // (B, H, T, D)
  let k = rope(heads(kx!, Hkv)) // (B, Hkv, T, D)
  let v = heads(vx!, Hkv) // (B, Hkv, T, D)
  const past = inp.past?.[layer]
  if (past) {
    k = concat(b, [past.key, k], 2) // (B, Hkv, past+T, D)
    v = concat(b, [past.value, v], 2)
  }
  present.push({ key: k, value: v })
  const total = k.shape[2]!

  // grouped-query attention without repeating K/V: queries grouped (B, Hkv, H/Hkv, T, D)
  const rep = H / Hkv
  const qg = reshape(b, q, [batch, Hkv, rep, seq, D])
  const kg = reshape(b, k, [batch, Hkv, 1, total, D])
  const vg = reshape(b, v, [batch, Hkv, 1, total, D])
  const scores = add(b, mul(b, matmul(b, qg, transposeLast2(b, kg)), 1 / Math.sqrt(D)), inp.attnBias) // (B, Hkv, rep, T, past+T)
  const ctxv = matmul(b, softmax(b, scores), vg) // (B, Hkv, rep, T, D)
  const merged = reshape(b, transpose(b, reshape(b, ctxv, [batch, H, seq, D]), [0, 2, 1, 3]), [...ctx.rows, H * D])
  return ctx.linear(merged, `${p}.o_proj`, false)
}

function mlp(ctx: DecoderContext, layer: number, x: Value): Value {
  const p = `model.layers.${layer}.mlp`
  const [gate, up] = ctx.linears(x, [`${p}.gate_proj`, `${p}.up_proj`], false)
  return ctx.linear(mul(ctx.b, silu(ctx.b, gate!), up!), `${p}.down_proj`, false)
}

/** The decoder stack, shared by both graph flavours. */
function decoder(ctx: DecoderContext, inp: DecoderInputs): DecoderOutputs {
  const { b, cfg } = ctx
  const rotate = b.constant('rope.rotate_half', [cfg.headDim, cfg.headDim], rotateHalfMatrix(cfg.headDim))
  let x = reshape(b, gather(b, ctx.weight('model.embed_tokens.weight'), inp.inputIds), [...ctx.rows, cfg.hiddenSize])
  const present: DecoderOutputs['present'] = []
  for (let l = 0; l < cfg.numLayers; l++) {
    const ln1 = rmsNorm(b, x, ctx.weight(`model.layers.${l}.input_layernorm.weight`), cfg.rmsNormEps)
    x = add(b, x, attention(ctx, l, ln1, inp, rotate, present))
    const ln2 = rmsNorm(b, x, ctx.weight(`model.layers.${l}.post_attention_layernorm.weight`), cfg.rmsNormEps)
    x = add(b, x, mlp(ctx, l, ln2))
  }
  x = rmsNorm(b, x, ctx.weight('model.norm.weight'), cfg.rmsNormEps)
  return { logits: ctx.head(x), present }
}

// ---------------------------------------------------------------------------------------------
// Training graph

export interface GrpoLossConfig {
  /** PPO/GRPO ratio clip: ratio ∈ [1 − clipLow, 1 + clipHigh] (DAPO's decoupled clip allowed). */
  clipLow: number
  clipHigh: number
  /** β of the k3 KL estimator to the reference policy; 0 disables the KL term and its input. */
  klBeta: number
  /** Logits are divided by this before the softmax, matching the sampler. */
  temperature: number
  /**
   * 'grpo' (default) is the clipped surrogate; 'sft' is supervised cross-entropy
   * ℓ_t = −A·π_t (A = 1 for plain likelihood), used for the genesis warm-up on generated
   * solutions. 'sft' ignores old_logprobs, clip and KL.
   */
  objective: 'grpo' | 'sft'
}

export const DEFAULT_GRPO_LOSS: GrpoLossConfig = { clipLow: 0.2, clipHigh: 0.2, klBeta: 0, temperature: 1, objective: 'grpo' }

export interface TrainingGraphParameters {
  cfg: ModelConfig
  batch: number
  seq: number
  loss?: Partial<GrpoLossConfig>
}

/** Input and output names of the training graph (see docs/ARCHITECTURE.md). */
export const TRAIN_IO = {
  inputIds: 'input_ids', // int64 (B, T)
  targetIds: 'target_ids', // float32 (B, T): the next token id at each position, as a float (exact below 2^24)
  lossWeights: 'loss_weights', // float32 (B, T): per-token coefficient incl. normalisation; 0 = not trained
  advantages: 'advantages', // float32 (B)
  oldLogprobs: 'old_logprobs', // float32 (B, T): behaviour-policy log-probs of target_ids
  refLogprobs: 'ref_logprobs', // float32 (B, T): reference-policy log-probs (only when klBeta > 0)
  attnBias: 'attn_bias', // float32 (B, 1, 1, T, T)
  ropeCos: 'rope_cos', // float32 (B, 1, T, D)
  ropeSin: 'rope_sin', // float32 (B, 1, T, D)
  loss: 'loss', // float32 scalar
  logprobs: 'logprobs', // float32 (B, T)
  gradPrefix: 'grad.', // grad.<parameter name>
} as const

/**
 * GRPO's clipped surrogate (Shao et al. 2024, DeepSeekMath eq. 3) per token:
 *   ℓ_t = −min(ρ_t·A, clip(ρ_t, 1−ε_low, 1+ε_high)·A) + β·(e^{r_t−π_t} − (r_t−π_t) − 1),
 * ρ_t = exp(π_t − π_old,t), π = log-probs; loss = Σ_t w_t·ℓ_t with the caller's weights w
 * (which carry token- or sequence-level normalisation and the completion mask).
 */
export function buildTrainingGraph({ cfg, batch, seq, loss: lossInit = {} }: TrainingGraphParameters) {
  const loss = { ...DEFAULT_GRPO_LOSS, ...lossInit }
  if (!(loss.clipLow >= 0 && loss.clipLow < 1 && loss.clipHigh >= 0 && loss.temperature > 0 && loss.klBeta >= 0)) {
    throw new GraphError(`Invalid GRPO loss settings ${JSON.stringify(loss)}.`)
  }
  const b = new GraphBuilder('murmur_train')
  const specs = parameterSpecs(cfg)
  const params = new Map(specs.map((s) => [s.name, b.input(s.name, 'float32', s.shape)]))
  const io = TRAIN_IO
  const D = cfg.headDim
  const inp: DecoderInputs = {
    inputIds: b.input(io.inputIds, 'int64', [batch, seq]),
    attnBias: b.input(io.attnBias, 'float32', [batch, 1, 1, seq, seq]),
    ropeCos: b.input(io.ropeCos, 'float32', [batch, 1, seq, D]),
    ropeSin: b.input(io.ropeSin, 'float32', [batch, 1, seq, D]),
  }
  const targets = b.input(io.targetIds, 'float32', [batch, seq])
  const weights = b.input(io.lossWeights, 'float32', [batch, seq])
  const adv = b.input(io.advantages, 'float32', [batch])
  const old = b.input(io.oldLogprobs, 'float32', [batch, seq])
  const ref = loss.klBeta > 0 && loss.objective === 'grpo' ? b.input(io.refLogprobs, 'float32', [batch, seq]) : undefined

  const weight = (name: string) => {
    const v = params.get(name)
    if (!v) throw new GraphError(`Model has no parameter "${name}".`)
    return v
  }
  const ctx: DecoderContext = {
    b,
    cfg,
    batch,
    seq,
    rows: [batch * seq],
    weight,
    linear: (x, name, bias) => {
      const y = gemm(b, x, weight(`${name}.weight`), false, true)
      return bias ? add(b, y, weight(`${name}.bias`)) : y
    },
    linears: (x, names, bias) => names.map((n) => ctx.linear(x, n, bias)),
    head: (x) => gemm(b, x, weight(cfg.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'), false, true),
  }
  const { logits } = decoder(ctx, inp) // (B·T, V)
  const scaled = loss.temperature === 1 ? logits : mul(b, logits, 1 / loss.temperature)
  const logp = logSoftmax(b, scaled) // (B·T, V)
  // one-hot of the targets without OneHot or compare: relu(1 − |iota − target|) is exactly 1
  // at the target id and 0 elsewhere for integer-valued floats (ids < 2^24).
  const iota = b.constant(
    'vocab.iota',
    [cfg.vocabSize],
    Float32Array.from({ length: cfg.vocabSize }, (_, i) => i),
  )
  const onehot = relu(b, sub(b, 1, abs(b, sub(b, iota, reshape(b, targets, [batch * seq, 1])))))
  const tokLogp = reshape(b, reduceSum(b, mul(b, logp, onehot), [-1]), [batch, seq]) // (B, T)

  const a = reshape(b, adv, [batch, 1])
  let perToken: Value
  if (loss.objective === 'sft') {
    perToken = neg(b, mul(b, tokLogp, a))
  } else {
    const ratio = exp(b, sub(b, tokLogp, old))
    const surrogate = minimum(b, mul(b, ratio, a), mul(b, clip(b, ratio, 1 - loss.clipLow, 1 + loss.clipHigh), a))
    perToken = neg(b, surrogate)
    if (ref) {
      const d = sub(b, ref, tokLogp)
      perToken = add(b, perToken, mul(b, sub(b, sub(b, exp(b, d), d), 1), loss.klBeta))
    }
  }
  const total = reduceSum(b, mul(b, perToken, weights), [0, 1])
  const grads = gradients(b, total, [...params.values()])
  b.output(io.loss, total)
  b.output(io.logprobs, tokLogp)
  specs.forEach((s, i) => {
    b.output(`${io.gradPrefix}${s.name}`, grads[i]!)
  })
  return { graph: b.finish(), loss, parameterNames: specs.map((s) => s.name) }
}

// ---------------------------------------------------------------------------------------------
// Sampling graph

export const SAMPLE_IO = {
  inputIds: 'input_ids', // int64 (batch, seq)
  attnBias: 'attn_bias', // float32 (batch, 1, 1, seq, past+seq)
  ropeCos: 'rope_cos', // float32 (batch, 1, seq, D)
  ropeSin: 'rope_sin', // float32 (batch, 1, seq, D)
  pastKey: (l: number) => `past.${l}.key`, // float32 (batch, Hkv, past, D)
  pastValue: (l: number) => `past.${l}.value`,
  logits: 'logits', // float32 (batch, seq, V)
  presentKey: (l: number) => `present.${l}.key`, // float32 (batch, Hkv, past+seq, D)
  presentValue: (l: number) => `present.${l}.value`,
} as const

function transposed(t: { shape: readonly number[]; data: Float32Array }): Float32Array {
  const [rows, cols] = t.shape as [number, number]
  const out = new Float32Array(rows * cols)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c]!
  return out
}

/** The KV-cache sampling/scoring graph with `weights` baked in as initialisers. */
export function buildSamplingGraph(cfg: ModelConfig, weights: Weights) {
  const b = new GraphBuilder('murmur_sample')
  const io = SAMPLE_IO
  const [Hkv, D] = [cfg.numKvHeads, cfg.headDim]
  const inp: DecoderInputs = {
    inputIds: b.input(io.inputIds, 'int64', ['batch', 'seq']),
    attnBias: b.input(io.attnBias, 'float32', ['batch', 1, 1, 'seq', 'past+seq']),
    ropeCos: b.input(io.ropeCos, 'float32', ['batch', 1, 'seq', D]),
    ropeSin: b.input(io.ropeSin, 'float32', ['batch', 1, 'seq', D]),
    past: Array.from({ length: cfg.numLayers }, (_, l) => ({
      key: b.input(io.pastKey(l), 'float32', ['batch', Hkv, 'past', D]),
      value: b.input(io.pastValue(l), 'float32', ['batch', Hkv, 'past', D]),
    })),
  }
  const baked = new Map<string, Value>()
  const tensor = (name: string) => {
    const t = weights.get(name)
    if (!t) throw new GraphError(`Weights have no tensor "${name}".`)
    return t
  }
  const weight = (name: string) => {
    let v = baked.get(name)
    if (!v) {
      const t = tensor(name)
      v = b.constant(name, t.shape, t.data)
      baked.set(name, v)
    }
    return v
  }
  const weightT = (name: string) => {
    const key = `${name}.T`
    let v = baked.get(key)
    if (!v) {
      const t = tensor(name)
      v = b.constant(key, [t.shape[1]!, t.shape[0]!], transposed(t))
      baked.set(key, v)
    }
    return v
  }
  const ctx: DecoderContext = {
    b,
    cfg,
    batch: 'batch',
    seq: 'seq',
    rows: ['batch', 'seq'],
    weight,
    linear: (x, name, bias) => {
      const y = matmul(b, x, weightT(`${name}.weight`))
      return bias ? add(b, y, weight(`${name}.bias`)) : y
    },
    // one wide MatMul over the concatenated weights, then slices: fewer, larger products for decode
    linears: (x, names, bias) => {
      const parts = names.map((n) => tensor(`${n}.weight`))
      // e.g. model.layers.0.self_attn.q_proj_k_proj_v_proj
      const fusedName = `${names[0]!.slice(0, names[0]!.lastIndexOf('.') + 1)}${names.map((n) => n.slice(n.lastIndexOf('.') + 1)).join('_')}`
      const cols = parts.map((t) => t.shape[0]!)
      const total = cols.reduce((a, c) => a + c, 0)
      const inner = parts[0]!.shape[1]!
      const fused = new Float32Array(inner * total)
      let off = 0
      parts.forEach((t, k) => {
        const tt = transposed(t) // (inner, cols[k])
        for (let r = 0; r < inner; r++) fused.set(tt.subarray(r * cols[k]!, (r + 1) * cols[k]!), r * total + off)
        off += cols[k]!
      })
      let y = matmul(b, x, b.constant(`${fusedName}.weight.T`, [inner, total], fused))
      if (bias) {
        const bcat = new Float32Array(total)
        let o = 0
        for (const n of names) {
          const t = tensor(`${n}.bias`)
          bcat.set(t.data, o)
          o += t.data.length
        }
        y = add(b, y, b.constant(`${fusedName}.bias`, [total], bcat))
      }
      let start = 0
      return cols.map((c) => {
        const part = slice(b, y, -1, start, start + c)
        start += c
        return part
      })
    },
    head: (x) => matmul(b, x, weightT(cfg.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight')),
  }
  const { logits, present } = decoder(ctx, inp)
  b.output(io.logits, logits)
  present.forEach((p, l) => {
    b.output(io.presentKey(l), p.key)
    b.output(io.presentValue(l), p.value)
  })
  return b.finish()
}
