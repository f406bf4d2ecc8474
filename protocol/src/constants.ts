/**
 * Protocol-wide constants. Changing any of them changes bytes peers agree on and needs
 * PROTOCOL_VERSION++ and new golden vectors.
 */

/** Version byte carried by every signed message and checkpoint. */
export const PROTOCOL_VERSION = 1

/** ONNX opset that every emitted graph declares. 17 has LayerNormalization-free ops we use
 * and is supported by onnxruntime-web's WebGPU EP and onnxruntime-node alike. */
export const ONNX_OPSET = 17

/** IR version written into ONNX models (8 pairs with opset 17 in the ONNX versioning table). */
export const ONNX_IR_VERSION = 8

/**
 * Replay check tolerances (engine/replay.ts). Backends differ beyond the last bit (STYLE §7),
 * so a verifier accepts a token when its uniform lies within REPLAY_CDF_TOLERANCE of the
 * token's CDF interval, and a reported log-prob within REPLAY_LOGPROB_TOLERANCE (nats) of the
 * recomputed one. float32 logits across CPU/wasm/WebGPU differ by ~1e-5, two orders below.
 */
export const REPLAY_CDF_TOLERANCE = 1e-3
export const REPLAY_LOGPROB_TOLERANCE = 1e-2
