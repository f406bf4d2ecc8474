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
