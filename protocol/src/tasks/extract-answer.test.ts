import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { extractAnswer } from './extract-answer.js'

const show = (s: string) => {
  const r = extractAnswer(s)
  return r.ok ? `${r.source}: ${r.answer}` : `✗ ${r.reason}`
}

describe('extractAnswer', () => {
  it('takes the box, then an Answer line, then the whole text', () => {
    const cases = [
      '46',
      '  46\n',
      'We add.\n\\boxed{46}',
      'so \\boxed{\\frac{1}{2}}.',
      '\\boxed{46} and again \\boxed{ 46 }',
      'Reasoning...\nAnswer: 46',
      '**Final Answer:** 46',
      'steps\n#### 1,200',
      '<think>maybe \\boxed{45}</think>\\boxed{46}',
      'The answer is 46',
    ]
    expect(Object.fromEntries(cases.map((c) => [c, show(c)]))).toMatchInlineSnapshot(`
      {
        "  46
      ": "plain: 46",
        "**Final Answer:** 46": "marker: 46",
        "46": "plain: 46",
        "<think>maybe \\boxed{45}</think>\\boxed{46}": "boxed: 46",
        "Reasoning...
      Answer: 46": "marker: 46",
        "The answer is 46": "plain: The answer is 46",
        "We add.
      \\boxed{46}": "boxed: 46",
        "\\boxed{46} and again \\boxed{ 46 }": "boxed: 46",
        "so \\boxed{\\frac{1}{2}}.": "boxed: \\frac{1}{2}",
        "steps
      #### 1,200": "marker: 1,200",
      }
    `)
  })

  it('refuses hedged, empty and broken answers', () => {
    const cases = ['', '   ', '<think>46</think>', '\\boxed{46} or \\boxed{47}', 'Answer: 46\nAnswer: 47', '\\boxed{46']
    expect(Object.fromEntries(cases.map((c) => [c, show(c)]))).toMatchInlineSnapshot(`
      {
        "": "✗ empty",
        "   ": "✗ empty",
        "<think>46</think>": "✗ empty",
        "Answer: 46
      Answer: 47": "✗ multiple-answers",
        "\\boxed{46": "✗ unbalanced-box",
        "\\boxed{46} or \\boxed{47}": "✗ multiple-answers",
      }
    `)
  })

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => typeof extractAnswer(s).ok === 'boolean'))
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('\\boxed{', '{', '}', 'Answer:', '\n', '####', '</think>', '4', ' '), { maxLength: 40 }),
        (parts) => {
          return typeof extractAnswer(parts.join('')).ok === 'boolean'
        },
      ),
    )
  })
})
