// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Task specs: plain data naming a task family and its difficulty knobs, for run manifests.
 *
 * {@link normalizeTaskSpec} validates a spec and fills defaults; {@link encodeTaskSpec} gives
 * its canonical bytes (what a manifest hash covers), {@link decodeTaskSpec} reads them back and
 * rejects anything non-canonical. Layout, little-endian:
 *
 *   u8 version (= TASK_SPEC_VERSION) ‖ u32 len ‖ family (UTF-8) ‖ knobs in schema order
 *
 * where every knob is a u32, except `datasetHash`, which is 32 raw bytes.
 */
import { InvalidArgumentError, MessageDecodeError, TaskSpecError } from '../errors.js'

export const TASK_SPEC_VERSION = 1

export type ArithmeticFamily = 'addition' | 'subtraction' | 'multiplication'

export type TaskSpec =
  /** Operands have minDigits..maxDigits digits each (1 ≤ min ≤ max ≤ 30). Subtraction puts
   * the larger operand first, so answers are ≥ 0. */
  | { readonly family: ArithmeticFamily; readonly minDigits: number; readonly maxDigits: number }
  /** Reach a target from `count` numbers (2..6) in 1..maxNumber with + − × ÷, each number at
   * most once, every division exact. Targets lie in 1..maxTarget. */
  | { readonly family: 'countdown'; readonly count: number; readonly maxNumber: number; readonly maxTarget: number }
  /** Sort a string of digits ascending / reverse a string of lowercase letters; length in
   * minLength..maxLength (1..64). */
  | { readonly family: 'sort' | 'reverse'; readonly minLength: number; readonly maxLength: number }
  /** Count one symbol's occurrences in a string of minLength..maxLength (1..64) letters drawn
   * from the first `symbols` (2..26) of a–z. */
  | { readonly family: 'counting'; readonly minLength: number; readonly maxLength: number; readonly symbols: number }
  /** Questions of a loaded question/answer dataset, pinned by the sha256 of its file (hex). */
  | { readonly family: 'dataset'; readonly datasetHash: string }

export type TaskFamily = TaskSpec['family']

export interface TaskKnob {
  readonly name: string
  readonly min: number
  readonly max: number
  readonly default: number
  readonly description: string
}

export interface TaskFamilyInfo {
  readonly family: TaskFamily
  readonly description: string
  /** The knobs a `--difficulty lo-hi` range sets, or a single value for one knob. */
  readonly difficulty: readonly string[]
  readonly knobs: readonly TaskKnob[]
}

const knob = (name: string, min: number, max: number, dflt: number, description: string): TaskKnob => ({
  name,
  min,
  max,
  default: dflt,
  description,
})

const ARITH_KNOBS = [knob('minDigits', 1, 30, 1, 'fewest digits per operand'), knob('maxDigits', 1, 30, 2, 'most digits per operand')]
const LENGTH_KNOBS = [knob('minLength', 1, 64, 3, 'shortest sequence'), knob('maxLength', 1, 64, 6, 'longest sequence')]

/** Every family with its knobs, in a fixed order (for `murmur tasks`). */
export const TASK_FAMILIES: readonly TaskFamilyInfo[] = [
  { family: 'addition', description: 'a+b of n-digit integers', difficulty: ['minDigits', 'maxDigits'], knobs: ARITH_KNOBS },
  { family: 'subtraction', description: 'a-b of n-digit integers, a ≥ b', difficulty: ['minDigits', 'maxDigits'], knobs: ARITH_KNOBS },
  { family: 'multiplication', description: 'a*b of n-digit integers', difficulty: ['minDigits', 'maxDigits'], knobs: ARITH_KNOBS },
  {
    family: 'countdown',
    description: 'reach a target from given numbers with + - * /, each number at most once',
    difficulty: ['count'],
    knobs: [
      knob('count', 2, 6, 4, 'numbers given'),
      knob('maxNumber', 1, 1000, 50, 'largest given number'),
      knob('maxTarget', 1, 100000, 100, 'largest target'),
    ],
  },
  { family: 'sort', description: 'sort a string of digits ascending', difficulty: ['minLength', 'maxLength'], knobs: LENGTH_KNOBS },
  { family: 'reverse', description: 'reverse a string of letters', difficulty: ['minLength', 'maxLength'], knobs: LENGTH_KNOBS },
  {
    family: 'counting',
    description: 'count occurrences of a letter in a string',
    difficulty: ['minLength', 'maxLength'],
    knobs: [...LENGTH_KNOBS, knob('symbols', 2, 26, 3, 'alphabet size (first letters of a-z)')],
  },
  { family: 'dataset', description: 'questions of a GSM8K-style JSONL file (numeric answers)', difficulty: [], knobs: [] },
]

function familyInfo(family: unknown): TaskFamilyInfo {
  const info = TASK_FAMILIES.find((f) => f.family === family)
  if (!info)
    throw new TaskSpecError(
      `Unknown task family ${JSON.stringify(family)}. Use one of: ${TASK_FAMILIES.map((f) => f.family).join(', ')}.`,
      { family },
    )
  return info
}

/** Validates `spec`, fills missing knobs with defaults and drops unknown keys. Throws TaskSpecError. */
export function normalizeTaskSpec(spec: { readonly family: string } & Readonly<Record<string, unknown>>): TaskSpec {
  const info = familyInfo(spec?.family)
  if (info.family === 'dataset') {
    const hash = spec.datasetHash
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
      throw new TaskSpecError(
        `Task "dataset": datasetHash must be 64 lower-case hex characters (sha256 of the file), got ${JSON.stringify(hash)}.`,
        {
          family: 'dataset',
          knob: 'datasetHash',
        },
      )
    }
    return { family: 'dataset', datasetHash: hash }
  }
  const out: Record<string, unknown> = { family: info.family }
  for (const k of info.knobs) {
    const v = spec[k.name] ?? k.default
    if (typeof v !== 'number' || !Number.isInteger(v) || v < k.min || v > k.max) {
      throw new TaskSpecError(`Task "${info.family}": ${k.name} must be an integer in [${k.min}, ${k.max}], got ${JSON.stringify(v)}.`, {
        family: info.family,
        knob: k.name,
        value: v,
      })
    }
    out[k.name] = v
  }
  for (const [lo, hi] of [
    ['minDigits', 'maxDigits'],
    ['minLength', 'maxLength'],
  ] as const) {
    if (lo in out && (out[lo] as number) > (out[hi] as number)) {
      throw new TaskSpecError(`Task "${info.family}": ${lo} (${out[lo]}) exceeds ${hi} (${out[hi]}).`, { family: info.family, knob: lo })
    }
  }
  return out as TaskSpec
}

/**
 * A spec from a family name and a CLI difficulty: `"2-3"` sets the family's difficulty range
 * (e.g. minDigits 2, maxDigits 3), `"3"` sets both ends (or the single difficulty knob).
 */
export function taskSpecFromDifficulty(family: string, difficulty?: string): TaskSpec {
  const info = familyInfo(family)
  if (difficulty === undefined) return normalizeTaskSpec({ family })
  const m = /^(\d{1,6})(?:-(\d{1,6}))?$/.exec(difficulty.trim())
  if (!m || info.difficulty.length === 0) {
    const want = info.difficulty.length === 0 ? 'no difficulty' : info.difficulty.length === 1 ? 'N' : 'N or LO-HI'
    throw new TaskSpecError(`Task "${family}": difficulty ${JSON.stringify(difficulty)} is not ${want}.`, { family, difficulty })
  }
  const lo = Number(m[1])
  const hi = Number(m[2] ?? m[1])
  if (info.difficulty.length === 1) {
    if (m[2] !== undefined)
      throw new TaskSpecError(`Task "${family}": difficulty is one number (${info.difficulty[0]}), got "${difficulty}".`, {
        family,
        difficulty,
      })
    return normalizeTaskSpec({ family, [info.difficulty[0]!]: lo })
  }
  return normalizeTaskSpec({ family, [info.difficulty[0]!]: lo, [info.difficulty[1]!]: hi })
}

/** The difficulty knobs as {@link taskSpecFromDifficulty} reads them: `2-3`, `4`, or `` for datasets. */
export function taskDifficulty(spec: TaskSpec): string {
  const s = normalizeTaskSpec(spec) as unknown as Record<string, number>
  const knobs = familyInfo(spec.family).difficulty.map((k) => s[k]!)
  return knobs.length === 2 && knobs[0] === knobs[1] ? `${knobs[0]}` : knobs.join('-')
}

/** Short, stable, human-readable id: `addition/2-3`, `countdown/4/50/100`, `dataset/<hash8>`. */
export function taskSpecId(spec: TaskSpec): string {
  const s = normalizeTaskSpec(spec)
  switch (s.family) {
    case 'addition':
    case 'subtraction':
    case 'multiplication':
      return `${s.family}/${s.minDigits}-${s.maxDigits}`
    case 'countdown':
      return `countdown/${s.count}/${s.maxNumber}/${s.maxTarget}`
    case 'sort':
    case 'reverse':
      return `${s.family}/${s.minLength}-${s.maxLength}`
    case 'counting':
      return `counting/${s.minLength}-${s.maxLength}/${s.symbols}`
    case 'dataset':
      return `dataset/${s.datasetHash.slice(0, 16)}`
  }
}

/** Canonical bytes of a spec (see the file header). */
export function encodeTaskSpec(spec: TaskSpec): Uint8Array {
  const s = normalizeTaskSpec(spec)
  const family = new TextEncoder().encode(s.family)
  const info = familyInfo(s.family)
  const tail = s.family === 'dataset' ? 32 : 4 * info.knobs.length
  const out = new Uint8Array(1 + 4 + family.length + tail)
  const dv = new DataView(out.buffer)
  out[0] = TASK_SPEC_VERSION
  dv.setUint32(1, family.length, true)
  out.set(family, 5)
  let off = 5 + family.length
  if (s.family === 'dataset') {
    for (let i = 0; i < 32; i++) out[off + i] = Number.parseInt(s.datasetHash.slice(2 * i, 2 * i + 2), 16)
    return out
  }
  const values = s as unknown as Record<string, number>
  for (const k of info.knobs) {
    dv.setUint32(off, values[k.name]!, true)
    off += 4
  }
  return out
}

/** Inverse of {@link encodeTaskSpec}; throws MessageDecodeError on bytes that do not re-encode identically. */
export function decodeTaskSpec(bytes: Uint8Array): TaskSpec {
  const fail = (field: string, offset: number, reason: string): never => {
    throw new MessageDecodeError({ type: 'TaskSpec', field, offset, reason })
  }
  if (bytes.length < 5) fail('family', 1, `is truncated (${bytes.length} bytes)`)
  if (bytes[0] !== TASK_SPEC_VERSION) fail('version', 0, `is ${bytes[0]}, expected ${TASK_SPEC_VERSION}`)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const len = dv.getUint32(1, true)
  if (len > 32 || 5 + len > bytes.length) fail('family', 1, `has length ${len}, beyond the message`)
  let family: string
  try {
    family = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(5, 5 + len))
  } catch {
    return fail('family', 5, 'is not UTF-8')
  }
  const info = TASK_FAMILIES.find((f) => f.family === family) ?? fail('family', 5, `names no task family (${JSON.stringify(family)})`)
  let off = 5 + len
  const spec: Record<string, unknown> = { family }
  if (family === 'dataset') {
    if (bytes.length !== off + 32) fail('datasetHash', off, `must be 32 bytes, got ${bytes.length - off}`)
    let hex = ''
    for (let i = 0; i < 32; i++) hex += bytes[off + i]!.toString(16).padStart(2, '0')
    spec.datasetHash = hex
  } else {
    if (bytes.length !== off + 4 * info.knobs.length)
      fail('knobs', off, `must be ${4 * info.knobs.length} bytes, got ${bytes.length - off}`)
    for (const k of info.knobs) {
      spec[k.name] = dv.getUint32(off, true)
      off += 4
    }
  }
  try {
    return normalizeTaskSpec(spec as { family: string })
  } catch (err) {
    if (err instanceof Error && err.name === 'TaskSpecError')
      return fail('knobs', 5 + len, `are out of range: ${err.message.replace(/\.$/, '')}`)
    throw err
  }
}

/** Asserts a 32-byte seed; instance generation takes nothing else. */
export function assertTaskSeedBytes(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new InvalidArgumentError(`A task seed must be 32 bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}.`)
  }
}
