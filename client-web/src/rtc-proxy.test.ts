/**
 * The worker's WebRTC stand-ins against the wire rtc-host.ts speaks: the page's side is played
 * here by the test, message by message (the real pairing runs in test/e2e/browser-webrtc).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { installRtcProxy, type ProxyDataChannel, type ProxyPeerConnection, type RtcReport, type RtcRequest } from './rtc-proxy.js'

const g = globalThis as unknown as Record<string, unknown>
const saved = { pc: g.RTCPeerConnection, sd: g.RTCSessionDescription, ic: g.RTCIceCandidate }
let channel: MessageChannel
afterEach(() => {
  channel.port1.close()
  channel.port2.close()
  Object.assign(g, { RTCPeerConnection: saved.pc, RTCSessionDescription: saved.sd, RTCIceCandidate: saved.ic })
})

/** Installs the stand-ins; returns the page's end: what the worker asked, and a way to report. */
function page() {
  channel = new MessageChannel()
  installRtcProxy(channel.port2)
  const requests: RtcRequest[] = []
  const waiters: (() => void)[] = []
  channel.port1.onmessage = (e: MessageEvent<RtcRequest>) => {
    requests.push(e.data)
    for (const w of waiters.splice(0)) w()
  }
  const next = async <K extends RtcRequest['k']>(k: K): Promise<Extract<RtcRequest, { k: K }>> => {
    for (;;) {
      const i = requests.findIndex((r) => r.k === k)
      if (i >= 0) return requests.splice(i, 1)[0] as Extract<RtcRequest, { k: K }>
      await new Promise<void>((r) => waiters.push(r))
    }
  }
  const report = (m: RtcReport) => channel.port1.postMessage(m)
  const settle = () => new Promise((r) => setTimeout(r, 20))
  return { next, report, settle }
}

const newPc = () => new (g.RTCPeerConnection as new (c?: RTCConfiguration) => ProxyPeerConnection)({ iceServers: [] })

describe('the worker’s RTCPeerConnection stand-in', () => {
  it('runs offer/answer calls on the page, and rejects with the page’s error', async () => {
    const p = page()
    const pc = newPc()
    expect((await p.next('pc-new')).config).toEqual({ iceServers: [] })
    const offer = pc.createOffer()
    const call = await p.next('pc-call')
    expect(call.method).toBe('createOffer')
    p.report({ k: 'reply', call: call.call, ok: true, value: { type: 'offer', sdp: 'v=0' } })
    expect(await offer).toEqual({ type: 'offer', sdp: 'v=0' })

    const Description = g.RTCSessionDescription as new (i: RTCSessionDescriptionInit) => unknown
    const set = pc.setRemoteDescription(new Description({ type: 'answer', sdp: 'bad' }) as RTCSessionDescriptionInit)
    const call2 = await p.next('pc-call')
    expect(call2).toMatchObject({ method: 'setRemoteDescription', arg: { type: 'answer', sdp: 'bad' } })
    p.report({ k: 'reply', call: call2.call, ok: false, name: 'OperationError', message: 'Failed to parse SessionDescription.' })
    await expect(set).rejects.toMatchObject({ name: 'OperationError', message: 'Failed to parse SessionDescription.' })
  })

  it('fires state, candidate and data-channel events as a page object would, handler attribute and listeners alike', async () => {
    const p = page()
    const pc = newPc()
    const seen: string[] = []
    pc.addEventListener('connectionstatechange', () => seen.push(`listener ${pc.connectionState}`))
    pc.onconnectionstatechange = () => seen.push(`handler ${pc.connectionState}`)
    pc.onicecandidate = (e) => seen.push(`candidate ${JSON.stringify(e.candidate?.toJSON() ?? null)}`)
    let inbound: ProxyDataChannel | undefined
    pc.ondatachannel = (e) => {
      inbound = e.channel
      e.channel.onmessage = (m) => seen.push(`message ${new Uint8Array(m.data as ArrayBuffer)}`)
    }
    const { pc: id } = await p.next('pc-new')
    p.report({
      k: 'pc-ice',
      pc: id,
      candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.2 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    })
    p.report({ k: 'pc-ice', pc: id, candidate: null })
    p.report({ k: 'pc-state', pc: id, connectionState: 'connected' })
    p.report({ k: 'pc-datachannel', pc: id, dc: -1, id: 3, label: '', protocol: '', readyState: 'open' })
    p.report({ k: 'dc-message', dc: -1, data: Uint8Array.of(1, 2).buffer })
    await p.settle()
    expect(seen).toEqual([
      'candidate {"candidate":"candidate:1 1 udp 1 192.0.2.2 5000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":null}',
      'candidate null',
      'listener connected',
      'handler connected',
      'message 1,2',
    ])
    expect(inbound).toMatchObject({ id: 3, readyState: 'open' })
  })

  it('keeps a channel’s readyState and bufferedAmount from the page’s reports, and sends copies', async () => {
    const p = page()
    const pc = newPc()
    await p.next('pc-new')
    const dc = pc.createDataChannel('', { protocol: '/meshsub/1.2.0' })
    const created = await p.next('dc-create')
    expect(created).toMatchObject({ label: '', init: { protocol: '/meshsub/1.2.0' } })
    expect(dc.id).toBe(65_536 + created.dc) // no SCTP id yet: named past the 16-bit space
    expect(() => dc.send(Uint8Array.of(1))).toThrow(/readyState is 'connecting'/)

    let opened = 0
    dc.onopen = () => opened++
    p.report({ k: 'dc-state', dc: created.dc, readyState: 'open', id: 4 })
    await p.settle()
    expect([opened, dc.id, dc.readyState]).toEqual([1, 4, 'open'])

    const bytes = new Uint8Array(100).fill(9)
    dc.send(bytes.subarray(10, 50))
    dc.send(bytes)
    expect(bytes[0]).toBe(9) // the caller's buffer is not transferred away
    expect(dc.bufferedAmount).toBe(140)
    const first = await p.next('dc-send')
    expect(new Uint8Array(first.data)).toEqual(new Uint8Array(40).fill(9))
    const second = await p.next('dc-send')

    let low = 0
    dc.bufferedAmountLowThreshold = 0
    expect(await p.next('dc-threshold')).toMatchObject({ value: 0 })
    dc.onbufferedamountlow = () => low++
    p.report({ k: 'dc-buffered', dc: created.dc, seq: first.seq, bufferedAmount: 40, low: false })
    await p.settle()
    expect(dc.bufferedAmount).toBe(140) // 40 still on the page, 100 on their way to it
    // a low report older than a send in flight is passed on only once nothing is buffered
    p.report({ k: 'dc-buffered', dc: created.dc, seq: first.seq, bufferedAmount: 0, low: true })
    await p.settle()
    expect(low).toBe(0)
    p.report({ k: 'dc-buffered', dc: created.dc, seq: second.seq, bufferedAmount: 0, low: true })
    await p.settle()
    expect([low, dc.bufferedAmount]).toEqual([1, 0])

    dc.close()
    expect(dc.readyState).toBe('closing')
    expect(await p.next('dc-close')).toMatchObject({ dc: created.dc })
  })

  it('ends its channels without events when closed, and refuses new ones', async () => {
    const p = page()
    const pc = newPc()
    await p.next('pc-new')
    const dc = pc.createDataChannel('init')
    let events = 0
    dc.onclose = () => events++
    pc.close()
    expect((await p.next('pc-close')).pc).toBeGreaterThan(0)
    expect([pc.connectionState, dc.readyState, events]).toEqual(['closed', 'closed', 0])
    expect(() => pc.createDataChannel('late')).toThrow(/closed/)
  })
})
