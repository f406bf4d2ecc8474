/**
 * What a browser (or any peer) needs to join a run: the run's manifest, where its peers listen
 * and, when the run keeps a ledger, the chain. The serving node publishes it as
 * `/murmur/join.json`; a join link carries the same object in its fragment
 * (`…/#join=<base64url(JSON)>`), so a link opened elsewhere (a phone on the LAN) needs nothing
 * from the page's origin but the client's files. Pure: no Node built-ins (bundled by client-web).
 */
import { fromHex, hashRunManifest, toHex } from '@murmur/protocol'

export interface JoinInfo {
  /** Format version of this object. */
  v: 1
  /** `0x` hex of hashRunManifest(manifest): checked against the manifest on parse. */
  runId: `0x${string}`
  /** `0x` hex of the encoded RunManifest. */
  manifest: `0x${string}`
  /** Multiaddrs (with /p2p/) a browser can dial: WebSocket listeners of the serving peers. */
  bootstrap: string[]
  /** The run's ledger, when it has one. */
  chain?: { rpcUrl: string; chainId: number; ledger: `0x${string}` }
  /**
   * STUN/TURN servers for WebRTC between tabs (RTCIceServer), when the serving operator names
   * some (`murmur node --ice-server`); without them tabs offer host candidates only.
   */
  ice?: { urls: string[]; username?: string; credential?: string }[]
}

/** Most ICE servers a join object may name. */
export const MAX_ICE_SERVERS = 8

export const JOIN_PATH = '/murmur/join.json'

export class JoinInfoError extends Error {
  override name = 'JoinInfoError'
}

const isHex = (v: unknown): v is `0x${string}` => typeof v === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(v)

/** Validates an untrusted join object (from JSON); @throws JoinInfoError naming the field. */
export function parseJoinInfo(value: unknown): JoinInfo {
  if (typeof value !== 'object' || value === null) throw new JoinInfoError('The join information is not a JSON object.')
  const o = value as Record<string, unknown>
  if (o.v !== 1) throw new JoinInfoError(`Unsupported join information version ${JSON.stringify(o.v)} (this client reads version 1).`)
  if (!isHex(o.manifest) || o.manifest.length < 4) throw new JoinInfoError('join.manifest must be the 0x hex of a run manifest.')
  if (!isHex(o.runId) || o.runId.length !== 66) throw new JoinInfoError('join.runId must be a 0x-prefixed 32-byte hex string.')
  const runId = `0x${toHex(hashRunManifest(fromHex(o.manifest)))}`
  if (runId.toLowerCase() !== o.runId.toLowerCase())
    throw new JoinInfoError(`join.runId ${o.runId} is not the hash of join.manifest (${runId}); the link is corrupt.`)
  if (!Array.isArray(o.bootstrap) || !o.bootstrap.every((a) => typeof a === 'string' && a.startsWith('/') && a.includes('/p2p/')))
    throw new JoinInfoError('join.bootstrap must be a list of multiaddrs ending in /p2p/<peer id>.')
  let chain: JoinInfo['chain']
  if (o.chain !== undefined) {
    const c = o.chain as Record<string, unknown>
    if (typeof c !== 'object' || c === null) throw new JoinInfoError('join.chain must be an object.')
    if (typeof c.rpcUrl !== 'string' || !/^https?:\/\//.test(c.rpcUrl)) throw new JoinInfoError('join.chain.rpcUrl must be an http(s) URL.')
    if (typeof c.chainId !== 'number' || !Number.isSafeInteger(c.chainId) || c.chainId <= 0)
      throw new JoinInfoError('join.chain.chainId must be a positive integer.')
    if (!isHex(c.ledger) || c.ledger.length !== 42) throw new JoinInfoError('join.chain.ledger must be a 0x-prefixed 20-byte address.')
    chain = { rpcUrl: c.rpcUrl, chainId: c.chainId, ledger: c.ledger }
  }
  const ice = o.ice === undefined ? undefined : parseIceServers(o.ice)
  return {
    v: 1,
    runId: o.runId,
    manifest: o.manifest,
    bootstrap: [...(o.bootstrap as string[])],
    ...(chain ? { chain } : {}),
    ...(ice ? { ice } : {}),
  }
}

const ICE_URL = /^(stun|turn|turns):[^\s]{1,253}$/

/** An ICE server URL murmur accepts: `stun:`, `turn:` or `turns:` and a host. */
export const isIceUrl = (url: unknown): url is string => typeof url === 'string' && ICE_URL.test(url)

function parseIceServers(value: unknown): NonNullable<JoinInfo['ice']> {
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVERS)
    throw new JoinInfoError(`join.ice must be a list of at most ${MAX_ICE_SERVERS} ICE servers.`)
  return value.map((s, i) => {
    const o = s as Record<string, unknown>
    if (typeof o !== 'object' || o === null || !Array.isArray(o.urls) || o.urls.length === 0 || !o.urls.every(isIceUrl))
      throw new JoinInfoError(`join.ice[${i}].urls must be a non-empty list of stun:, turn: or turns: URLs.`)
    for (const k of ['username', 'credential'] as const)
      if (o[k] !== undefined && (typeof o[k] !== 'string' || (o[k] as string).length > 256))
        throw new JoinInfoError(`join.ice[${i}].${k} must be a string of at most 256 characters.`)
    return {
      urls: [...(o.urls as string[])],
      ...(o.username !== undefined ? { username: o.username as string } : {}),
      ...(o.credential !== undefined ? { credential: o.credential as string } : {}),
    }
  })
}

/** A multiaddr a browser can dial: a WebSocket listener (ws or wss) with its peer id. */
export const isBrowserDialable = (addr: string) => /\/wss?\/p2p\//.test(addr)

/**
 * The join information of `run` as served by `peers` (their WebSocket addresses), with the
 * chain when the run keeps a ledger. Call it per request: listeners and peers come and go.
 */
export function joinInfoOf(
  run: { runId: Uint8Array; manifestBytes: Uint8Array },
  peers: readonly { multiaddrs(): string[] }[],
  chain?: { rpcUrl: string; chainId: number | bigint; ledger: string },
  ice?: JoinInfo['ice'],
): JoinInfo {
  return {
    v: 1,
    runId: `0x${toHex(run.runId)}`,
    manifest: `0x${toHex(run.manifestBytes)}`,
    bootstrap: peers.flatMap((p) => p.multiaddrs().filter(isBrowserDialable)),
    ...(chain ? { chain: { rpcUrl: chain.rpcUrl, chainId: Number(chain.chainId), ledger: chain.ledger as `0x${string}` } } : {}),
    ...(ice && ice.length > 0 ? { ice } : {}),
  }
}

const b64url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')

/** `base`'s page with the join object in its fragment. */
export function joinLink(base: string, info: JoinInfo): string {
  const url = new URL(base)
  url.hash = `join=${b64url(JSON.stringify(info))}`
  return url.toString()
}

/** The join object in a link's fragment, or null when it has none. @throws JoinInfoError when it is malformed. */
export function joinInfoFromFragment(hash: string): JoinInfo | null {
  const m = /(?:^#|&)join=([^&]*)/.exec(hash)
  if (!m) return null
  let json: unknown
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(m[1]!)) throw new Error('not base64url')
    const bin = atob(m[1]!.replace(/-/g, '+').replace(/_/g, '/'))
    json = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))))
  } catch {
    throw new JoinInfoError('The join link is damaged: its fragment is not base64url JSON.')
  }
  return parseJoinInfo(json)
}
