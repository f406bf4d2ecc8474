// consensus-critical: any change to output bytes needs PROTOCOL_VERSION++ and new vectors.
/**
 * Which completions of a group a receiver replays. Completion k is replayed iff
 *   floor(uniformAt(deriveSeed("murmur/replay-select/v1", secret, messageId), [k]) · 10^6) < ratePpm
 * where `secret` is the verifier's own injected entropy (never sent anywhere) and `messageId` the
 * group's hash. The sender cannot know which completions any receiver will check, so every faked
 * completion risks the whole group; the verifier's choice is still reproducible from its secret.
 */
import { PPM } from '../constants.js'
import { InvalidArgumentError } from '../errors.js'
import { deriveSeed, uniformAt } from '../random/rng.js'

export const REPLAY_SELECT_DOMAIN = 'murmur/replay-select/v1'

export interface ReplaySampling {
  /** Fraction of completions replayed, parts per million (the run's `replayRatePpm`). */
  ratePpm: number
  /** The verifier's private entropy, at least 16 bytes, from the app's CSPRNG. */
  secret: Uint8Array
}

export function selectReplayIndices({ secret, ratePpm }: ReplaySampling, messageId: Uint8Array, completions: number): number[] {
  if (!Number.isInteger(ratePpm) || ratePpm < 0 || ratePpm > PPM)
    throw new InvalidArgumentError(`ratePpm must be an integer in [0, ${PPM}], got ${ratePpm}.`)
  if (!(secret instanceof Uint8Array) || secret.length < 16)
    throw new InvalidArgumentError('The replay secret must be at least 16 bytes of the verifier’s own entropy.')
  if (ratePpm === 0) return []
  const seed = deriveSeed(REPLAY_SELECT_DOMAIN, secret, messageId)
  const out: number[] = []
  for (let k = 0; k < completions; k++) if (Math.floor(uniformAt(seed, [k]) * PPM) < ratePpm) out.push(k)
  return out
}
