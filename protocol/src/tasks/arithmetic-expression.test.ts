import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { evaluateExpression } from './arithmetic-expression.js'
import { formatRational } from './rational.js'

const show = (s: string) => {
  const r = evaluateExpression(s)
  return r.ok ? `${formatRational(r.value)} [${r.literals.join(',')}]` : `✗ ${r.reason}`
}

describe('evaluateExpression', () => {
  it('follows precedence and associativity, exactly', () => {
    const cases = [
      '1+2*3',
      '(1+2)*3',
      '10-4-3',
      '10-(4-3)',
      '100/5/2',
      '100/(5*2)',
      ' 7 × 6 ',
      '8 ÷ 2 − 1',
      '3-7',
      '((((5))))',
      '999999999*999999999',
    ]
    expect(Object.fromEntries(cases.map((c) => [c, show(c)]))).toMatchInlineSnapshot(`
      {
        " 7 × 6 ": "42 [7,6]",
        "((((5))))": "5 [5]",
        "(1+2)*3": "9 [1,2,3]",
        "1+2*3": "7 [1,2,3]",
        "10-(4-3)": "9 [10,4,3]",
        "10-4-3": "3 [10,4,3]",
        "100/(5*2)": "10 [100,5,2]",
        "100/5/2": "10 [100,5,2]",
        "3-7": "-4 [3,7]",
        "8 ÷ 2 − 1": "3 [8,2,1]",
        "999999999*999999999": "999999998000000001 [999999999,999999999]",
      }
    `)
  })

  it('rejects what is not an expression, never evaluating code', () => {
    const cases = [
      '',
      '2+',
      '-3+5',
      '7/2',
      '5/0',
      '5/(3-3)',
      '2**3',
      '1e3',
      'alert(1)',
      '(1+2',
      '1+2)',
      '1234567890+1',
      '(2)(3)',
      '2^3',
      '٣+1',
    ]
    expect(Object.fromEntries(cases.map((c) => [c, show(c)]))).toMatchInlineSnapshot(`
      {
        "": "✗ expected a number or "(" at the end",
        "(1+2": "✗ expected ")" at the end",
        "(2)(3)": "✗ unexpected character at "(3)" (offset 3)",
        "-3+5": "✗ expected a number or "(" at "-3+5" (offset 0)",
        "1+2)": "✗ unexpected character at ")" (offset 3)",
        "1234567890+1": "✗ number longer than 9 digits at "12345678" (offset 0)",
        "1e3": "✗ unexpected character at "e3" (offset 1)",
        "2**3": "✗ expected a number or "(" at "*3" (offset 2)",
        "2+": "✗ expected a number or "(" at the end",
        "2^3": "✗ unexpected character at "^3" (offset 1)",
        "5/(3-3)": "✗ division by zero (5/0)",
        "5/0": "✗ division by zero (5/0)",
        "7/2": "✗ inexact division 7/2",
        "alert(1)": "✗ expected a number or "(" at "alert(1)" (offset 0)",
        "٣+1": "✗ expected a number or "(" at "٣+1" (offset 0)",
      }
    `)
  })

  it('bounds nesting and length', () => {
    expect(show(`${'('.repeat(40)}1${')'.repeat(40)}`)).toMatchInlineSnapshot(
      `"✗ more than 32 nested parentheses at "((((((((" (offset 32)"`,
    )
    expect(show('1+'.repeat(200) + '1')).toMatchInlineSnapshot(`"✗ longer than 256 characters"`)
  })

  it('never throws on arbitrary text over its alphabet', () => {
    const token = fc.constantFrom('(', ')', '+', '-', '*', '/', ' ', '0', '1', '7', '12', '÷', '×', 'x')
    fc.assert(fc.property(fc.array(token, { maxLength: 60 }), (ts) => typeof evaluateExpression(ts.join('')).ok === 'boolean'))
    fc.assert(fc.property(fc.string({ maxLength: 100 }), (s) => typeof evaluateExpression(s).ok === 'boolean'))
  })
})
