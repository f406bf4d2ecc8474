import { describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, effectiveShare, parseSettings } from './controls.js'

const visible = { visible: true, battery: null }

describe('volunteer controls', () => {
  it('computes at the chosen share while visible, unpaused and powered', () => {
    expect(effectiveShare({ ...DEFAULT_SETTINGS, share: 0.5 }, visible)).toEqual({ share: 0.5, reason: null })
    expect(effectiveShare({ ...DEFAULT_SETTINGS, share: 0 }, visible).share).toBe(0.1)
  })

  it('stops for pause, a hidden tab (unless allowed) and a low battery, saying why', () => {
    expect(effectiveShare({ ...DEFAULT_SETTINGS, paused: true }, visible)).toEqual({ share: 0, reason: 'paused' })
    expect(effectiveShare(DEFAULT_SETTINGS, { visible: false, battery: null }).reason).toMatch(/hidden/)
    expect(effectiveShare({ ...DEFAULT_SETTINGS, background: true }, { visible: false, battery: null }).share).toBe(1)
    const low = { visible: true, battery: { level: 0.1, charging: false } }
    expect(effectiveShare(DEFAULT_SETTINGS, low).reason).toBe('battery at 10%, below 20%')
    expect(effectiveShare(DEFAULT_SETTINGS, { visible: true, battery: { level: 0.1, charging: true } }).share).toBe(1)
    expect(effectiveShare({ ...DEFAULT_SETTINGS, minBattery: 0 }, low).share).toBe(1)
  })

  it('reads stored settings field by field, falling back on anything malformed', () => {
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS)
    expect(parseSettings('{not json')).toEqual(DEFAULT_SETTINGS)
    expect(parseSettings('{"share": 7, "paused": "yes", "background": true, "minBattery": -1}')).toEqual({
      paused: false,
      share: 1,
      background: true,
      minBattery: 0,
    })
  })
})
