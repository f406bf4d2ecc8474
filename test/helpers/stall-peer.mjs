// A murmur host in a process of its own, whose event loop the test stalls on request (as a
// peer compressing and signing a big delta, or a throttled background tab, stalls its own):
// net-stall.test.ts. Messages: in `{ stall: ms }`, `'stop'`; out `{ peerId }`, `{ stalled, connections }`.
import { createMurmurHost } from '@murmur/node'
import { deriveSeed } from '@murmur/protocol'

const [bootstrap, runLabel] = process.argv.slice(2)
const host = await createMurmurHost({
  privateKey: deriveSeed('murmur/test/stall/key'),
  runId: deriveSeed(runLabel),
  validate: () => ({ ok: true }),
  transports: ['tcp'],
  bootstrap: [bootstrap],
})
process.on('message', async (m) => {
  if (m && typeof m === 'object' && typeof m.stall === 'number') {
    const until = Date.now() + m.stall
    while (Date.now() < until) {
      // the stall: nothing else runs in this process, pings to it included
    }
    // let the sockets' pending events run before counting
    await new Promise((r) => setTimeout(r, 500))
    process.send({ stalled: m.stall, connections: host.libp2p.getConnections().length })
  }
  if (m === 'stop') {
    await host.stop()
    process.exit(0)
  }
})
process.send({ peerId: host.peerId.toString() })
