/**
 * The evidence archive: what a validator keeps of each committed round so anyone can re-derive
 * its leaves later (`murmur audit`). Layout, under one directory per run:
 *
 *   DIR/manifest.bin                          the run manifest (its hash is the run id)
 *   DIR/round-000042/round-result.bin         the RoundResult body the validators signed
 *   DIR/round-000042/signatures/<addr>.bin    one signed RoundResult envelope per validator (40 hex, lowercase)
 *   DIR/round-000042/deltas/<id>.bin          signed Delta envelopes, named by hashDelta(body) (64 hex)
 *   DIR/round-000042/groups/<id>.bin          signed ScoredGroup envelopes, named by hashScoredGroup(body)
 *   DIR/round-000042/offenses/<addr><id>.bin  the signed messages proving the RoundResult's offenses
 *                                             (ScoredGroups, RoundResults, Deltas), named by signer and id
 *
 * Everything is stored as received (signed bytes are never re-encoded). A round directory is
 * written to a temporary directory and renamed into place, so a reader never sees half a round;
 * writing a round again adds to what is there (more signatures, say) but never replaces its
 * RoundResult with another.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type Address,
  decodeDelta,
  decodeRoundResult,
  decodeScoredGroup,
  decodeSignedMessage,
  equalBytes,
  fromHex,
  hashDelta,
  hashScoredGroup,
  recoverSigner,
  runDomain,
  type SignedKind,
  signingDigest,
  toChecksumAddress,
  toHex,
} from '@murmur/protocol'
import { EvidenceFormatError } from './errors.js'

/** Where a peer keeps its archive, under its data dir. */
export const EVIDENCE_DIR = 'evidence'
export const EVIDENCE_MANIFEST_FILE = 'manifest.bin'
export const ROUND_RESULT_FILE = 'round-result.bin'

export interface RoundEvidence {
  round: bigint
  manifestBytes: Uint8Array
  /** Encoded RoundResult body, exactly as the validators signed it. */
  roundResultBody: Uint8Array
  /** Signed RoundResult envelopes over `roundResultBody`, one per validator. */
  signatures: { validator: Address; envelope: Uint8Array }[]
  /** Signed Delta envelopes (the included deltas). */
  deltas: Uint8Array[]
  /** Signed ScoredGroup envelopes (the groups those deltas trained on). */
  groups: Uint8Array[]
  /** The signed messages proving the RoundResult's offenses (protocol verify/offense.ts). */
  offenses: Uint8Array[]
}

/** `round-000042`: six digits at least, so a listing sorts by round for the first million rounds. */
export function roundDirName(round: bigint): string {
  if (round < 0n) throw new EvidenceFormatError(`round must be ≥ 0, got ${round}.`, { round })
  return `round-${round.toString().padStart(6, '0')}`
}

function parseRoundDirName(name: string): bigint | null {
  const m = /^round-(\d{6,})$/.exec(name)
  if (!m) return null
  const round = BigInt(m[1]!)
  return roundDirName(round) === name ? round : null
}

type Kind = Extract<SignedKind, 'Delta' | 'ScoredGroup'>
const ID_OF: Record<Kind, (body: Uint8Array) => Uint8Array> = { Delta: hashDelta, ScoredGroup: hashScoredGroup }

/** The envelope's id (the message id of its body), checking its kind. */
function envelopeId(kind: Kind, envelope: Uint8Array, where: string): Uint8Array {
  let body: Uint8Array
  try {
    const m = decodeSignedMessage(envelope)
    if (m.kind !== kind) throw new Error(`it holds a ${m.kind}, not a ${kind}`)
    body = m.body
  } catch (err) {
    throw new EvidenceFormatError(`${where} is not a signed ${kind}: ${(err as Error).message}`, { where }, { cause: err })
  }
  try {
    return ID_OF[kind](body)
  } catch (err) {
    throw new EvidenceFormatError(`${where}: ${(err as Error).message}`, { where }, { cause: err })
  }
}

/** The envelope's id as hex, or null when it is not a well-formed signed `kind`. */
function idOrNull(kind: Kind, envelope: Uint8Array): string | null {
  try {
    return toHex(envelopeId(kind, envelope, kind))
  } catch {
    return null
  }
}

/**
 * `<signer><id>` (40 + 64 hex) of an offense's evidence: a signed ScoredGroup, RoundResult or Delta,
 * its signer recovered in the run's domain (from the manifest) and its message id.
 */
function proofName(envelope: Uint8Array, manifestBytes: Uint8Array, where: string): string {
  let m: ReturnType<typeof decodeSignedMessage>
  try {
    m = decodeSignedMessage(envelope)
  } catch (err) {
    throw new EvidenceFormatError(`${where} is not a signed envelope: ${(err as Error).message}`, { where }, { cause: err })
  }
  if (m.kind !== 'ScoredGroup' && m.kind !== 'RoundResult' && m.kind !== 'Delta')
    throw new EvidenceFormatError(`${where} holds a signed ${m.kind}; offenses are proven by ScoredGroups, RoundResults and Deltas.`, {
      where,
    })
  let named: { id: Uint8Array; digest: Uint8Array }
  try {
    named = signingDigest(m.kind, m.body, runDomain(manifestBytes))
  } catch (err) {
    throw new EvidenceFormatError(`${where}: ${(err as Error).message}`, { where }, { cause: err })
  }
  const signer = recoverSigner(named.digest, m.signature)
  if (!signer.ok) throw new EvidenceFormatError(`${where} carries an unacceptable signature (${signer.problem}).`, { where })
  return `${toHex(signer.address)}${toHex(named.id)}`
}

function proofNameOrNull(envelope: Uint8Array, manifestBytes: Uint8Array): string | null {
  try {
    return proofName(envelope, manifestBytes, 'offense')
  } catch {
    return null
  }
}

/** The groups the deltas trained on (their headers' lists), as hex ids. */
function groupIdsOf(deltas: readonly Uint8Array[]): Set<string> {
  return new Set(deltas.flatMap((e) => decodeDelta(decodeSignedMessage(e).body).groups.map(toHex)))
}

/**
 * What `evidence` lacks to prove its round: the deltas its RoundResult lists that it does not
 * hold, and the groups its deltas trained on that it does not hold (a missing delta's groups are
 * not known until the delta is). A validator that joined or restarted mid-round holds the agreed
 * RoundResult without every envelope it names.
 */
export function missingEvidence(evidence: RoundEvidence): { deltas: string[]; groups: string[]; offenses: string[] } {
  const held = new Set(evidence.deltas.map((e) => idOrNull('Delta', e)))
  const heldGroups = new Set(evidence.groups.map((e) => idOrNull('ScoredGroup', e)))
  const heldProofs = new Set(evidence.offenses.map((e) => proofNameOrNull(e, evidence.manifestBytes)))
  const result = decodeRoundResult(evidence.roundResultBody)
  return {
    deltas: result.deltas.map(toHex).filter((id) => !held.has(id)),
    groups: [...groupIdsOf(evidence.deltas)].filter((id) => !heldGroups.has(id)),
    offenses: result.offenses.map((o) => `${toHex(o.offender)}${toHex(o.id)}`).filter((name) => !heldProofs.has(name)),
  }
}

/**
 * `evidence` with the envelopes of `offer` (another validator's evidence of the round) that it
 * lacks: only those whose ids its signed RoundResult (deltas) or its deltas (groups) name, so an
 * offer from any peer, honest or not, can only complete it. Malformed envelopes are skipped.
 */
export function mergeRoundEvidence(
  evidence: RoundEvidence,
  offer: { deltas: readonly Uint8Array[]; groups: readonly Uint8Array[]; offenses?: readonly Uint8Array[] },
): RoundEvidence {
  const missing = missingEvidence(evidence)
  const wantDeltas = new Set(missing.deltas)
  const deltas = [...evidence.deltas]
  for (const e of offer.deltas) {
    const id = idOrNull('Delta', e)
    if (id !== null && wantDeltas.delete(id)) deltas.push(e)
  }
  const heldGroups = new Set(evidence.groups.map((e) => idOrNull('ScoredGroup', e)))
  const wantGroups = new Set([...groupIdsOf(deltas)].filter((id) => !heldGroups.has(id)))
  const groups = [...evidence.groups]
  for (const e of offer.groups) {
    const id = idOrNull('ScoredGroup', e)
    if (id !== null && wantGroups.delete(id)) groups.push(e)
  }
  const wantProofs = new Set(missing.offenses)
  const offenses = [...evidence.offenses]
  for (const e of offer.offenses ?? []) {
    const name = proofNameOrNull(e, evidence.manifestBytes)
    if (name !== null && wantProofs.delete(name)) offenses.push(e)
  }
  return { ...evidence, deltas, groups, offenses }
}

function checkRoundResult(body: Uint8Array, round: bigint, where: string): void {
  let decoded: bigint
  try {
    decoded = decodeRoundResult(body).round
  } catch (err) {
    throw new EvidenceFormatError(`${where} is not a RoundResult body: ${(err as Error).message}`, { where }, { cause: err })
  }
  if (decoded !== round)
    throw new EvidenceFormatError(`${where} is the RoundResult of round ${decoded}, not round ${round}.`, { where, round })
}

function checkSignature(envelope: Uint8Array, body: Uint8Array, where: string): void {
  let m: ReturnType<typeof decodeSignedMessage>
  try {
    m = decodeSignedMessage(envelope)
  } catch (err) {
    throw new EvidenceFormatError(`${where} is not a signed envelope: ${(err as Error).message}`, { where }, { cause: err })
  }
  if (m.kind !== 'RoundResult') throw new EvidenceFormatError(`${where} holds a signed ${m.kind}, not a RoundResult.`, { where })
  if (!equalBytes(m.body, body))
    throw new EvidenceFormatError(`${where} signs another RoundResult body than ${ROUND_RESULT_FILE}.`, { where })
}

/** Files by name (`<hex>.bin`), later entries with the same name dropped. */
function byName(entries: Iterable<[string, Uint8Array]>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  for (const [name, bytes] of entries) if (!out.has(name)) out.set(name, bytes)
  return out
}

async function readOptional(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

/** Writes `manifest.bin` once; a different manifest there means the archive belongs to another run. */
async function writeManifest(dir: string, manifestBytes: Uint8Array): Promise<void> {
  const path = join(dir, EVIDENCE_MANIFEST_FILE)
  const existing = await readOptional(path)
  if (existing) {
    if (!equalBytes(existing, manifestBytes))
      throw new EvidenceFormatError(`${path} holds another run's manifest; keep each run's evidence in its own directory.`, { path })
    return
  }
  const tmp = join(dir, `.${EVIDENCE_MANIFEST_FILE}.${randomBytes(6).toString('hex')}.tmp`)
  await writeFile(tmp, manifestBytes)
  await rename(tmp, path)
}

/** Writes (or adds to) one round's evidence under `dir/round-NNNNNN/`; returns that directory. */
export async function writeRoundEvidence(dir: string, evidence: RoundEvidence): Promise<string> {
  const { round, roundResultBody } = evidence
  checkRoundResult(roundResultBody, round, 'roundResultBody')
  const signatures = evidence.signatures.map(({ validator, envelope }, i): [string, Uint8Array] => {
    if (!(validator instanceof Uint8Array) || validator.length !== 20)
      throw new EvidenceFormatError(`signatures[${i}].validator must be a 20-byte address.`, { index: i })
    checkSignature(envelope, roundResultBody, `signatures[${i}] (${toChecksumAddress(validator)})`)
    return [`${toHex(validator)}.bin`, envelope]
  })
  const deltas = evidence.deltas.map((e, i): [string, Uint8Array] => [`${toHex(envelopeId('Delta', e, `deltas[${i}]`))}.bin`, e])
  const groups = evidence.groups.map((e, i): [string, Uint8Array] => [`${toHex(envelopeId('ScoredGroup', e, `groups[${i}]`))}.bin`, e])
  const offenses = evidence.offenses.map((e, i): [string, Uint8Array] => [
    `${proofName(e, evidence.manifestBytes, `offenses[${i}]`)}.bin`,
    e,
  ])

  await mkdir(dir, { recursive: true })
  await writeManifest(dir, evidence.manifestBytes)
  // two writers of one round (a peer writing late signatures while an export runs) can collide
  // at the rename; the loser merges again with what the winner wrote
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeRoundDir(dir, round, evidence.manifestBytes, roundResultBody, { signatures, deltas, groups, offenses })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (attempt >= 3 || (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT')) throw err
    }
  }
}

type Named = [string, Uint8Array][]

/** Merges `add` with what `dir/round-NNNNNN` holds into a temporary directory and renames it into place. */
async function writeRoundDir(
  dir: string,
  round: bigint,
  manifestBytes: Uint8Array,
  roundResultBody: Uint8Array,
  add: { signatures: Named; deltas: Named; groups: Named; offenses: Named },
): Promise<string> {
  const name = roundDirName(round)
  const final = join(dir, name)
  const previous = (await listEvidenceRounds(dir)).includes(round) ? await readRoundEvidence(dir, round) : null
  if (previous && !equalBytes(previous.roundResultBody, roundResultBody))
    throw new EvidenceFormatError(`${final} already holds another RoundResult for round ${round}; a round has one agreed result.`, {
      round,
    })
  const files = {
    signatures: byName([
      ...add.signatures,
      ...(previous?.signatures ?? []).map(({ validator, envelope }): [string, Uint8Array] => [`${toHex(validator)}.bin`, envelope]),
    ]),
    deltas: byName([
      ...add.deltas,
      ...(previous?.deltas ?? []).map((e): [string, Uint8Array] => [`${toHex(envelopeId('Delta', e, final))}.bin`, e]),
    ]),
    groups: byName([
      ...add.groups,
      ...(previous?.groups ?? []).map((e): [string, Uint8Array] => [`${toHex(envelopeId('ScoredGroup', e, final))}.bin`, e]),
    ]),
    offenses: byName([
      ...add.offenses,
      ...(previous?.offenses ?? []).map((e): [string, Uint8Array] => [`${proofName(e, manifestBytes, final)}.bin`, e]),
    ]),
  }
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await mkdir(tmp)
    await writeFile(join(tmp, ROUND_RESULT_FILE), roundResultBody)
    for (const [sub, entries] of Object.entries(files)) {
      await mkdir(join(tmp, sub))
      for (const [file, bytes] of entries) await writeFile(join(tmp, sub, file), bytes)
    }
    if (previous) {
      // a rename cannot replace a non-empty directory: move the old one aside first
      const aside = join(dir, `.${name}.${randomBytes(6).toString('hex')}.old`)
      await rename(final, aside)
      await rename(tmp, final)
      await rm(aside, { recursive: true, force: true })
    } else await rename(tmp, final)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
  return final
}

/** Rounds with evidence under `dir`, ascending. An absent directory holds none. */
export async function listEvidenceRounds(dir: string): Promise<bigint[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  return names
    .map(parseRoundDirName)
    .filter((r): r is bigint => r !== null)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

async function readFolder(path: string, nameHexChars: number): Promise<[Uint8Array, Uint8Array, string][]> {
  let names: string[]
  try {
    names = (await readdir(path)).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const out: [Uint8Array, Uint8Array, string][] = []
  const pattern = new RegExp(`^[0-9a-f]{${nameHexChars}}\\.bin$`)
  for (const name of names) {
    if (name.startsWith('.')) continue
    if (!pattern.test(name))
      throw new EvidenceFormatError(`${join(path, name)}: expected files named by ${nameHexChars} lowercase hex digits and .bin.`, {
        path: join(path, name),
      })
    out.push([fromHex(name.slice(0, nameHexChars)), new Uint8Array(await readFile(join(path, name))), join(path, name)])
  }
  return out
}

/** The archive's manifest bytes. @throws EvidenceFormatError when `dir/manifest.bin` is missing. */
export async function readEvidenceManifest(dir: string): Promise<Uint8Array> {
  const path = join(dir, EVIDENCE_MANIFEST_FILE)
  const bytes = await readOptional(path)
  if (!bytes) throw new EvidenceFormatError(`${path} is missing; an evidence archive starts with the run manifest.`, { dir })
  return bytes
}

/**
 * Reads one round's evidence, checking its shape: the RoundResult is of that round, every
 * signature file signs it, and every delta and group file is named by the id of what it holds.
 * @throws EvidenceFormatError naming the file.
 */
export async function readRoundEvidence(dir: string, round: bigint): Promise<RoundEvidence> {
  const roundDir = join(dir, roundDirName(round))
  const manifestBytes = await readEvidenceManifest(dir)
  const roundResultBody = await readOptional(join(roundDir, ROUND_RESULT_FILE))
  if (!roundResultBody) {
    const have = await listEvidenceRounds(dir)
    throw new EvidenceFormatError(
      `No evidence for round ${round} in ${dir}${have.length ? ` (it has rounds ${have.join(', ')})` : ' (it has none)'}.`,
      { dir, round },
    )
  }
  checkRoundResult(roundResultBody, round, join(roundDir, ROUND_RESULT_FILE))
  const signatures = (await readFolder(join(roundDir, 'signatures'), 40)).map(([validator, envelope, path]) => {
    checkSignature(envelope, roundResultBody, path)
    return { validator, envelope }
  })
  const addressed = async (sub: string, kind: Kind) =>
    (await readFolder(join(roundDir, sub), 64)).map(([id, envelope, path]) => {
      const actual = envelopeId(kind, envelope, path)
      if (!equalBytes(actual, id)) {
        const author = authorOf(envelope)
        throw new EvidenceFormatError(
          `${path} holds a ${kind}${author ? ` by ${author}` : ''} whose id is ${toHex(actual)}: the file was altered or misnamed.`,
          { path, author, id: toHex(actual) },
        )
      }
      return envelope
    })
  const offenses = (await readFolder(join(roundDir, 'offenses'), 104)).map(([name, envelope, path]) => {
    if (proofName(envelope, manifestBytes, path) !== toHex(name))
      throw new EvidenceFormatError(`${path} is not the message its name says (signer and id): the file was altered or misnamed.`, { path })
    return envelope
  })
  return {
    round,
    manifestBytes,
    roundResultBody,
    signatures,
    deltas: await addressed('deltas', 'Delta'),
    groups: await addressed('groups', 'ScoredGroup'),
    offenses,
  }
}

/** The `author` of a signed Delta or ScoredGroup, for messages; null if it does not decode. */
function authorOf(envelope: Uint8Array): string | null {
  try {
    const m = decodeSignedMessage(envelope)
    if (m.kind === 'Delta') return toChecksumAddress(decodeDelta(m.body).author)
    if (m.kind === 'ScoredGroup') return toChecksumAddress(decodeScoredGroup(m.body).author)
  } catch {
    // fall through: the caller reports the file without an author
  }
  return null
}

/** Read access to one run's archive: what /murmur/evidence/1 serves (src/net/evidence-service.ts). */
export interface EvidenceArchive {
  /** manifest.bin, or null while the archive holds nothing yet. */
  manifest(): Promise<Uint8Array | null>
  /** Rounds kept, ascending. */
  rounds(): Promise<bigint[]>
  /** The round's evidence, or null when it is not kept. @throws EvidenceFormatError when its files are damaged. */
  round(round: bigint): Promise<RoundEvidence | null>
}

/**
 * The archive in `dir`. A round being rewritten (late signatures merged in) is briefly moved
 * aside, so a read of a listed round that fails is retried twice before it is reported.
 */
export function directoryEvidenceArchive(dir: string): EvidenceArchive {
  return {
    manifest: () => readOptional(join(dir, EVIDENCE_MANIFEST_FILE)),
    rounds: () => listEvidenceRounds(dir),
    async round(round) {
      for (let attempt = 1; ; attempt++) {
        if (!(await listEvidenceRounds(dir)).includes(round)) return null
        try {
          return await readRoundEvidence(dir, round)
        } catch (err) {
          if (attempt >= 3) throw err
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
      }
    },
  }
}
