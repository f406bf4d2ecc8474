import { describe, expect, it } from 'vitest'
import { createLogger, lineLogger } from './log.js'

function capture() {
  const chunks: string[] = []
  return { chunks, write: (c: string) => void chunks.push(c) }
}

describe('createLogger', () => {
  it('writes one JSON object per record with --log-format json, at or above the level', () => {
    const out = capture()
    const log = createLogger({ logLevel: 'info', logFormat: 'json' }, out.write)
    log.debug('hidden')
    log.info({ round: 3 }, 'round closed')
    log.warn('slow peer')
    const records = out.chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(records.map((r) => [r.level, r.msg, r.round])).toEqual([
      [30, 'round closed', 3],
      [40, 'slow peer', undefined],
    ])
    expect(typeof records[0].time).toBe('number')
  })

  it('writes one human line per record in the pretty format, uncoloured off a terminal', () => {
    const out = capture()
    const log = createLogger({ logLevel: 'debug', logFormat: 'pretty' }, out.write)
    log.debug('phase training')
    log.error('chain unreachable')
    const text = out.chunks.join('')
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] DEBUG: phase training\n\[\d\d:\d\d:\d\d\.\d{3}\] ERROR: chain unreachable\n$/)
    expect(text).not.toContain('\u001b[')
  })

  it('silent drops everything', () => {
    const out = capture()
    createLogger({ logLevel: 'silent', logFormat: 'json' }, out.write).error('x')
    expect(out.chunks).toEqual([])
  })
})

describe('lineLogger', () => {
  it('logs failures and rejections as warnings and the rest as info, with the given fields', () => {
    const out = capture()
    const say = lineLogger(createLogger({ logLevel: 'info', logFormat: 'json' }, out.write), { peer: 2 })
    say('listening on /ip4/127.0.0.1/tcp/1')
    say('delta of 0xab rejected: bad-signature: …')
    say('round summary failed: boom')
    const records = out.chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(records.map((r) => [r.level, r.peer])).toEqual([
      [30, 2],
      [40, 2],
      [40, 2],
    ])
  })
})
