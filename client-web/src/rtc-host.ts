/**
 * The page's half of the worker's WebRTC (see rtc-proxy.ts): it owns the real RTCPeerConnection
 * and RTCDataChannel objects the worker's stand-ins name, runs their calls, and reports their
 * events and state back over the port. Channel payloads move as transferred ArrayBuffers.
 */
import type { RtcReport, RtcRequest } from './rtc-proxy.js'

/** Serves the worker's WebRTC requests arriving on `port`; returns a function that closes everything. */
export function serveRtc(port: MessagePort): () => void {
  const pcs = new Map<number, RTCPeerConnection>()
  const dcs = new Map<number, { ch: RTCDataChannel; lastSeq: number }>()
  let inbound = -1
  const post = (m: RtcReport, transfer: Transferable[] = []) => port.postMessage(m, transfer)

  const wire = (handle: number, ch: RTCDataChannel) => {
    const entry = { ch, lastSeq: 0 }
    dcs.set(handle, entry)
    ch.binaryType = 'arraybuffer'
    const state = () => post({ k: 'dc-state', dc: handle, readyState: ch.readyState, id: ch.id })
    ch.onopen = state
    ch.onclosing = state
    ch.onclose = () => {
      state()
      dcs.delete(handle)
    }
    ch.onerror = (e) => post({ k: 'dc-error', dc: handle, message: (e as RTCErrorEvent).error?.message ?? 'data channel error' })
    ch.onmessage = (e: MessageEvent<ArrayBuffer | string>) =>
      post({ k: 'dc-message', dc: handle, data: e.data }, typeof e.data === 'string' ? [] : [e.data])
    ch.onbufferedamountlow = () => post({ k: 'dc-buffered', dc: handle, seq: entry.lastSeq, bufferedAmount: ch.bufferedAmount, low: true })
  }

  const reply = async (call: number, run: () => Promise<RTCSessionDescriptionInit | undefined>) => {
    try {
      const value = await run()
      post({ k: 'reply', call, ok: true, value: value && { type: value.type, sdp: value.sdp } })
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      post({ k: 'reply', call, ok: false, name: e.name, message: e.message })
    }
  }

  port.onmessage = (e: MessageEvent<RtcRequest>) => {
    const m = e.data
    switch (m.k) {
      case 'pc-new': {
        const pc = new RTCPeerConnection(m.config)
        pcs.set(m.pc, pc)
        pc.onconnectionstatechange = () => post({ k: 'pc-state', pc: m.pc, connectionState: pc.connectionState })
        pc.onicecandidate = ({ candidate }) => post({ k: 'pc-ice', pc: m.pc, candidate: candidate ? candidate.toJSON() : null })
        pc.onicecandidateerror = (ev) => {
          const err = ev as RTCPeerConnectionIceErrorEvent
          post({ k: 'pc-ice-error', pc: m.pc, errorCode: err.errorCode, errorText: err.errorText })
        }
        pc.ondatachannel = ({ channel }) => {
          const handle = inbound--
          // announced before wire() can forward any of its messages: the port keeps the order
          post({
            k: 'pc-datachannel',
            pc: m.pc,
            dc: handle,
            id: channel.id,
            label: channel.label,
            protocol: channel.protocol,
            readyState: channel.readyState,
          })
          wire(handle, channel)
        }
        break
      }
      case 'pc-call': {
        const pc = pcs.get(m.pc)
        if (!pc) {
          post({ k: 'reply', call: m.call, ok: false, name: 'InvalidStateError', message: 'The RTCPeerConnection is closed.' })
          break
        }
        if (m.method === 'createOffer') void reply(m.call, () => pc.createOffer())
        else if (m.method === 'createAnswer') void reply(m.call, () => pc.createAnswer())
        else if (m.method === 'setLocalDescription')
          void reply(m.call, () => pc.setLocalDescription(m.arg as RTCSessionDescriptionInit | undefined).then(() => undefined))
        else if (m.method === 'setRemoteDescription')
          void reply(m.call, () => pc.setRemoteDescription(m.arg as RTCSessionDescriptionInit).then(() => undefined))
        else void reply(m.call, () => pc.addIceCandidate(m.arg as RTCIceCandidateInit | undefined).then(() => undefined))
        break
      }
      case 'pc-close': {
        pcs.get(m.pc)?.close()
        pcs.delete(m.pc)
        break
      }
      case 'dc-create': {
        const pc = pcs.get(m.pc)
        if (!pc) {
          post({ k: 'dc-state', dc: m.dc, readyState: 'closed', id: null })
          break
        }
        const ch = pc.createDataChannel(m.label, m.init)
        wire(m.dc, ch)
        if (ch.id !== null) post({ k: 'dc-state', dc: m.dc, readyState: ch.readyState, id: ch.id })
        break
      }
      case 'dc-send': {
        const entry = dcs.get(m.dc)
        if (!entry) break
        entry.lastSeq = m.seq
        try {
          entry.ch.send(m.data)
        } catch (err) {
          post({ k: 'dc-error', dc: m.dc, message: err instanceof Error ? err.message : String(err) })
        }
        post({ k: 'dc-buffered', dc: m.dc, seq: m.seq, bufferedAmount: entry.ch.bufferedAmount, low: false })
        break
      }
      case 'dc-threshold': {
        const entry = dcs.get(m.dc)
        if (entry) entry.ch.bufferedAmountLowThreshold = m.value
        break
      }
      case 'dc-close': {
        dcs.get(m.dc)?.ch.close()
        break
      }
    }
  }
  port.start()
  return () => {
    for (const pc of pcs.values()) pc.close()
    pcs.clear()
    dcs.clear()
    port.close()
  }
}
