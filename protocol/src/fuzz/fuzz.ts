/**
 * A seeded mutation fuzzer for murmur's decoders and verifiers. Every input a peer can send
 * ends in a value, a verdict, or one of the protocol's typed errors (ProtocolError and its
 * subclasses, matched by name); anything else thrown — a TypeError, a RangeError from a view
 * past the end, an allocation sized by an unchecked length — is a crash.
 *
 * Inputs are drawn from the target's seed corpus (valid encodings) by mutations that find
 * decoder bugs in practice: bit flips, interesting bytes (0, 0x7f, 0x80, 0xff), 32-bit fields
 * overwritten with huge or zero lengths, truncation, extension, insertion, deletion, duplication
 * of a range, splices of two seeds; and plain random bytes. The run is a pure function of its
 * seed. Inputs that produce an outcome not seen before (accepted, or an error message of a new
 * shape: digits stripped) are kept, up to a bound: the corpus worth saving.
 *
 * Why our own: the mature fuzzers (libFuzzer, AFL, jazzer.js) instrument native or JVM code, or
 * need a native build that this project cannot download; decoders here are pure TypeScript and
 * a seeded mutator over their golden vectors finds what coverage guidance would on formats
 * this small.
 */
import { concatBytes as concat } from '../bytes/bytes.js'
import { createRng, deriveSeed, type Rng } from '../random/rng.js'

export interface FuzzTarget {
  name: string
  /** Valid inputs to mutate (golden encodings). */
  seeds: readonly Uint8Array[]
  /** Runs the decoder or verifier; returns normally (a value or a verdict) or throws. */
  run(bytes: Uint8Array): unknown
}

export interface FuzzCrash {
  /** The input, hex. */
  input: string
  error: string
}

export interface FuzzReport {
  target: string
  inputs: number
  /** Inputs that decoded, or that a verifier accepted. */
  accepted: number
  /** Typed errors by name, and verifiers' rejections by reason. */
  rejected: Record<string, number>
  crashes: FuzzCrash[]
  /** Inputs with an outcome not seen before (at most `keep`). */
  interesting: Uint8Array[]
}

/** Names of the errors a decoder may throw on a peer's bytes (protocol/src/errors.ts). */
const TYPED_ERRORS = new Set([
  'ProtocolError',
  'InvalidArgumentError',
  'MessageDecodeError',
  'ModelFormatError',
  'TaskSpecError',
  'DatasetFormatError',
  'TokenizerFormatError',
])

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]

/** One mutation of `base` (or of a splice with `other`), at most `maxBytes` long. */
export function mutate(rng: Rng, base: Uint8Array, other: Uint8Array, maxBytes: number): Uint8Array {
  const pick = (n: number) => (n <= 0 ? 0 : rng.nextInt(n))
  let out: Uint8Array = base.slice()
  const rounds = 1 + pick(4)
  for (let k = 0; k < rounds; k++) {
    const n = out.length
    switch (pick(10)) {
      case 0: // flip 1–8 bits
        for (let i = 1 + pick(8); i > 0 && n > 0; i--) {
          const at = pick(n)
          out[at] = out[at]! ^ (1 << pick(8))
        }
        break
      case 1: // an interesting byte
        if (n > 0) out[pick(n)] = INTERESTING_BYTES[pick(INTERESTING_BYTES.length)]!
        break
      case 2: {
        // a 32-bit field (length, count, offset) set to a huge, zero or off-by-one value
        if (n < 4) break
        const at = pick(n - 3)
        const v = [0xffffffff, 0x7fffffff, 0x80000000, 0, 1, n, n + 1][pick(7)]!
        for (let i = 0; i < 4; i++) out[at + i] = (v >>> (8 * (rng.nextInt(2) ? i : 3 - i))) & 0xff
        break
      }
      case 3: // truncate
        out = out.slice(0, pick(n + 1))
        break
      case 4: {
        // extend with random bytes
        const extra = new Uint8Array(1 + pick(64))
        for (let i = 0; i < extra.length; i++) extra[i] = pick(256)
        out = concat(out, extra)
        break
      }
      case 5: {
        // insert random bytes
        const at = pick(n + 1)
        const ins = new Uint8Array(1 + pick(16))
        for (let i = 0; i < ins.length; i++) ins[i] = pick(256)
        out = concat(out.slice(0, at), ins, out.slice(at))
        break
      }
      case 6: {
        // delete a range
        const at = pick(n + 1)
        out = concat(out.slice(0, at), out.slice(Math.min(n, at + 1 + pick(16))))
        break
      }
      case 7: {
        // duplicate a range
        if (n === 0) break
        const at = pick(n)
        const len = 1 + pick(Math.min(64, n - at))
        out = concat(out.slice(0, at + len), out.slice(at, at + len), out.slice(at + len))
        break
      }
      case 8: // splice: a prefix of this one and a suffix of another
        out = concat(out.slice(0, pick(n + 1)), other.slice(pick(other.length + 1)))
        break
      default: {
        // random bytes
        const r = new Uint8Array(pick(Math.max(2, 2 * n)))
        for (let i = 0; i < r.length; i++) r[i] = pick(256)
        out = r
      }
    }
  }
  return out.length > maxBytes ? out.slice(0, maxBytes) : out
}

const isRejection = (v: unknown): v is { ok: false; reason: string } =>
  typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false && typeof (v as { reason?: unknown }).reason === 'string'

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

/**
 * Feeds `target` `inputs` mutated inputs (and its seeds, first). Deterministic in `seed`.
 * `onProgress` is called every `progressEvery` inputs (the benchmark's progress line).
 */
export function fuzzTarget(
  target: FuzzTarget,
  {
    inputs,
    seed = 'murmur/fuzz/v1',
    maxInputBytes = 1 << 16,
    keep = 64,
    maxCrashes = 16,
    onProgress,
    progressEvery = 100_000,
  }: {
    inputs: number
    seed?: string
    maxInputBytes?: number
    keep?: number
    maxCrashes?: number
    onProgress?: (done: number) => void
    progressEvery?: number
  },
): FuzzReport {
  if (target.seeds.length === 0) throw new Error(`Fuzz target ${target.name} has no seeds.`)
  const rng = createRng(deriveSeed(seed, target.name))
  const report: FuzzReport = { target: target.name, inputs: 0, accepted: 0, rejected: {}, crashes: [], interesting: [] }
  const seen = new Set<string>()
  const one = (bytes: Uint8Array) => {
    report.inputs++
    let outcome: string
    try {
      const out = target.run(bytes)
      if (isRejection(out)) {
        // a verifier's verdict: counted by its reason, like a decoder's typed error
        report.rejected[out.reason] = (report.rejected[out.reason] ?? 0) + 1
        outcome = `verdict ${out.reason}`
      } else {
        report.accepted++
        outcome = 'accepted'
      }
    } catch (err) {
      const name = err instanceof Error ? err.name : typeof err
      const message = err instanceof Error ? err.message : String(err)
      if (err instanceof Error && TYPED_ERRORS.has(name)) {
        report.rejected[name] = (report.rejected[name] ?? 0) + 1
        outcome = `${name}: ${message.replace(/\d+/g, '#').replace(/0x[0-9a-f#]+/gi, '0x…')}`
      } else {
        if (report.crashes.length < maxCrashes) report.crashes.push({ input: hex(bytes), error: `${name}: ${message}` })
        outcome = `crash ${name}: ${message.replace(/\d+/g, '#')}`
      }
    }
    if (!seen.has(outcome)) {
      seen.add(outcome)
      if (report.interesting.length < keep) report.interesting.push(bytes)
    }
  }
  for (const s of target.seeds) one(s)
  const seeds = target.seeds
  for (let i = 0; i < inputs; i++) {
    const base = seeds[rng.nextInt(seeds.length)]!
    const other = seeds[rng.nextInt(seeds.length)]!
    one(mutate(rng, base, other, maxInputBytes))
    if (onProgress && (i + 1) % progressEvery === 0) onProgress(i + 1)
  }
  return report
}
