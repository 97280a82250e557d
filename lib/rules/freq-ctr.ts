/**
 * HAProxy's frequency counter (`struct freq_ctr`, src/freq_ctr.c): an event
 * rate over a sliding window approximated with two buckets, the events of the
 * current period and those of the previous one. The previous bucket is
 * weighted by the part of the window that still overlaps it:
 *
 *     remain = tick + period − now          (time left in the current period)
 *     total  = prev × remain + curr × period
 *     rate   = ⌊total / period⌋             (events per period)
 *
 * When the current period is over but not the next one, the current bucket
 * becomes the previous one (prev = curr, curr = 0, remain += period); two or
 * more periods later both are 0. A read with prev ≤ 1 and curr = 0 reports
 * prev unweighted ("flapping correction": a rate of one event per period
 * does not blink between 0 and 1).
 *
 * Periods start on even milliseconds: HAProxy uses the tick's low bit as a
 * lock, so a rotated tick is always rounded down to an even value. Time is
 * the caller's `now` in milliseconds (fractions are dropped); nothing wraps,
 * unlike HAProxy's 32-bit ticks.
 *
 * HAProxy: `http_req_rate(<period>)`, `http_err_rate(<period>)` in `stick-table … store`.
 */

/** One counter: start of the current period, and the two buckets. */
export interface FreqCtr {
  /** Start of the current period (even milliseconds). */
  tick: number
  /** Events in the current period. */
  curr: number
  /** Events in the previous period. */
  prev: number
}

/** `t` rounded down to an even millisecond (HAProxy's `& ~1`, without 32-bit truncation). */
function even(t: number): number {
  return t - (t % 2)
}

/** A counter whose current period starts at `now` (HAProxy `preload_freq_ctr` with 0). */
export function createFreqCtr(now: number): FreqCtr {
  return { tick: even(Math.floor(now)), curr: 0, prev: 0 }
}

/**
 * Adds `inc` events at `now`, rotating the buckets first when the period is
 * over. Returns the new current-period count.
 * HAProxy: `update_freq_ctr_period()`.
 */
export function updateFreqCtr(ctr: FreqCtr, period: number, inc: number, now: number): number {
  const t = Math.floor(now)
  if (t - ctr.tick >= period) {
    ctr.prev = ctr.curr
    ctr.curr = 0
    let tick = ctr.tick + period
    if (t - tick >= period) {
      // At least two periods went by without an event.
      ctr.prev = 0
      tick = t
    }
    ctr.tick = even(tick)
  }
  ctr.curr += inc
  return ctr.curr
}

/**
 * Events over the window at `now` multiplied by `period`, counting `pend`
 * more pending events; `pend < 0` means none and enables the flapping
 * correction. HAProxy: `freq_ctr_total()`.
 */
export function freqCtrTotal(ctr: FreqCtr, period: number, pend: number, now: number): number {
  let curr = ctr.curr
  let past = ctr.prev
  let remain = ctr.tick + period - Math.floor(now)
  if (remain < 0) {
    // Past the current period: its events are now the previous ones, if still in the window.
    remain += period
    past = remain >= 0 ? curr : 0
    curr = 0
  }
  if (pend < 0) {
    pend = 0
    if (curr === 0 && past <= 1) return past * period
  }
  return past * remain + (curr + pend) * period
}

/** The rate at `now` in events per period. HAProxy: `read_freq_ctr_period()`. */
export function readFreqCtr(ctr: FreqCtr, period: number, now: number): number {
  return Math.floor(freqCtrTotal(ctr, period, -1, now) / period)
}

/**
 * The earliest time ≥ `now` at which `allowed(probe, t)` holds for a copy of
 * the counter, assuming no event happens meanwhile; `undefined` when it never
 * does. `allowed` must be monotonic in time (false, then true forever), which
 * holds for "a threshold test on the rate" because the total never grows
 * without events. Searched by bisection over [now, now + 2·period + 2]: past
 * that, both buckets are empty and nothing changes any more.
 */
export function freqCtrWait(ctr: FreqCtr, period: number, now: number, allowed: (probe: FreqCtr, at: number) => boolean): number | undefined {
  const probe: FreqCtr = { tick: 0, curr: 0, prev: 0 }
  const test = (at: number): boolean => {
    probe.tick = ctr.tick
    probe.curr = ctr.curr
    probe.prev = ctr.prev
    return allowed(probe, at)
  }
  const start = Math.floor(now)
  let hi = start + 2 * period + 2
  if (!test(hi)) return undefined
  let lo = start
  if (test(lo)) return lo
  // Invariant: test(lo) is false, test(hi) is true.
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (test(mid)) hi = mid
    else lo = mid
  }
  return hi
}
