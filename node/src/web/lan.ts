/**
 * `murmur up --lan`: the local swarm reachable from a phone on the same network. The chain, the
 * peers' WebSocket listeners and the web server bind every interface, and the join link names
 * this machine's LAN address instead of 127.0.0.1, which a phone would take for itself.
 */
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os'
import type { JoinInfo } from './join.js'

/** The first non-internal IPv4 address of the machine (what a phone on the same network dials), or null. */
export function lanAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string | null {
  for (const name of Object.keys(interfaces).sort())
    for (const i of interfaces[name] ?? []) if (i.family === 'IPv4' && !i.internal) return i.address
  return null
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|0\.0\.0\.0|localhost)$/

/** `info` as a visitor at `ip` needs it: only bootstrap addresses on `ip`, and the RPC URL's loopback host replaced by `ip`. */
export function lanJoinInfo(info: JoinInfo, ip: string): JoinInfo {
  const bootstrap = info.bootstrap.filter((a) => a.startsWith(`/ip4/${ip}/`))
  if (!info.chain) return { ...info, bootstrap }
  const rpc = new URL(info.chain.rpcUrl)
  if (LOOPBACK_HOST.test(rpc.hostname)) rpc.hostname = ip
  return { ...info, bootstrap, chain: { ...info.chain, rpcUrl: rpc.toString().replace(/\/$/, rpc.pathname === '/' ? '' : '/') } }
}
