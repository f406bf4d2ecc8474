import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertModelConfig, type ModelConfig, NAMED_CONFIGS, parameterCount, parseHfConfig, toHfConfig } from './config.js'

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'))
const qwen = () => fixture('qwen2.5-0.5b-instruct.config.json') as Record<string, unknown>
const smol = () => fixture('smollm2-135m.config.json') as Record<string, unknown>

describe('parseHfConfig', () => {
  it('reads the verbatim config.json of Qwen2.5-0.5B-Instruct', () => {
    expect(parseHfConfig(qwen())).toEqual({
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
    })
  })

  it('reads the verbatim config.json of SmolLM2-135M', () => {
    expect(parseHfConfig(smol())).toEqual({
      modelType: 'llama',
      vocabSize: 49152,
      hiddenSize: 576,
      intermediateSize: 1536,
      numLayers: 30,
      numHeads: 9,
      numKvHeads: 3,
      headDim: 64,
      rmsNormEps: 1e-5,
      ropeTheta: 100000,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 8192,
      attentionBias: false,
    })
  })

  it('counts the published parameter numbers of the real checkpoints', () => {
    expect(parameterCount(parseHfConfig(qwen()))).toBe(494_032_768)
    expect(parameterCount(parseHfConfig(smol()))).toBe(134_515_008)
  })

  it('applies transformers defaults for omitted fields', () => {
    const cfg = parseHfConfig({
      model_type: 'llama',
      vocab_size: 32,
      hidden_size: 16,
      intermediate_size: 32,
      num_hidden_layers: 1,
      num_attention_heads: 4,
    })
    expect(cfg).toMatchObject({
      numKvHeads: 4,
      headDim: 4,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      tieWordEmbeddings: false,
      maxPositionEmbeddings: 2048,
      attentionBias: false,
    })
  })

  it('reads an explicit head_dim and rope_parameters (transformers ≥ 4.56 layout)', () => {
    const j: Record<string, unknown> = { ...smol(), head_dim: 32, rope_parameters: { rope_type: 'default', rope_theta: 5e5 } }
    delete j.rope_theta
    expect(parseHfConfig(j)).toMatchObject({ headDim: 32, ropeTheta: 5e5 })
  })

  it('accepts a rope_scaling that names the default RoPE', () => {
    expect(parseHfConfig({ ...smol(), rope_scaling: { rope_type: 'default' } }).ropeTheta).toBe(100000)
  })

  it('reads attention_bias for llama', () => {
    expect(parseHfConfig({ ...smol(), attention_bias: true }).attentionBias).toBe(true)
  })

  it('rejects an unsupported model_type naming the file and field', () => {
    expect(() => parseHfConfig({ ...qwen(), model_type: 'gpt2' }, 'dir/config.json')).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: dir/config.json: field "model_type" is "gpt2"; it must be one of: llama, qwen2 (murmur runs Llama-style decoders only).]`,
    )
  })

  it('rejects a missing required field', () => {
    const j = smol()
    delete j.hidden_size
    expect(() => parseHfConfig(j)).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "hidden_size" is missing; it must be a positive integer.]`,
    )
  })

  it('rejects non-integer and non-positive sizes', () => {
    expect(() => parseHfConfig({ ...smol(), vocab_size: 1.5 })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "vocab_size" is 1.5; it must be a positive integer.]`,
    )
    expect(() => parseHfConfig({ ...smol(), num_hidden_layers: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "num_hidden_layers" is 0; it must be a positive integer.]`,
    )
    expect(() => parseHfConfig({ ...smol(), rms_norm_eps: -1 })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "rms_norm_eps" is -1; it must be a finite number > 0.]`,
    )
  })

  it('rejects shapes that do not divide', () => {
    expect(() => parseHfConfig({ ...smol(), num_attention_heads: 7 })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "hidden_size" is 576; it must be divisible by num_attention_heads (7).]`,
    )
    expect(() => parseHfConfig({ ...smol(), num_key_value_heads: 2 })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "num_key_value_heads" is 2; it must divide num_attention_heads (9).]`,
    )
    expect(() => parseHfConfig({ ...smol(), num_key_value_heads: 18 })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "num_key_value_heads" is 18; it must divide num_attention_heads (9).]`,
    )
    expect(() =>
      parseHfConfig({ ...smol(), hidden_size: 45, num_attention_heads: 9, num_key_value_heads: 3 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "hidden_size / num_attention_heads" is 5; it must be even (RoPE rotates pairs of channels).]`,
    )
  })

  it('rejects features the decoder does not implement', () => {
    expect(() => parseHfConfig({ ...smol(), rope_scaling: { rope_type: 'llama3', factor: 32 } })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "rope_scaling" is {"rope_type":"llama3","factor":32}; it must be null or {"rope_type": "default"} (RoPE scaling is not supported).]`,
    )
    expect(() => parseHfConfig({ ...smol(), hidden_act: 'gelu' })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "hidden_act" is "gelu"; it must be "silu" (SwiGLU MLP).]`,
    )
    expect(() => parseHfConfig({ ...qwen(), use_sliding_window: true })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "use_sliding_window" is true; it must be false (sliding-window attention is not supported).]`,
    )
    expect(() => parseHfConfig({ ...smol(), mlp_bias: true })).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "mlp_bias" is true; it must be false (MLP bias is not supported).]`,
    )
  })

  it('rejects a document that is not an object', () => {
    expect(() => parseHfConfig([1, 2])).toThrowErrorMatchingInlineSnapshot(
      `[ModelFormatError: config.json: field "(root)" is [1,2]; it must be a JSON object.]`,
    )
    expect(() => parseHfConfig(null)).toThrow(expect.objectContaining({ name: 'ModelFormatError' }))
  })
})

describe('toHfConfig', () => {
  const configs: [string, ModelConfig][] = [
    ['tiny', NAMED_CONFIGS.tiny],
    ['small', NAMED_CONFIGS.small],
    ['qwen', parseHfConfig(fixture('qwen2.5-0.5b-instruct.config.json'))],
    ['smol', parseHfConfig(fixture('smollm2-135m.config.json'))],
  ]

  it.each(configs)('round-trips %s through JSON and parseHfConfig', (_, cfg) => {
    expect(parseHfConfig(JSON.parse(JSON.stringify(toHfConfig(cfg))))).toEqual(cfg)
  })

  it('round-trips every valid config (property)', () => {
    const cfgArb = fc
      .record({
        modelType: fc.constantFrom('llama' as const, 'qwen2' as const),
        vocabSize: fc.integer({ min: 1, max: 200_000 }),
        kvHeads: fc.integer({ min: 1, max: 8 }),
        group: fc.integer({ min: 1, max: 8 }),
        halfHeadDim: fc.integer({ min: 1, max: 128 }),
        intermediateSize: fc.integer({ min: 1, max: 20_000 }),
        numLayers: fc.integer({ min: 1, max: 100 }),
        rmsNormEps: fc.double({ min: 1e-12, max: 1e-2, noNaN: true }),
        ropeTheta: fc.double({ min: 1, max: 1e7, noNaN: true }),
        tieWordEmbeddings: fc.boolean(),
        maxPositionEmbeddings: fc.integer({ min: 1, max: 1 << 20 }),
        bias: fc.boolean(),
      })
      .map(
        (r): ModelConfig => ({
          modelType: r.modelType,
          vocabSize: r.vocabSize,
          hiddenSize: r.kvHeads * r.group * 2 * r.halfHeadDim,
          intermediateSize: r.intermediateSize,
          numLayers: r.numLayers,
          numHeads: r.kvHeads * r.group,
          numKvHeads: r.kvHeads,
          headDim: 2 * r.halfHeadDim,
          rmsNormEps: r.rmsNormEps,
          ropeTheta: r.ropeTheta,
          tieWordEmbeddings: r.tieWordEmbeddings,
          maxPositionEmbeddings: r.maxPositionEmbeddings,
          attentionBias: r.modelType === 'qwen2' || r.bias,
        }),
      )
    fc.assert(
      fc.property(cfgArb, (cfg) => {
        expect(parseHfConfig(JSON.parse(JSON.stringify(toHfConfig(cfg))))).toEqual(cfg)
      }),
    )
  })

  it('writes what transformers writes for LlamaForCausalLM, keys sorted', () => {
    expect(toHfConfig(NAMED_CONFIGS.tiny)).toMatchInlineSnapshot(`
      {
        "architectures": [
          "LlamaForCausalLM",
        ],
        "attention_bias": false,
        "attention_dropout": 0,
        "head_dim": 32,
        "hidden_act": "silu",
        "hidden_size": 128,
        "initializer_range": 0.02,
        "intermediate_size": 512,
        "max_position_embeddings": 256,
        "mlp_bias": false,
        "model_type": "llama",
        "num_attention_heads": 4,
        "num_hidden_layers": 4,
        "num_key_value_heads": 2,
        "pretraining_tp": 1,
        "rms_norm_eps": 0.00001,
        "rope_scaling": null,
        "rope_theta": 10000,
        "tie_word_embeddings": false,
        "torch_dtype": "float32",
        "transformers_version": "4.46.3",
        "use_cache": true,
        "vocab_size": 128,
      }
    `)
  })

  it('writes the Qwen2ForCausalLM fields for qwen2', () => {
    const j = toHfConfig(configs[2]![1])
    expect(j).toMatchObject({
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      use_sliding_window: false,
      max_window_layers: 24,
      torch_dtype: 'float32',
    })
    expect(j).not.toHaveProperty('head_dim')
  })

  it('refuses a config that cannot be expressed', () => {
    expect(() => toHfConfig({ ...NAMED_CONFIGS.tiny, modelType: 'qwen2', attentionBias: false })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: ModelConfig.attentionBias is false; it must be true for qwen2 (Qwen2 always has q/k/v bias).]`,
    )
    expect(() =>
      toHfConfig({ ...NAMED_CONFIGS.tiny, modelType: 'qwen2', attentionBias: true, headDim: 64 }),
    ).toThrowErrorMatchingInlineSnapshot(`[InvalidArgumentError: ModelConfig.headDim is 64; qwen2 requires hiddenSize / numHeads = 32.]`)
  })
})

describe('NAMED_CONFIGS', () => {
  it('tiny has about 1M and small about 10M parameters', () => {
    expect(parameterCount(NAMED_CONFIGS.tiny)).toBe(1_016_960)
    expect(parameterCount(NAMED_CONFIGS.small)).toBe(9_540_480)
  })

  it.each(['tiny', 'small'] as const)('%s is a valid llama config with GQA and even head dim', (name) => {
    const cfg = NAMED_CONFIGS[name]
    expect(() => assertModelConfig(cfg)).not.toThrow()
    expect(cfg.modelType).toBe('llama')
    expect(cfg.vocabSize).toBe(128)
    expect(cfg.numKvHeads).toBeLessThan(cfg.numHeads)
    expect(cfg.headDim % 2).toBe(0)
    expect(cfg.maxPositionEmbeddings).toBe(256)
  })

  it('0.5b is exactly the shape of the real Qwen2.5-0.5B config.json', () => {
    expect(NAMED_CONFIGS['0.5b']).toEqual(parseHfConfig(qwen()))
    expect(parameterCount(NAMED_CONFIGS['0.5b'])).toBe(494_032_768)
  })
})

describe('assertModelConfig', () => {
  it('names the field and value', () => {
    expect(() => assertModelConfig({ ...NAMED_CONFIGS.tiny, numKvHeads: 3 })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: ModelConfig.numKvHeads is 3; it must divide numHeads (4).]`,
    )
    expect(() => assertModelConfig({ ...NAMED_CONFIGS.tiny, headDim: 0 })).toThrowErrorMatchingInlineSnapshot(
      `[InvalidArgumentError: ModelConfig.headDim is 0; it must be a positive integer.]`,
    )
  })
})
