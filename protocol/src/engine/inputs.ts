/**
 * Host-side inputs of the policy graphs: RoPE tables and additive attention biases. They are
 * computed in JavaScript (float64, rounded once to float32) and passed in, which keeps the
 * graphs free of Trilu, compare and cast ops (DESIGN.md §2). Not consensus-critical: ORT
 * outputs never are (STYLE.md §7).
 */
import type { ModelConfig } from '../model/config.js'

/** Additive bias for a masked attention score: exp(−1e9 − max) underflows to exactly 0. */
export const MASKED = -1e9

/** RoPE inverse frequencies θ^(−2i/D), i < D/2 (Su et al. 2021, RoFormer eq. 15). */
export function ropeInverseFrequencies(cfg: Pick<ModelConfig, 'headDim' | 'ropeTheta'>): Float64Array {
  const half = cfg.headDim / 2
  return Float64Array.from({ length: half }, (_, i) => cfg.ropeTheta ** (-(2 * i) / cfg.headDim))
}

/**
 * cos/sin tables (B, 1, T, D) in Hugging Face's layout (the half-dim angles repeated twice)
 * for per-row positions (B × T).
 */
export function ropeTables(
  cfg: Pick<ModelConfig, 'headDim' | 'ropeTheta'>,
  positions: readonly (readonly number[])[],
): { cos: Float32Array; sin: Float32Array } {
  const D = cfg.headDim
  const half = D / 2
  const inv = ropeInverseFrequencies(cfg)
  const T = positions[0]?.length ?? 0
  const cos = new Float32Array(positions.length * T * D)
  const sin = new Float32Array(positions.length * T * D)
  positions.forEach((row, bi) => {
    row.forEach((pos, t) => {
      const base = (bi * T + t) * D
      for (let i = 0; i < half; i++) {
        const angle = pos * inv[i]!
        const c = Math.cos(angle)
        const s = Math.sin(angle)
        cos[base + i] = cos[base + i + half] = c
        sin[base + i] = sin[base + i + half] = s
      }
    })
  })
  return { cos, sin }
}

/**
 * Causal attention bias (B, 1, 1, S, P+S) for S new query positions after P cached ones:
 * query s (absolute index P+s) may attend key j iff j ≤ P+s and `keyValid[b][j]`.
 */
export function causalBias(keyValid: readonly (readonly boolean[])[], past: number, seq: number): Float32Array {
  const total = past + seq
  const out = new Float32Array(keyValid.length * seq * total)
  keyValid.forEach((valid, bi) => {
    for (let s = 0; s < seq; s++) {
      const base = (bi * seq + s) * total
      for (let j = 0; j < total; j++) out[base + j] = j <= past + s && valid[j] ? 0 : MASKED
    }
  })
  return out
}
