/**
 * Priority keys of queued requests (HAProxy `set-priority-class` /
 * `set-priority-offset`, §3.3 of the semantics reference).
 *
 * A queued request is ordered by a *class* (lower first) and then by a *time
 * key*: its arrival time in whole milliseconds plus its offset. HAProxy stores
 * the time key in 20 bits, so it wraps every 1,048,576 ms (≈ 17 min 28.6 s),
 * and compares keys relative to "now": a key at or after `now − 2^19` counts
 * as recent and is served in ascending order; an older one has wrapped and is
 * served after every recent key of its class. switchyard keeps the key as an
 * unbounded integer and reproduces that comparison exactly by lifting a key
 * that fell behind the look-back boundary by whole multiples of 2^20
 * ({@link liftTimeKey}); a key only ever moves forward, so a queue ordered by
 * stored keys stays ordered once its head is lifted.
 *
 * Pure: `now` is always a parameter.
 */

/** Smallest priority class (served first). HAProxy clamps `set-priority-class` to −2047…2047. */
export const PRIORITY_CLASS_MIN = -2047

/** Largest priority class (served last). */
export const PRIORITY_CLASS_MAX = 2047

/** Largest absolute priority offset in milliseconds. HAProxy clamps `set-priority-offset` to ±524287. */
export const PRIORITY_OFFSET_MAX = 524_287

/** Number of distinct time keys: HAProxy keeps 20 bits (1,048,576 ms). */
export const TIME_KEY_RANGE = 1 << 20

/** How far back from now a time key still counts as recent: half the range (524,288 ms). */
export const TIME_KEY_LOOKBACK = 1 << 19

/**
 * Normalises a priority class: truncated to an integer and clamped to
 * −2047…2047; `undefined` and NaN give the default 0.
 * @default 0
 * HAProxy: `http-request set-priority-class`
 */
export function clampPriorityClass(value: number | undefined): number {
  return clampInteger(value, PRIORITY_CLASS_MIN, PRIORITY_CLASS_MAX)
}

/**
 * Normalises a priority offset in milliseconds: truncated to an integer and
 * clamped to ±524287; `undefined` and NaN give the default 0. A negative offset
 * moves a request ahead of requests that arrived up to that long before it.
 * @default 0
 * HAProxy: `http-request set-priority-offset`
 */
export function clampPriorityOffset(value: number | undefined): number {
  return clampInteger(value, -PRIORITY_OFFSET_MAX, PRIORITY_OFFSET_MAX)
}

/**
 * The time key of a request arriving at `arrival` (milliseconds, any origin)
 * with an already clamped `offset`: whole milliseconds plus the offset.
 */
export function timeKey(arrival: number, offset: number): number {
  return Math.floor(arrival) + offset
}

/**
 * The look-back boundary at `now`: keys below it have wrapped in HAProxy's
 * 20-bit arithmetic and rank after every key at or above it.
 */
export function timeKeyBoundary(now: number): number {
  return Math.floor(now) - TIME_KEY_LOOKBACK
}

/**
 * Lifts `key` by whole multiples of 2^20 until it is at or above `boundary`
 * (from {@link timeKeyBoundary}). Ordering lifted keys numerically gives
 * exactly HAProxy's wrap-aware order at that moment.
 */
export function liftTimeKey(key: number, boundary: number): number {
  return key >= boundary ? key : key + TIME_KEY_RANGE * Math.ceil((boundary - key) / TIME_KEY_RANGE)
}

/**
 * HAProxy's own view of a key at `now`: its 20-bit value's distance from the
 * look-back boundary, in 0…2^20−1. Smaller is served first. Provided to check
 * {@link liftTimeKey} against the reference arithmetic.
 */
export function relativeTimeKey(key: number, now: number): number {
  const distance = (key - timeKeyBoundary(now)) % TIME_KEY_RANGE
  return distance < 0 ? distance + TIME_KEY_RANGE : distance
}

function clampInteger(value: number | undefined, min: number, max: number): number {
  if (value === undefined || Number.isNaN(value)) return 0
  const integer = Math.trunc(value)
  return integer < min ? min : integer > max ? max : integer
}
