/**
 * How many requests a server may serve at once: the dynamic limit of
 * `minconn`/`maxconn`/`fullconn` (§3.4 of the semantics reference), the
 * slow-start ramps (§5.9) and the default `fullconn` (§3.1).
 *
 * Pure: the backend load and `now` are parameters (HAProxy
 * `srv_dynamic_maxconn`, src/queue.c; `server_recalc_eweight`, src/server.c).
 */
import { WEIGHT_SCALE } from '../server.js'

/** A server's configured limits, normalised as at creation (`minconn` equals `maxconn` for a static limit). */
export interface SlotLimits {
  /** Concurrent slots at full load; 0 = unlimited. HAProxy: `maxconn`. */
  readonly maxconn: number
  /** Slots when the backend is idle; equal to `maxconn` when the limit is static. HAProxy: `minconn`. */
  readonly minconn: number
}

/**
 * A slow-start window on the injected clock, in milliseconds: the server became
 * usable at `start` and reaches full capacity at `end`.
 * HAProxy: `slowstart`.
 */
export interface SlowStartWindow {
  readonly start: number
  readonly end: number
}

/**
 * The §3.4 limit: `maxconn` when the limit is static or the backend carries at
 * least `fullconn` requests, else `max(minconn, floor(beconn × maxconn / fullconn))`.
 *
 * @param beconn requests attached to the backend, queued ones and the one being
 *   admitted included (HAProxy `beconn`)
 * @param fullconn backend load at which servers reach `maxconn`; 0 turns the
 *   dynamic limit off (switchyard's "no fullconn could be derived")
 * @returns the limit; 0 means unlimited (`maxconn` 0)
 * HAProxy: `minconn`, `maxconn`, `fullconn`
 */
export function dynamicMaxconn(limits: SlotLimits, beconn: number, fullconn: number): number {
  const { maxconn, minconn } = limits
  if (minconn >= maxconn || fullconn <= 0 || beconn >= fullconn) return maxconn
  return Math.max(minconn, Math.floor((beconn * maxconn) / fullconn))
}

/** Whole seconds of a slow-start window (HAProxy stores `slowstart` in seconds, rounding up). */
function windowSeconds(window: SlowStartWindow): number {
  return Math.ceil((window.end - window.start) / 1000)
}

/**
 * Whole seconds elapsed in the window at `now`, or −1 when the ramp does not
 * apply (before the start, at or after the last whole second, or an empty window).
 */
function elapsedSeconds(window: SlowStartWindow, now: number): number {
  const elapsed = Math.floor((now - window.start) / 1000)
  return elapsed >= 0 && elapsed < windowSeconds(window) ? elapsed : -1
}

/**
 * The §5.9 maxconn ramp applied to a limit from {@link dynamicMaxconn}:
 * `max(1, floor(limit × floor(100 × e / S) / 100))` with `e` the whole seconds
 * since `window.start` and `S` the window in whole seconds (rounded up). Outside
 * the window, or for an unlimited server (0), the limit is returned unchanged.
 * HAProxy: `slowstart`
 */
export function slowStartMaxconn(limit: number, window: SlowStartWindow, now: number): number {
  const elapsed = elapsedSeconds(window, now)
  if (limit === 0 || elapsed < 0) return limit
  const ratio = Math.floor((100 * elapsed) / windowSeconds(window))
  return Math.max(1, Math.floor((limit * ratio) / 100))
}

/**
 * The effective maxconn of a server now: {@link dynamicMaxconn}, then the
 * slow-start ramp when a window is given. 0 means unlimited.
 */
export function effectiveMaxconn(
  limits: SlotLimits,
  beconn: number,
  fullconn: number,
  window: SlowStartWindow | undefined,
  now: number,
): number {
  const limit = dynamicMaxconn(limits, beconn, fullconn)
  return window === undefined ? limit : slowStartMaxconn(limit, window, now)
}

/**
 * The §5.9 weight ramp of dynamic algorithms, as a multiplier in sixteenths of
 * the weight (1…16, for `Farm.setWeightScale`): `floor((16 × e + S) / S)`,
 * i.e. 1/16 at the start and 16/16 once the window has elapsed.
 * HAProxy: `slowstart`
 */
export function slowStartWeightScale(window: SlowStartWindow, now: number): number {
  const elapsed = elapsedSeconds(window, now)
  if (elapsed < 0) return now < window.start ? 1 : WEIGHT_SCALE
  const seconds = windowSeconds(window)
  // elapsed ≤ seconds − 1 keeps this at most 16.
  return Math.floor((WEIGHT_SCALE * elapsed + seconds) / seconds)
}

/**
 * The default `fullconn` of a backend (§3.1): a tenth of the summed `maxconn`
 * of the frontends that route to it, rounded up, at least 1.
 * @param frontendMaxconn each routing frontend's maxconn (counted once per route)
 * HAProxy: `fullconn`
 */
export function defaultFullconn(frontendMaxconn: readonly number[]): number {
  let sum = 0
  for (const maxconn of frontendMaxconn) sum += maxconn
  return Math.max(1, Math.ceil(sum / 10))
}
