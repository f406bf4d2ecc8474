/**
 * A loaded policy version: the KV-cache sampling graph of one set of weights in one runtime
 * session (DESIGN.md §2: one session per policy version). Prefill, decode, whole-sequence
 * scoring, and seeded group generation.
 */
import { InvalidArgumentError } from '../errors.js'
import { type ModelConfig, parameterCount } from '../model/config.js'
import { buildSamplingGraph, SAMPLE_IO } from '../model/llama.js'
import { toOnnx, toOnnxWithExternalData } from '../model/onnx.js'
import type { Weights } from '../model/weights.js'
import { uniformAt } from '../random/rng.js'
import { GraphSession } from '../runtime/session.js'
import type { HostTensor, RuntimeComponents } from '../runtime/types.js'
import { type SamplingParameters, sampleToken, tokenDistribution } from './distribution.js'
import { causalBias, ropeTables } from './inputs.js'
import { emptyKvCache, type KvCache, tileKvCache } from './kv-cache.js'

export interface ForwardParameters {
  /** New tokens, B rows × S. */
  tokens: readonly (readonly number[])[]
  /** Cache of the P previous positions (batch B), or none. */
  past?: KvCache
  /** Per row, which of the P+S key positions are real (default: all). */
  keyValid?: readonly (readonly boolean[])[]
  /** Per row, the RoPE position of each new token (default: P, P+1, …). */
  positions?: readonly (readonly number[])[]
}

export interface ForwardResult {
  /** (B, S, V) */
  logits: Float32Array
  present: KvCache
}

export interface GenerateParameters extends SamplingParameters {
  prompt: readonly number[]
  /** Completions per prompt (the GRPO group size G). */
  group: number
  /** 32-byte rollout seed: the uniform of completion k at position t is uniformAt(seed, [k, t]). */
  seed: Uint8Array
  maxNewTokens: number
  stopTokens: readonly number[]
}

export interface Completion {
  tokens: number[]
  /** log π(token | prefix) at the sampling temperature, one per token. */
  logprobs: number[]
  /** true when the completion ended with a stop token, false when it hit maxNewTokens. */
  stopped: boolean
}

export const DEFAULT_SAMPLING: SamplingParameters = { temperature: 1, topP: 1 }

/** Models with at least this many bytes of fp32 weights load them as external data by default. */
export const EXTERNAL_WEIGHTS_MIN_BYTES = 512 * 1024 * 1024

export interface PolicyLoadOptions {
  /** Hand the weights to the runtime as external data (default: for models ≥ 512 MiB of weights). */
  externalWeights?: boolean
}

export class Policy {
  readonly cfg: ModelConfig
  private readonly session: GraphSession

  private constructor(cfg: ModelConfig, session: GraphSession) {
    this.cfg = cfg
    this.session = session
  }

  /**
   * Builds the sampling graph with `weights` as initialisers and loads it into the runtime.
   * Weights of models over {@link EXTERNAL_WEIGHTS_MIN_BYTES} (or with `externalWeights`) go to
   * the runtime as in-memory external data rather than inside the protobuf, which holds at
   * most 2 GiB; either way the runtime owns them as initialisers (prepacked on CPU, resident
   * on a GPU EP's device).
   */
  static async load(runtime: RuntimeComponents, cfg: ModelConfig, weights: Weights, opts: PolicyLoadOptions = {}): Promise<Policy> {
    const graph = buildSamplingGraph(cfg, weights)
    const external = opts.externalWeights ?? parameterCount(cfg) * 4 >= EXTERNAL_WEIGHTS_MIN_BYTES
    if (!external) return new Policy(cfg, await GraphSession.create(runtime, toOnnx(graph), 'the sampling graph'))
    // every tensor past a few dozen floats: norms and biases too, so only scalars stay inline
    const { model, externalData } = toOnnxWithExternalData(graph, 256)
    return new Policy(cfg, await GraphSession.create(runtime, model, 'the sampling graph', externalData))
  }

  get executionProviders(): readonly string[] {
    return this.session.executionProviders
  }

  async forward({ tokens, past, keyValid, positions }: ForwardParameters): Promise<ForwardResult> {
    const { cfg } = this
    const B = tokens.length
    const S = tokens[0]?.length ?? 0
    if (B === 0 || S === 0 || tokens.some((r) => r.length !== S))
      throw new InvalidArgumentError(`forward needs a non-empty rectangular batch of tokens, got ${B} rows.`)
    for (const row of tokens)
      for (const t of row)
        if (!Number.isInteger(t) || t < 0 || t >= cfg.vocabSize)
          throw new InvalidArgumentError(`Token ${t} is outside the vocabulary [0, ${cfg.vocabSize}).`)
    const cache = past ?? emptyKvCache(cfg.numLayers, B)
    if (cache.batch !== B) throw new InvalidArgumentError(`KV cache batch ${cache.batch} does not match ${B} rows.`)
    const P = cache.length
    if (P + S > cfg.maxPositionEmbeddings)
      throw new InvalidArgumentError(`Sequence length ${P + S} exceeds max_position_embeddings ${cfg.maxPositionEmbeddings}.`)
    const pos = positions ?? tokens.map(() => Array.from({ length: S }, (_, s) => P + s))
    const valid = keyValid ?? tokens.map(() => new Array<boolean>(P + S).fill(true))
    const { cos, sin } = ropeTables(cfg, pos)
    const [Hkv, D] = [cfg.numKvHeads, cfg.headDim]
    const feeds: Record<string, HostTensor> = {
      [SAMPLE_IO.inputIds]: { dtype: 'int64', shape: [B, S], data: BigInt64Array.from(tokens.flat(), (t) => BigInt(t)) },
      [SAMPLE_IO.attnBias]: { dtype: 'float32', shape: [B, 1, 1, S, P + S], data: causalBias(valid, P, S) },
      [SAMPLE_IO.ropeCos]: { dtype: 'float32', shape: [B, 1, S, D], data: cos },
      [SAMPLE_IO.ropeSin]: { dtype: 'float32', shape: [B, 1, S, D], data: sin },
    }
    cache.layers.forEach((l, i) => {
      feeds[SAMPLE_IO.pastKey(i)] = { dtype: 'float32', shape: [B, Hkv, P, D], data: l.key }
      feeds[SAMPLE_IO.pastValue(i)] = { dtype: 'float32', shape: [B, Hkv, P, D], data: l.value }
    })
    const out = await this.session.run(feeds)
    return {
      logits: out[SAMPLE_IO.logits]!.data,
      present: {
        batch: B,
        length: P + S,
        layers: cache.layers.map((_, i) => ({ key: out[SAMPLE_IO.presentKey(i)]!.data, value: out[SAMPLE_IO.presentValue(i)]!.data })),
      },
    }
  }

  /**
   * Teacher-forced logits for whole sequences (right-padded to a common length): row b,
   * position t holds the logits for the token after `sequences[b][t]`. One pass, no cache.
   */
  async logits(sequences: readonly (readonly number[])[]): Promise<{ logits: Float32Array; length: number }> {
    const T = Math.max(...sequences.map((s) => s.length))
    const tokens = sequences.map((s) => [...s, ...new Array<number>(T - s.length).fill(0)])
    const keyValid = sequences.map((s) => Array.from({ length: T }, (_, j) => j < s.length))
    const { logits } = await this.forward({ tokens, keyValid })
    return { logits, length: T }
  }

  /** Samples `group` completions of `prompt` with murmur's seeded inverse-CDF rule. */
  async generate(p: GenerateParameters): Promise<Completion[]> {
    const { cfg } = this
    const V = cfg.vocabSize
    if (!Number.isInteger(p.group) || p.group < 1) throw new InvalidArgumentError(`group must be a positive integer, got ${p.group}.`)
    if (!Number.isInteger(p.maxNewTokens) || p.maxNewTokens < 1)
      throw new InvalidArgumentError(`maxNewTokens must be a positive integer, got ${p.maxNewTokens}.`)
    if (p.prompt.length === 0) throw new InvalidArgumentError('The prompt is empty.')
    if (!(p.temperature > 0) || !(p.topP > 0 && p.topP <= 1))
      throw new InvalidArgumentError(`Need temperature > 0 and top-p in (0, 1], got ${p.temperature} and ${p.topP}.`)
    const stop = new Set(p.stopTokens)
    const prefill = await this.forward({ tokens: [p.prompt] })
    let cache = tileKvCache(prefill.present, p.group)
    const completions: Completion[] = Array.from({ length: p.group }, () => ({ tokens: [], logprobs: [], stopped: false }))
    const done = new Array<boolean>(p.group).fill(false)
    const last = prefill.logits.subarray((p.prompt.length - 1) * V, p.prompt.length * V)
    const firstDist = tokenDistribution(last, p)
    let rowLogits = (_k: number) => firstDist
    for (let t = 0; t < p.maxNewTokens; t++) {
      const next: number[] = []
      for (let k = 0; k < p.group; k++) {
        if (done[k]) {
          next.push(completions[k]!.tokens.at(-1)!)
          continue
        }
        const dist = rowLogits(k)
        const token = sampleToken(dist, uniformAt(p.seed, [k, t]))
        const c = completions[k]!
        c.tokens.push(token)
        c.logprobs.push(dist.logprobs[token]!)
        if (stop.has(token)) c.stopped = done[k] = true
        next.push(token)
      }
      if (done.every(Boolean) || t === p.maxNewTokens - 1) break
      if (p.prompt.length + t + 1 >= cfg.maxPositionEmbeddings) break
      const step = await this.forward({ tokens: next.map((x) => [x]), past: cache })
      cache = step.present
      rowLogits = (k) => tokenDistribution(step.logits.subarray(k * V, (k + 1) * V), p)
    }
    return completions
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
