/**
 * Runtime weight changes as HAProxy's `set weight` accepts them (§1 of the
 * semantics reference): an absolute weight 0..256 or a percentage of the
 * configured weight.
 */
import { SwitchyardError } from './errors.js'
import { MAX_WEIGHT } from './server.js'

/** A runtime weight: an absolute number, or `"N%"` relative to the configured weight. */
export type WeightChange = number | `${number}%` | `${number}`

/** Largest percentage taken into account (HAProxy caps `N%` at 25600). */
const MAX_PERCENT = 25_600

/**
 * The new user weight for a change request.
 *
 * - An integer 0..256 (number or digit string) is taken as is.
 * - `"N%"`: `floor(initialWeight × min(N, 25600) / 100)`, capped at 256
 *   (weight 10: `50%` → 5, `75%` → 7, `300%` → 30, `0%` → 0). Always relative
 *   to the configured weight, never to the current one.
 *
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for anything else (negative,
 *   fractional, above 256, malformed)
 * HAProxy: `set weight <backend>/<server> <weight>[%]`
 */
export function resolveWeightChange(change: WeightChange, initialWeight: number): number {
  if (typeof change === 'string') {
    const match = /^(\d+)(%?)$/.exec(change)
    if (match !== null) {
      // The regex has two groups.
      const value = Number(match[1]!)
      if (match[2] === '%') return Math.min(MAX_WEIGHT, Math.floor((initialWeight * Math.min(value, MAX_PERCENT)) / 100))
      change = value
    }
  }
  if (typeof change !== 'number' || !Number.isInteger(change) || change < 0 || change > MAX_WEIGHT) {
    throw new SwitchyardError(
      'SWY_ERR_INVALID_OPTION',
      `Expected \`weight\` to be an integer 0..${MAX_WEIGHT} or a percentage like "50%", got \`${String(change)}\` (${typeof change})`,
      { field: 'weight', value: change },
    )
  }
  return change
}
