/**
 * WebRTC for the peer's worker. Browsers expose RTCPeerConnection on the page only, never in a
 * Worker (w3c/webrtc-pc#3131), and RTCDataChannel cannot be transferred to a worker in Chromium.
 * The peer (libp2p, the round machine, onnxruntime-web) lives in a worker so the page never
 * blocks, so the worker gets stand-ins: RTCPeerConnection, RTCDataChannel, RTCSessionDescription
 * and RTCIceCandidate classes that forward every call over a MessagePort to the page, where
 * rtc-host.ts owns the real objects and sends their events back.
 *
 * The stand-ins cover what @libp2p/webrtc uses (its private-to-private transport, muxer and
 * stream): offer/answer, ICE candidates, data channels with flow control. Properties a page
 * object answers synchronously are kept here from the page's events: `connectionState`,
 * `readyState`, `id`, and `bufferedAmount` (the page's last report plus what was sent since).
 * Everything on the port is ordered, so a channel's `datachannel` event precedes its messages.
 */

/** The wire between worker and page: what the worker asks. */
export type RtcRequest =
  | { k: 'pc-new'; pc: number; config: RTCConfiguration }
  | { k: 'pc-call'; pc: number; call: number; method: PeerConnectionMethod; arg?: unknown }
  | { k: 'pc-close'; pc: number }
  | { k: 'dc-create'; pc: number; dc: number; label: string; init?: RTCDataChannelInit }
  | { k: 'dc-send'; dc: number; seq: number; data: ArrayBuffer }
  | { k: 'dc-threshold'; dc: number; value: number }
  | { k: 'dc-close'; dc: number }

/** The wire between worker and page: what the page reports. */
export type RtcReport =
  | { k: 'reply'; call: number; ok: true; value?: RTCSessionDescriptionInit }
  | { k: 'reply'; call: number; ok: false; name: string; message: string }
  | { k: 'pc-state'; pc: number; connectionState: RTCPeerConnectionState }
  | { k: 'pc-ice'; pc: number; candidate: RTCIceCandidateInit | null }
  | { k: 'pc-ice-error'; pc: number; errorCode: number; errorText: string }
  | { k: 'pc-datachannel'; pc: number; dc: number; id: number | null; label: string; protocol: string; readyState: RTCDataChannelState }
  | { k: 'dc-state'; dc: number; readyState: RTCDataChannelState; id: number | null }
  | { k: 'dc-message'; dc: number; data: ArrayBuffer | string }
  | { k: 'dc-buffered'; dc: number; seq: number; bufferedAmount: number; low: boolean }
  | { k: 'dc-error'; dc: number; message: string }

export type PeerConnectionMethod = 'createOffer' | 'createAnswer' | 'setLocalDescription' | 'setRemoteDescription' | 'addIceCandidate'

/**
 * Ids for the page's side, per worker: inbound channels get ids counting down from -1, channels
 * this side opens count up from 1, so both ends can name a channel without a round trip.
 */
class Bridge {
  readonly pcs = new Map<number, ProxyPeerConnection>()
  readonly dcs = new Map<number, ProxyDataChannel>()
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private nextPc = 1
  private nextDc = 1
  private nextCall = 1

  constructor(private readonly port: MessagePort) {
    port.onmessage = (e: MessageEvent<RtcReport>) => this.onReport(e.data)
    port.start()
  }

  post(m: RtcRequest, transfer: Transferable[] = []): void {
    this.port.postMessage(m, transfer)
  }

  pcId(): number {
    return this.nextPc++
  }

  dcId(): number {
    return this.nextDc++
  }

  call(pc: number, method: PeerConnectionMethod, arg?: unknown): Promise<unknown> {
    const call = this.nextCall++
    return new Promise((resolve, reject) => {
      this.calls.set(call, { resolve, reject })
      this.post({ k: 'pc-call', pc, call, method, arg })
    })
  }

  private onReport(m: RtcReport): void {
    if (m.k === 'reply') {
      const c = this.calls.get(m.call)
      this.calls.delete(m.call)
      if (!c) return
      if (m.ok) c.resolve(m.value)
      else c.reject(Object.assign(new Error(m.message), { name: m.name }))
      return
    }
    if (m.k.startsWith('pc-')) {
      const pc = this.pcs.get((m as { pc: number }).pc)
      pc?.onReport(m)
      return
    }
    this.dcs.get((m as { dc: number }).dc)?.onReport(m)
  }
}

/** Calls `on<type>` after the listeners, as a page object's event handler attribute would be. */
function emit(target: EventTarget, event: Event): void {
  target.dispatchEvent(event)
  const handler = (target as unknown as Record<string, unknown>)[`on${event.type}`]
  if (typeof handler === 'function') handler.call(target, event)
}

const eventWith = <T extends object>(type: string, fields: T): Event & T => Object.assign(new Event(type), fields)

export class ProxySessionDescription {
  readonly type: RTCSdpType
  readonly sdp: string
  constructor(init: RTCSessionDescriptionInit) {
    this.type = init.type
    this.sdp = init.sdp ?? ''
  }
  toJSON(): RTCSessionDescriptionInit {
    return { type: this.type, sdp: this.sdp }
  }
}

export class ProxyIceCandidate {
  readonly candidate: string
  readonly sdpMid: string | null
  readonly sdpMLineIndex: number | null
  readonly usernameFragment: string | null
  constructor(init: RTCIceCandidateInit = {}) {
    this.candidate = init.candidate ?? ''
    this.sdpMid = init.sdpMid ?? null
    this.sdpMLineIndex = init.sdpMLineIndex ?? null
    this.usernameFragment = init.usernameFragment ?? null
  }
  toJSON(): RTCIceCandidateInit {
    return { candidate: this.candidate, sdpMid: this.sdpMid, sdpMLineIndex: this.sdpMLineIndex, usernameFragment: this.usernameFragment }
  }
}

/** Plain data for the port: a description or candidate object from either class, or its init. */
function plain(v: unknown): unknown {
  if (v && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return (v as { toJSON(): unknown }).toJSON()
  return v
}

export class ProxyPeerConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new'
  onconnectionstatechange: ((e: Event) => void) | null = null
  onicecandidate: ((e: Event & { candidate: ProxyIceCandidate | null }) => void) | null = null
  onicecandidateerror: ((e: Event) => void) | null = null
  ondatachannel: ((e: Event & { channel: ProxyDataChannel }) => void) | null = null
  private readonly id: number
  private readonly channels = new Set<ProxyDataChannel>()

  constructor(
    private readonly bridge: Bridge,
    config: RTCConfiguration = {},
  ) {
    super()
    this.id = bridge.pcId()
    bridge.pcs.set(this.id, this)
    bridge.post({ k: 'pc-new', pc: this.id, config: JSON.parse(JSON.stringify(config)) })
  }

  createOffer(): Promise<RTCSessionDescriptionInit> {
    return this.bridge.call(this.id, 'createOffer') as Promise<RTCSessionDescriptionInit>
  }

  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return this.bridge.call(this.id, 'createAnswer') as Promise<RTCSessionDescriptionInit>
  }

  async setLocalDescription(d?: RTCSessionDescriptionInit): Promise<void> {
    await this.bridge.call(this.id, 'setLocalDescription', plain(d))
  }

  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    await this.bridge.call(this.id, 'setRemoteDescription', plain(d))
  }

  async addIceCandidate(c?: RTCIceCandidateInit | null): Promise<void> {
    await this.bridge.call(this.id, 'addIceCandidate', plain(c) ?? undefined)
  }

  createDataChannel(label: string, init?: RTCDataChannelInit): ProxyDataChannel {
    if (this.connectionState === 'closed') throw new DOMException('The RTCPeerConnection is closed.', 'InvalidStateError')
    const dc = new ProxyDataChannel(this.bridge, this.bridge.dcId(), label, init?.protocol ?? '', 'connecting', null)
    this.channels.add(dc)
    this.bridge.post({ k: 'dc-create', pc: this.id, dc: dc.handle, label, init })
    return dc
  }

  close(): void {
    if (this.connectionState === 'closed') return
    this.connectionState = 'closed'
    this.bridge.post({ k: 'pc-close', pc: this.id })
    this.bridge.pcs.delete(this.id)
    // as on a page: the channels end with the connection, without events
    for (const dc of this.channels) dc.ended()
    this.channels.clear()
  }

  /** @internal */
  onReport(m: RtcReport): void {
    if (m.k === 'pc-state') {
      if (this.connectionState === 'closed') return
      this.connectionState = m.connectionState
      emit(this, new Event('connectionstatechange'))
    } else if (m.k === 'pc-ice') {
      emit(this, eventWith('icecandidate', { candidate: m.candidate ? new ProxyIceCandidate(m.candidate) : null }))
    } else if (m.k === 'pc-ice-error') {
      emit(this, eventWith('icecandidateerror', { errorCode: m.errorCode, errorText: m.errorText }))
    } else if (m.k === 'pc-datachannel') {
      const dc = new ProxyDataChannel(this.bridge, m.dc, m.label, m.protocol, m.readyState, m.id)
      this.channels.add(dc)
      emit(this, eventWith('datachannel', { channel: dc }))
    }
  }
}

export class ProxyDataChannel extends EventTarget {
  binaryType: BinaryType = 'arraybuffer'
  onopen: ((e: Event) => void) | null = null
  onclosing: ((e: Event) => void) | null = null
  onclose: ((e: Event) => void) | null = null
  onerror: ((e: Event) => void) | null = null
  onmessage: ((e: MessageEvent) => void) | null = null
  onbufferedamountlow: ((e: Event) => void) | null = null
  private threshold = 0
  /** The page's bufferedAmount as of send `acked`, and the sizes of the sends after it. */
  private reported = 0
  private acked = 0
  private inFlight: { seq: number; bytes: number }[] = []
  private seq = 0

  constructor(
    private readonly bridge: Bridge,
    /** The page's name for this channel (not the SCTP stream id). */
    readonly handle: number,
    readonly label: string,
    readonly protocol: string,
    public readyState: RTCDataChannelState,
    private sctpId: number | null,
  ) {
    super()
    bridge.dcs.set(handle, this)
  }

  /**
   * The SCTP stream id once the page knows it. libp2p names a stream by it; a channel this side
   * opened before the connection was up has none yet, so it is named by its handle instead,
   * offset past the 16-bit id space so the two cannot collide.
   */
  get id(): number {
    return this.sctpId ?? 65_536 + this.handle
  }

  get bufferedAmount(): number {
    return this.reported + this.inFlight.reduce((n, s) => n + s.bytes, 0)
  }

  get bufferedAmountLowThreshold(): number {
    return this.threshold
  }

  set bufferedAmountLowThreshold(value: number) {
    this.threshold = value
    this.bridge.post({ k: 'dc-threshold', dc: this.handle, value })
  }

  send(data: ArrayBuffer | ArrayBufferView | string): void {
    if (this.readyState !== 'open')
      throw new DOMException(`RTCDataChannel.readyState is '${this.readyState}', not 'open'`, 'InvalidStateError')
    if (typeof data === 'string') data = new TextEncoder().encode(data)
    const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    const copy = view.slice().buffer // the caller keeps its buffer: transfer a copy
    const seq = ++this.seq
    this.inFlight.push({ seq, bytes: copy.byteLength })
    this.bridge.post({ k: 'dc-send', dc: this.handle, seq, data: copy }, [copy])
  }

  close(): void {
    if (this.readyState === 'closing' || this.readyState === 'closed') return
    this.readyState = 'closing'
    this.bridge.post({ k: 'dc-close', dc: this.handle })
  }

  /** @internal The connection closed: the channel is gone, without events. */
  ended(): void {
    this.readyState = 'closed'
    this.bridge.dcs.delete(this.handle)
  }

  /** @internal */
  onReport(m: RtcReport): void {
    if (m.k === 'dc-state') {
      if (m.id !== null) this.sctpId = m.id
      if (this.readyState === m.readyState) return
      this.readyState = m.readyState
      if (m.readyState === 'closed') this.bridge.dcs.delete(this.handle)
      const type = m.readyState === 'open' ? 'open' : m.readyState === 'closing' ? 'closing' : m.readyState === 'closed' ? 'close' : null
      if (type) emit(this, new Event(type))
    } else if (m.k === 'dc-message') {
      emit(this, new MessageEvent('message', { data: m.data }))
    } else if (m.k === 'dc-buffered') {
      if (m.seq >= this.acked) {
        this.acked = m.seq
        this.reported = m.bufferedAmount
        this.inFlight = this.inFlight.filter((s) => s.seq > m.seq)
      }
      if (m.low && this.bufferedAmount <= this.threshold) emit(this, new Event('bufferedamountlow'))
    } else if (m.k === 'dc-error') {
      emit(this, eventWith('error', { error: new Error(m.message) }))
    }
  }
}

/**
 * Installs the stand-ins as the worker's RTCPeerConnection, RTCSessionDescription and
 * RTCIceCandidate. @libp2p/webrtc reads them when its module is evaluated, so this must run
 * before the peer loads it (the host imports it only when the 'webrtc' transport is asked for).
 */
export function installRtcProxy(port: MessagePort): void {
  const bridge = new Bridge(port)
  const g = globalThis as unknown as Record<string, unknown>
  g.RTCPeerConnection = class RTCPeerConnection extends ProxyPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(bridge, config)
    }
  }
  g.RTCSessionDescription = ProxySessionDescription
  g.RTCIceCandidate = ProxyIceCandidate
}

/** Whether this global scope has an RTCPeerConnection: a page's own, or the stand-ins installed here. */
export const hasRtcPeerConnection = (): boolean => typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection === 'function'
