// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Cuts the final answer out of a completion, the same way for a tiny character-level model
 * and for a chat model:
 *
 * 1. Only text after the last `</think>` counts (reasoning models think first).
 * 2. `\boxed{…}` (braces balanced): the answer. Several boxes must agree, or it is
 *    `multiple-answers`.
 * 3. Otherwise a line `Answer: …`, `Final answer: …` or `#### …` (case-insensitive); several
 *    such lines must agree.
 * 4. Otherwise the whole completion, trimmed, is the answer (the plain prompt's contract:
 *    answer right after `=`, then the end-of-sequence token, which is not part of the text).
 *
 * Never throws; the result is plain data. Work is linear in the completion's length.
 */

export type AnswerSource = 'boxed' | 'marker' | 'plain'

export type ExtractedAnswer =
  | { ok: true; answer: string; source: AnswerSource }
  | { ok: false; reason: 'empty' | 'multiple-answers' | 'unbalanced-box'; detail: string }

const BOX = '\\boxed{'
const MARKER = /^(?:\*\*)?(?:final answer|answer)(?:\*\*)?\s*[:：]\s*(?:\*\*)?(.*?)(?:\*\*)?$|^####\s*(.*)$/i

function boxedContents(text: string): string[] | null {
  const out: string[] = []
  let from = 0
  for (;;) {
    const at = text.indexOf(BOX, from)
    if (at < 0) return out
    let depth = 1
    let i = at + BOX.length
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++
      else if (text[i] === '}') depth--
    }
    if (depth > 0) return null
    out.push(text.slice(at + BOX.length, i - 1).trim())
    from = i
  }
}

function single(candidates: readonly string[], source: AnswerSource): ExtractedAnswer {
  const distinct = [...new Set(candidates)]
  if (distinct.length > 1) return { ok: false, reason: 'multiple-answers', detail: `${distinct.length} different answers (${source})` }
  return { ok: true, answer: distinct[0]!, source }
}

/** The completion's final answer text, or why there is none. */
export function extractAnswer(completion: string): ExtractedAnswer {
  const think = completion.lastIndexOf('</think>')
  const text = (think >= 0 ? completion.slice(think + '</think>'.length) : completion).trim()
  if (text === '') return { ok: false, reason: 'empty', detail: 'the completion has no text' }

  const boxes = boxedContents(text)
  if (boxes === null) return { ok: false, reason: 'unbalanced-box', detail: '\\boxed{ is never closed' }
  if (boxes.length > 0) return single(boxes, 'boxed')

  const marked: string[] = []
  for (const line of text.split('\n')) {
    const m = MARKER.exec(line.trim())
    if (m) marked.push((m[1] ?? m[2] ?? '').trim())
  }
  if (marked.length > 0) return single(marked, 'marker')

  return { ok: true, answer: text, source: 'plain' }
}
