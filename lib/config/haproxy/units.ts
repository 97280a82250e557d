/**
 * HAProxy's numbers: times (`5s`, `2000` = ms, `10m`, `1h`, `100ms`, `1d`,
 * `500us`), sizes (`16k`, `1m`, `1g`: powers of 1024) and plain integers.
 */
import { configError, type CfgLocation } from './errors.js'

const TIME_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Largest timer Node accepts (and the public schemas allow), ms. */
const MAX_TIME = 2_147_483_647

/**
 * A time in milliseconds: a number with an optional unit `us`, `ms`, `s`,
 * `m`, `h` or `d` (no unit = milliseconds; microseconds round up).
 * @throws {SwitchyardError} SWY_ERR_CONFIG naming the value.
 */
export function parseTime(text: string | undefined, at: CfgLocation, keyword: string): number {
  const m = text === undefined ? null : /^(\d+)(us|ms|s|m|h|d)?$/.exec(text)
  if (m === null) throw configError(at, keyword, `expected a time like \`5s\`, \`100ms\` or \`2000\` (ms), got ${text === undefined ? 'nothing' : `\`${text}\``}`)
  const unit = m[2] ?? 'ms'
  const value = unit === 'us' ? Math.ceil(Number(m[1]) / 1000) : Number(m[1]) * TIME_UNITS[unit]!
  if (value > MAX_TIME) throw configError(at, keyword, `time \`${text}\` is too large (at most ${MAX_TIME} ms, about 24.8 days)`)
  return value
}

/**
 * A size in bytes: a number with an optional `k`, `m` or `g` suffix (× 1024ⁿ).
 * @throws {SwitchyardError} SWY_ERR_CONFIG naming the value.
 */
export function parseSize(text: string | undefined, at: CfgLocation, keyword: string): number {
  const m = text === undefined ? null : /^(\d+)([kmg])?$/i.exec(text)
  if (m === null) throw configError(at, keyword, `expected a size like \`16k\` or \`16384\`, got ${text === undefined ? 'nothing' : `\`${text}\``}`)
  return Number(m[1]) * (m[2] === undefined ? 1 : 1024 ** ('kmg'.indexOf(m[2].toLowerCase()) + 1))
}

/**
 * A decimal integer within `min..max`.
 * @throws {SwitchyardError} SWY_ERR_CONFIG naming the value and the range.
 */
export function parseInteger(text: string | undefined, at: CfgLocation, keyword: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const ok = text !== undefined && /^-?\d+$/.test(text)
  const value = ok ? Number(text) : NaN
  if (!ok || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer ${min}..${max}`
    throw configError(at, keyword, `expected ${range}, got ${text === undefined ? 'nothing' : `\`${text}\``}`)
  }
  return value
}
