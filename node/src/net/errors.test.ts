import { describe, expect, it } from 'vitest'
import { failureText } from './errors.js'

describe('failureText', () => {
  it('names a transport error Event by its type instead of "[object Event]"', () => {
    // a WebSocket dial that fails rejects with the socket's error Event, not an Error
    const text = failureText(new Event('error'))
    expect(text).not.toContain('[object Event]')
    expect(text).toContain('error event')
  })

  it("gives an Error's message and anything else as text", () => {
    expect(failureText(new Error('connection refused'))).toBe('connection refused')
    expect(failureText('boom')).toBe('boom')
    expect(failureText(42)).toBe('42')
  })
})
