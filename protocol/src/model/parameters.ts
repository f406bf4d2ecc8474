// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * The parameter tensors of a Llama-style decoder, with Hugging Face names and shapes
 * (nn.Linear weights are (out, in)). The order is canonical: embedding, layers in order (each
 * in the order of transformers' module tree), final norm, lm_head.
 */
import { assertModelConfig, type ModelConfig } from './config.js'

export interface ParameterSpec {
  name: string
  shape: number[]
}

/** Every parameter of `cfg`, in canonical order. `lm_head.weight` appears only when untied. */
export function parameterSpecs(cfg: ModelConfig): ParameterSpec[] {
  assertModelConfig(cfg)
  const { vocabSize: V, hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads: Hkv, headDim: D } = cfg
  const specs: ParameterSpec[] = [{ name: 'model.embed_tokens.weight', shape: [V, C] }]
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `model.layers.${l}`
    specs.push({ name: `${p}.input_layernorm.weight`, shape: [C] })
    specs.push({ name: `${p}.self_attn.q_proj.weight`, shape: [H * D, C] })
    if (cfg.attentionBias) specs.push({ name: `${p}.self_attn.q_proj.bias`, shape: [H * D] })
    specs.push({ name: `${p}.self_attn.k_proj.weight`, shape: [Hkv * D, C] })
    if (cfg.attentionBias) specs.push({ name: `${p}.self_attn.k_proj.bias`, shape: [Hkv * D] })
    specs.push({ name: `${p}.self_attn.v_proj.weight`, shape: [Hkv * D, C] })
    if (cfg.attentionBias) specs.push({ name: `${p}.self_attn.v_proj.bias`, shape: [Hkv * D] })
    specs.push({ name: `${p}.self_attn.o_proj.weight`, shape: [C, H * D] })
    specs.push({ name: `${p}.post_attention_layernorm.weight`, shape: [C] })
    specs.push({ name: `${p}.mlp.gate_proj.weight`, shape: [I, C] })
    specs.push({ name: `${p}.mlp.up_proj.weight`, shape: [I, C] })
    specs.push({ name: `${p}.mlp.down_proj.weight`, shape: [C, I] })
  }
  specs.push({ name: 'model.norm.weight', shape: [C] })
  if (!cfg.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [V, C] })
  return specs
}

/** Number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1
  for (const d of shape) n *= d
  return n
}
