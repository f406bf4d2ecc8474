/**
 * Volunteer controls in the BOINC tradition: the share of the machine a tab may use, and when it
 * must stop (paused, tab hidden, battery low). Pure: the page feeds it the environment.
 */

export interface VolunteerSettings {
  paused: boolean
  /** Share of wall time spent computing, 0.1..1 (the compute budget's duty cycle). */
  share: number
  /** Keep computing while the tab is hidden. */
  background: boolean
  /** Pause below this battery level (0..1) while not charging; 0 never pauses. */
  minBattery: number
}

export interface Environment {
  visible: boolean
  /** null where the Battery Status API does not exist. */
  battery: { level: number; charging: boolean } | null
}

export const DEFAULT_SETTINGS: VolunteerSettings = { paused: false, share: 1, background: false, minBattery: 0.2 }

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/** The share the worker may use now, and why it is 0 when it is. */
export function effectiveShare(s: VolunteerSettings, env: Environment): { share: number; reason: string | null } {
  if (s.paused) return { share: 0, reason: 'paused' }
  if (!env.visible && !s.background) return { share: 0, reason: 'tab hidden (allow background computing to keep going)' }
  if (env.battery && !env.battery.charging && s.minBattery > 0 && env.battery.level < s.minBattery)
    return { share: 0, reason: `battery at ${Math.round(env.battery.level * 100)}%, below ${Math.round(s.minBattery * 100)}%` }
  return { share: clamp(s.share, 0.1, 1), reason: null }
}

/** Settings read back from storage: anything malformed falls back to the default field by field. */
export function parseSettings(text: string | null): VolunteerSettings {
  let o: Partial<Record<keyof VolunteerSettings, unknown>> = {}
  try {
    const v = text ? JSON.parse(text) : {}
    if (v && typeof v === 'object') o = v
  } catch {
    // a damaged entry: defaults
  }
  const num = (v: unknown, d: number, lo: number, hi: number) => (typeof v === 'number' && Number.isFinite(v) ? clamp(v, lo, hi) : d)
  return {
    paused: typeof o.paused === 'boolean' ? o.paused : DEFAULT_SETTINGS.paused,
    share: num(o.share, DEFAULT_SETTINGS.share, 0.1, 1),
    background: typeof o.background === 'boolean' ? o.background : DEFAULT_SETTINGS.background,
    minBattery: num(o.minBattery, DEFAULT_SETTINGS.minBattery, 0, 1),
  }
}
