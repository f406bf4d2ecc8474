/**
 * @libp2p/websockets 10 dials with the global `WebSocket`, which Node 20 lacks (Node 22 has it).
 * On Node 20 we install the `ws` package's WebSocket — the one @libp2p/websockets itself depends
 * on for its listener, resolved from that package so no second copy is pulled in — before the
 * first WebSocket dial. Browsers and Node ≥ 22 are left untouched.
 *
 * `ws` sockets are EventEmitters: an 'error' after libp2p stopped listening (a dial aborted by
 * its timeout, then ECONNRESET) would be an uncaught exception and kill the process. The
 * subclass keeps one no-op 'error' listener; libp2p's own listeners still see every error.
 */

type WsConstructor = new (...args: unknown[]) => { on(event: 'error', listener: () => void): unknown }

export async function ensureWebSocketGlobal(): Promise<void> {
  const g = globalThis as { WebSocket?: unknown }
  if (typeof g.WebSocket === 'function') return
  // loaded only here so the module stays importable in a browser bundle
  const { createRequire } = await import('node:module')
  const require = createRequire(import.meta.resolve('@libp2p/websockets'))
  const Ws = (require('ws') as { WebSocket: WsConstructor }).WebSocket
  class NodeWebSocket extends Ws {
    constructor(...args: unknown[]) {
      super(...args)
      this.on('error', () => undefined)
    }
  }
  g.WebSocket = NodeWebSocket
}
