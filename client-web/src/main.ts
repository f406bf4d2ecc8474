import { PROTOCOL_VERSION } from '@murmur/protocol'
import { detectCapabilities, executionProvidersFor } from './capabilities.js'

const caps = detectCapabilities(navigator as Navigator & { gpu?: unknown }, globalThis.crossOriginIsolated === true)
const status = document.getElementById('status')
if (status) {
  status.textContent =
    `murmur protocol v${PROTOCOL_VERSION}. This browser would compute with ${executionProvidersFor(caps).join(' → ')}` +
    ` on ${caps.hardwareConcurrency} threads. Joining a swarm from the browser arrives with the browser-peer work.`
}
