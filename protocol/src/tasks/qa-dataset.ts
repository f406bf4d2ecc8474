// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * GSM8K-style question/answer sets from JSONL text (the caller reads the file; this is pure).
 * Each non-blank line is `{"question": string, "answer": string | number}`. The final answer is
 * the text after the last `####` (GSM8K), else the last `\boxed{…}` (MATH-style), else the
 * whole answer field, and it must be a number that {@link parseNumericAnswer} accepts.
 *
 * A malformed line is reported with its 1-based line number and the reason. `onError: 'fail'`
 * (the default) throws a DatasetFormatError for the first one; `'skip'` drops it and returns
 * it in `errors`. The dataset's identity is the sha256 of the file text (UTF-8), which a
 * `dataset` task spec pins.
 */
import { contentHash, toHex } from '../crypto/hash.js'
import { DatasetFormatError } from '../errors.js'
import { extractAnswer } from './extract-answer.js'
import { parseNumericAnswer } from './numeric-answer.js'

export interface QaItem {
  readonly line: number // 1-based line in the file
  readonly question: string
  /** The final answer as written in the file (e.g. `1,200`); compared numerically. */
  readonly answer: string
  /** The full answer field (worked solution), for supervised warm-up. */
  readonly solution: string
}

export interface DatasetLineError {
  readonly line: number
  readonly reason: string
}

export interface QaDataset {
  /** sha256 of the file text, lower-case hex: what a `dataset` task spec names. */
  readonly hash: string
  readonly items: readonly QaItem[]
  /** Lines skipped under `onError: 'skip'` (always empty under `'fail'`). */
  readonly errors: readonly DatasetLineError[]
}

export interface ParseQaDatasetParameters {
  onError?: 'skip' | 'fail'
}

/** sha256 of the dataset file text (UTF-8), lower-case hex. */
export function datasetHash(text: string): string {
  return toHex(contentHash(new TextEncoder().encode(text)))
}

/** The final answer inside a dataset's answer field, or why there is none. */
export function finalAnswerOf(field: string): { ok: true; answer: string } | { ok: false; reason: string } {
  const hashes = field.lastIndexOf('####')
  let answer: string
  if (hashes >= 0) answer = field.slice(hashes + 4).trim()
  else {
    const found = extractAnswer(field)
    if (!found.ok) return { ok: false, reason: `answer has no final answer (${found.detail})` }
    answer = found.answer
  }
  const parsed = parseNumericAnswer(answer)
  if (!parsed.ok) return { ok: false, reason: `final answer ${JSON.stringify(answer.slice(0, 40))} is not a number (${parsed.reason})` }
  return { ok: true, answer }
}

function parseLine(text: string, line: number): QaItem | string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return `not valid JSON (${err instanceof Error ? err.message : String(err)})`
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object'
  const { question, answer } = value as Record<string, unknown>
  if (typeof question !== 'string' || question.trim() === '') return 'field "question" is missing or not a non-empty string'
  let field: string
  if (typeof answer === 'string') field = answer
  else if (typeof answer === 'number' && Number.isFinite(answer)) field = String(answer)
  else return 'field "answer" is missing or not a string or number'
  const final = finalAnswerOf(field)
  if (!final.ok) return final.reason
  return { line, question: question.trim(), answer: final.answer, solution: field }
}

/** Parses JSONL question/answer text. Throws DatasetFormatError under `onError: 'fail'`. */
export function parseQaDataset(text: string, { onError = 'fail' }: ParseQaDatasetParameters = {}): QaDataset {
  const items: QaItem[] = []
  const errors: DatasetLineError[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '')
    if (raw.trim() === '') continue
    const item = parseLine(raw, i + 1)
    if (typeof item !== 'string') items.push(item)
    else if (onError === 'fail') throw new DatasetFormatError({ line: i + 1, reason: item })
    else errors.push({ line: i + 1, reason: item })
  }
  return { hash: datasetHash(text), items, errors }
}
