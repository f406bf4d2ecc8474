import { describe, expect, it } from 'vitest'
import { NAMED_CONFIGS, parameterCount, parseHfConfig } from './config.js'
import { parameterSpecs, shapeSize } from './parameters.js'

const qwenLike = parseHfConfig({
  model_type: 'qwen2',
  vocab_size: 10,
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  tie_word_embeddings: true,
})

describe('parameterSpecs', () => {
  it('lists Hugging Face names and (out, in) shapes in canonical order for qwen2 with tied embeddings', () => {
    expect(parameterSpecs(qwenLike).map((s) => `${s.name} [${s.shape.join(', ')}]`)).toMatchInlineSnapshot(`
      [
        "model.embed_tokens.weight [10, 8]",
        "model.layers.0.input_layernorm.weight [8]",
        "model.layers.0.self_attn.q_proj.weight [8, 8]",
        "model.layers.0.self_attn.q_proj.bias [8]",
        "model.layers.0.self_attn.k_proj.weight [4, 8]",
        "model.layers.0.self_attn.k_proj.bias [4]",
        "model.layers.0.self_attn.v_proj.weight [4, 8]",
        "model.layers.0.self_attn.v_proj.bias [4]",
        "model.layers.0.self_attn.o_proj.weight [8, 8]",
        "model.layers.0.post_attention_layernorm.weight [8]",
        "model.layers.0.mlp.gate_proj.weight [12, 8]",
        "model.layers.0.mlp.up_proj.weight [12, 8]",
        "model.layers.0.mlp.down_proj.weight [8, 12]",
        "model.norm.weight [8]",
      ]
    `)
  })

  it('adds lm_head.weight last when embeddings are untied and omits biases for llama', () => {
    const specs = parameterSpecs(NAMED_CONFIGS.tiny)
    expect(specs.at(-1)).toEqual({ name: 'lm_head.weight', shape: [128, 128] })
    expect(specs.at(-2)).toEqual({ name: 'model.norm.weight', shape: [128] })
    expect(specs[0]).toEqual({ name: 'model.embed_tokens.weight', shape: [128, 128] })
    expect(specs.some((s) => s.name.endsWith('.bias'))).toBe(false)
    expect(specs).toHaveLength(1 + 4 * 9 + 2)
    expect(specs.find((s) => s.name === 'model.layers.3.self_attn.k_proj.weight')?.shape).toEqual([64, 128])
    expect(specs.find((s) => s.name === 'model.layers.3.mlp.down_proj.weight')?.shape).toEqual([128, 512])
  })

  it.each(['tiny', 'small'] as const)('sums to parameterCount for %s', (name) => {
    const cfg = NAMED_CONFIGS[name]
    expect(parameterSpecs(cfg).reduce((n, s) => n + shapeSize(s.shape), 0)).toBe(parameterCount(cfg))
    expect(parameterSpecs({ ...cfg, attentionBias: true, tieWordEmbeddings: true }).reduce((n, s) => n + shapeSize(s.shape), 0)).toBe(
      parameterCount({ ...cfg, attentionBias: true, tieWordEmbeddings: true }),
    )
  })

  it('has unique names', () => {
    const names = parameterSpecs(NAMED_CONFIGS.small).map((s) => s.name)
    expect(new Set(names).size).toBe(names.length)
  })

  it('rejects an invalid config', () => {
    expect(() => parameterSpecs({ ...NAMED_CONFIGS.tiny, numHeads: 3 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })
})
