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
export {
  GraphError,
  InvalidArgumentError,
  isProtocolError,
  MessageDecodeError,
  ModelFormatError,
  ProtocolError,
  RuntimeError,
} from './errors.js'
export type { Rng, SeedPart } from './random/rng.js'
export { createRng, deriveSeed, floatFromU32Pair, uniformAt } from './random/rng.js'
