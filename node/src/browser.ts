/**
 * @packageDocumentation
 * The part of the murmur peer that runs unchanged in a browser (`@murmur/node/browser`): the
 * swarm peer (round machine over libp2p, WebSockets only), its engine over any onnxruntime
 * (onnxruntime-web there) and the run of a manifest. client-web bundles this entry; nothing here
 * touches the file system unless a `dataDir` is given, which a browser never does.
 */

export { type DecodeBenchParameters, decodeTokensPerSecond } from './bench/decode.js'
export { SwarmEngine } from './swarm/engine.js'
export { type PeerRoundReport, SwarmPeer, type SwarmPeerInit, type SwarmStart } from './swarm/peer.js'
export type { PeerStatusRow } from './swarm/peer-status.js'
export { runIdHex, type SwarmRun, swarmRun } from './swarm/run.js'
export { DASHBOARD_PATH, type DashboardFeed, type DashboardRound } from './web/feed.js'
export { JOIN_PATH, type JoinInfo, JoinInfoError, joinInfoFromFragment, joinLink, parseJoinInfo } from './web/join.js'
