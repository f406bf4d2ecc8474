import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { numericAnswersEqual, parseNumericAnswer } from './numeric-answer.js'
import { formatRational } from './rational.js'

const value = (s: string) => {
  const r = parseNumericAnswer(s)
  return r.ok ? formatRational(r.value) : `✗ ${r.reason}`
}

describe('parseNumericAnswer', () => {
  it('normalises commas, signs, decimals, fractions, $ and %', () => {
    const cases = [
      '72',
      '1,234,567',
      '-5',
      '+5',
      '\u22125',
      '18.0',
      '3.50',
      '.5',
      '2.',
      '18.',
      '$18',
      '$1,200.00',
      '50%',
      '12\\%',
      '3/4',
      '-6/8',
      '\\frac{3}{4}',
      '\\dfrac{10}{4}',
      '$\\frac{1}{2}$',
      ' 42 ',
      '0',
      '-0',
      '007',
    ]
    expect(Object.fromEntries(cases.map((c) => [c, value(c)]))).toMatchInlineSnapshot(`
      {
        " 42 ": "42",
        "$1,200.00": "1200",
        "$18": "18",
        "$\\frac{1}{2}$": "1/2",
        "+5": "5",
        "-0": "0",
        "-5": "-5",
        "-6/8": "-3/4",
        ".5": "1/2",
        "0": "0",
        "007": "7",
        "1,234,567": "1234567",
        "12\\%": "12",
        "18.": "18",
        "18.0": "18",
        "2.": "2",
        "3.50": "7/2",
        "3/4": "3/4",
        "50%": "50",
        "72": "72",
        "\\dfrac{10}{4}": "5/2",
        "\\frac{3}{4}": "3/4",
        "−5": "-5",
      }
    `)
  })

  it('rejects what needs judgement, naming the reason', () => {
    const cases = [
      '',
      'abc',
      '1,23',
      '12,34,567',
      '1 000',
      '3/0',
      '４６',
      '٤٦',
      '1e3',
      '--5',
      '5-',
      '1/2/3',
      '1.2.3',
      'x'.repeat(65),
      '46 47',
    ]
    expect(Object.fromEntries(cases.map((c) => [c.slice(0, 12), value(c)]))).toMatchInlineSnapshot(`
      {
        "": "✗ no number",
        "--5": "✗ not a number: "--5"",
        "1 000": "✗ not a number: "1 000"",
        "1,23": "✗ not a number: "1,23"",
        "1.2.3": "✗ not a number: "1.2.3"",
        "1/2/3": "✗ not a number: "1/2/3"",
        "12,34,567": "✗ not a number: "12,34,567"",
        "1e3": "✗ not a number: "1e3"",
        "3/0": "✗ zero denominator",
        "46 47": "✗ not a number: "46 47"",
        "5-": "✗ not a number: "5-"",
        "abc": "✗ not a number: "abc"",
        "xxxxxxxxxxxx": "✗ longer than 64 characters",
        "٤٦": "✗ non-ASCII digit "٤"",
        "４６": "✗ non-ASCII digit "４"",
      }
    `)
  })

  it('reads every integer and decimal it formats', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (n) => value(`${n}`) === `${n}` && value(`${n}.0`) === `${n}`),
    )
  })

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => typeof parseNumericAnswer(s).ok === 'boolean'))
  })

  it('compares numerically', () => {
    expect(numericAnswersEqual('1,000', '1000.00')).toBe(true)
    expect(numericAnswersEqual('0.75', '3/4')).toBe(true)
    expect(numericAnswersEqual('0.75', '0.7500001')).toBe(false)
    expect(numericAnswersEqual('x', 'x')).toBe(false)
  })
})
