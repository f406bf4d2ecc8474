/**
 * Browser stand-ins for the few Node built-ins that modules of `@murmur/node/browser` import.
 * The swarm peer touches the file system only with a `dataDir` (checkpoints, evidence), which a
 * browser peer never sets, so those functions say so loudly instead of silently doing nothing.
 * Aliased by vite.config.ts; nothing else imports this module.
 */

const noFileSystem = (what: string) => () => {
  throw new Error(`${what} needs a file system; a browser peer keeps no data dir.`)
}

/** node:events — browsers' EventTarget has no listener-count warning to raise. */
export function setMaxListeners(): void {}

/** node:path — POSIX join, enough for the relative paths the peer builds. */
export function join(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .join('/')
    .replace(/\/+/g, '/')
}

/** node:crypto */
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n))
}

/** node:fs/promises */
export const mkdir = noFileSystem('mkdir')
export const readdir = noFileSystem('readdir')
export const readFile = noFileSystem('readFile')
export const rename = noFileSystem('rename')
export const rm = noFileSystem('rm')
export const writeFile = noFileSystem('writeFile')
export const open = noFileSystem('open')
export const stat = noFileSystem('stat')

/** node:module — only reached on Node 20 without a global WebSocket, never in a browser. */
export const createRequire = noFileSystem('createRequire')

/** @libp2p/tcp — browsers cannot open raw TCP sockets; a browser peer dials WebSockets. */
export function tcp(): never {
  throw new Error('TCP is not available in a browser; use the websockets transport.')
}

export default {}
