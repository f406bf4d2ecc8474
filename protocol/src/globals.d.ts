// protocol/ compiles without DOM or Node types so that I/O globals do not type-check.
// TextEncoder/TextDecoder are pure and exist in every runtime murmur targets (ECMAScript
// hosts per the WHATWG Encoding standard: browsers, Node, workers), so they are declared here.
declare class TextEncoder {
  encode(input?: string): Uint8Array
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean })
  decode(input?: Uint8Array): string
}
