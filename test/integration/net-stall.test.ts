/**
 * Connections survive a peer's event-loop stall. A peer stalls while it compresses and signs a
 * big delta, or while a browser throttles its background tab; libp2p's connection monitor
 * aborts a connection whose ping is not answered within its adaptive timeout, 5 s at least by
 * default. 8 small-model peers sharing 2 cores lost nearly every connection that way and sat
 * in a round for good, so murmur's floor is 30 s (host.ts). The stalled peer runs in a process
 * of its own: in one process, a stall would stop both sides.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createMurmurHost, type MurmurHost } from '@murmur/node'
import { deriveSeed } from '@murmur/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { peerKey, validate } from '../helpers/net-peers.js'

const RUN_LABEL = 'murmur/test/stall/run'
const script = fileURLToPath(new URL('../helpers/stall-peer.mjs', import.meta.url))
let host: MurmurHost | undefined
let child: ChildProcess | undefined
afterEach(async () => {
  child?.kill('SIGKILL')
  await host?.stop()
})

const next = <T>(c: ChildProcess, what: (m: unknown) => m is T, timeoutMs: number): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message from the stalling peer in ${timeoutMs} ms`)), timeoutMs)
    const on = (m: unknown) => {
      if (!what(m)) return
      clearTimeout(timer)
      c.off('message', on)
      resolve(m)
    }
    c.on('message', on)
    c.once('exit', (code) => reject(new Error(`the stalling peer exited (${code})`)))
  })

describe('a peer whose event loop stalls', () => {
  it('keeps its connections through a 16 s stall (a ping falls in it and waits 6 s or more)', { timeout: 60_000 }, async () => {
    host = await createMurmurHost({ privateKey: peerKey('stall-a'), runId: deriveSeed(RUN_LABEL), validate, transports: ['tcp'] })
    const c = fork(script, [host.multiaddrs().map(String)[0]!, RUN_LABEL], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child = c
    const { peerId } = await next(c, (m): m is { peerId: string } => typeof (m as { peerId?: unknown })?.peerId === 'string', 20_000)
    const connected = () => host!.libp2p.getConnections().some((x) => x.remotePeer.toString() === peerId)
    for (let i = 0; i < 100 && !connected(); i++) await new Promise((r) => setTimeout(r, 100))
    expect(connected()).toBe(true)
    // the same connection must live through the stall: a closed one is redialled at once
    const before = host.libp2p
      .getConnections()
      .filter((x) => x.remotePeer.toString() === peerId)
      .map((x) => x.id)
    const closed: string[] = []
    host.libp2p.addEventListener('connection:close', (e) => closed.push(e.detail.id))
    // 16 s: the connection monitor pings every 10 s, so a ping starts in the stall's first 10 s
    c.send({ stall: 16_000 })
    const after = await next(
      c,
      (m): m is { connections: number } => typeof (m as { connections?: unknown })?.connections === 'number',
      40_000,
    )
    expect(
      closed.filter((id) => before.includes(id)),
      'connections closed during the stall',
    ).toEqual([])
    expect(connected(), 'the unstalled side kept the connection').toBe(true)
    expect(after.connections, 'the stalled side kept the connection').toBeGreaterThan(0)
    c.send('stop')
  })
})
