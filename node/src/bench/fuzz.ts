/**
 * `fuzz` benchmark (issue #10): every decoder and gossip verifier of the protocol, and the
 * node's parsers of untrusted bytes (/murmur/blob/1 and /murmur/evidence/1 requests, evidence
 * answers from other validators, the join link a browser opens), fed 10^6 mutated and
 * random inputs each (20,000 with --quick), seeded. Reports inputs, accepted, typed rejections,
 * crashes (anything thrown that is not a typed protocol error), inputs per second and the heap
 * after each target (memory stays bounded: decoders must not size allocations from a peer's
 * claims). With an output directory, the inputs whose outcome was new are kept there as a corpus
 * (`fuzz-corpus/<target>/NNN.bin`); `protocol/src/fuzz/fuzz.test.ts` runs a short slice in CI.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type FuzzReport, type FuzzTarget, fuzzTarget, fuzzTargets, hashRunManifest, toHex } from '@murmur/protocol'
import { decodeBlobRequest, encodeBlobRequest } from '../net/blob-protocol.js'
import {
  decodeEvidenceIndex,
  decodeEvidenceRequest,
  decodeRoundEvidenceWire,
  encodeEvidenceIndex,
  encodeEvidenceRequest,
  encodeRoundEvidenceWire,
} from '../net/evidence-protocol.js'
import { type JoinInfo, JoinInfoError, joinInfoFromFragment } from '../web/join.js'
import { type Benchmark, machineInfo } from './report.js'

/** A join object's bytes as a link fragment (base64url, as joinLink writes it). */
const fragmentOf = (bytes: Uint8Array) => `#join=${Buffer.from(bytes).toString('base64url')}`

/** Rethrows the node's own typed rejections under the name the fuzz harness counts as typed. */
const typed = (run: () => unknown, names: readonly string[]) => {
  try {
    return run()
  } catch (err) {
    if (err instanceof Error && names.includes(err.name)) throw Object.assign(new Error(err.message), { name: 'ProtocolError' })
    throw err
  }
}

/** The node's own parsers of untrusted bytes: stream requests and answers, and join links. */
export function nodeFuzzTargets(): FuzzTarget[] {
  const run = new Uint8Array(32).fill(7)
  const body = new Uint8Array(64).fill(3)
  const join: JoinInfo = {
    v: 1,
    runId: `0x${toHex(hashRunManifest(Uint8Array.of(1, 2)))}`,
    manifest: '0x0102',
    bootstrap: ['/ip4/127.0.0.1/tcp/4002/ws/p2p/16Uiu2HAmAPBMvuoozXA4fz67Uzm5UWsmXMBtLCT2J88ZpAwTFfkd'],
    chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, ledger: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    ice: [{ urls: ['stun:stun.example.org:3478'] }, { urls: ['turns:turn.example.org:5349'], username: 'u', credential: 'c' }],
  }
  return [
    {
      name: '/murmur/blob/1 request',
      seeds: [encodeBlobRequest(run), encodeBlobRequest(run, { offset: 1 << 20, length: 1 << 20 })],
      run: (b) => {
        if (decodeBlobRequest(b) === null) throw Object.assign(new Error('not a request'), { name: 'ProtocolError' })
      },
    },
    {
      name: '/murmur/evidence/1 request',
      seeds: [encodeEvidenceRequest({ kind: 'index', run }), encodeEvidenceRequest({ kind: 'round', run, round: 42n })],
      run: decodeEvidenceRequest,
    },
    {
      name: '/murmur/evidence/1 index answer',
      seeds: [encodeEvidenceIndex({ manifestBytes: body, rounds: [0n, 1n, 7n] })],
      run: decodeEvidenceIndex,
    },
    {
      name: '/murmur/evidence/1 round answer',
      seeds: [
        encodeRoundEvidenceWire({
          round: 7n,
          roundResultBody: body,
          signatures: [{ validator: new Uint8Array(20).fill(1), envelope: body }],
          deltas: [body],
          groups: [body, body.subarray(8)],
          offenses: [body.subarray(4)],
        }),
      ],
      run: (b) => decodeRoundEvidenceWire(b),
    },
    {
      name: 'join link',
      seeds: [new TextEncoder().encode(JSON.stringify(join))],
      run: (b) => typed(() => joinInfoFromFragment(fragmentOf(b)), [JoinInfoError.name]),
    },
  ]
}

export const fuzzBenchmark: Benchmark = {
  name: 'fuzz',
  description: 'every decoder, gossip verifier and stream parser fed 10^6 seeded mutated inputs: crashes, rejections, inputs/s, heap',
  async run({ quick, log, outDir }) {
    const startedAt = new Date().toISOString()
    const inputs = quick ? 20_000 : 1_000_000
    const rows: (FuzzReport & { seconds: number; heapMiB: number })[] = []
    for (const target of [...fuzzTargets(), ...nodeFuzzTargets()]) {
      const t0 = performance.now()
      const report = fuzzTarget(target, {
        inputs,
        onProgress: (done) => log(`  ${target.name}: ${done} inputs, ${((performance.now() - t0) / 1000).toFixed(0)} s`),
        progressEvery: 250_000,
      })
      const seconds = (performance.now() - t0) / 1000
      const heapMiB = process.memoryUsage().heapUsed / 2 ** 20
      rows.push({ ...report, seconds, heapMiB })
      log(`fuzz: ${target.name}: ${report.inputs} inputs in ${seconds.toFixed(1)} s, ${report.crashes.length} crashes`)
      if (outDir) {
        const dir = join(outDir, 'fuzz-corpus', target.name.replace(/[^\w.-]+/g, '-'))
        mkdirSync(dir, { recursive: true })
        for (const [i, b] of report.interesting.entries()) writeFileSync(join(dir, `${String(i).padStart(3, '0')}.bin`), b)
      }
    }
    const crashes = rows.reduce((n, r) => n + r.crashes.length, 0)
    return {
      name: 'fuzz',
      startedAt,
      machine: machineInfo(),
      results: {
        inputsPerTarget: inputs,
        targets: rows.map(({ interesting, ...r }) => ({ ...r, kept: interesting.length })),
        crashes,
        maxHeapMiB: Math.max(...rows.map((r) => r.heapMiB)),
      },
      table: {
        headers: ['target', 'inputs', 'accepted', 'typed rejections', 'crashes', 'inputs/s', 'heap MiB after', 'kept'],
        rows: rows.map((r) => [
          r.target,
          r.inputs,
          r.accepted,
          Object.values(r.rejected).reduce((a, b) => a + b, 0),
          r.crashes.length,
          Math.round(r.inputs / r.seconds),
          r.heapMiB.toFixed(0),
          r.interesting.length,
        ]),
      },
      notes: [
        `${inputs} mutated inputs per target (bit flips, interesting bytes, 32-bit length fields set huge or zero, truncation, extension, insertion, deletion, duplication, splices of valid encodings, random bytes), seeded: the same run every time`,
        `crashes: ${crashes} (anything thrown that is not a typed protocol error; the first ones are listed with their input in the JSON)`,
        'a hang would stop the run here; none did',
      ],
    }
  },
}
