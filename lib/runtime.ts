import type { Clock, Deps, Random, Scheduler, Timer, WallClock } from './types.js'

/**
 * The only module that touches real time and `Math.random`. Everything else
 * receives these through {@link Deps}.
 */

/** Clock backed by `performance.now()` (monotonic, milliseconds). */
export const systemClock: Clock = { now: () => performance.now() }

/** Scheduler backed by `setTimeout`; timers are `unref()`'d so an idle balancer never keeps a process alive. */
export const systemScheduler: Scheduler = {
  schedule(delay: number, fn: () => void): Timer {
    const handle = setTimeout(fn, delay)
    handle.unref()
    return { cancel: () => clearTimeout(handle) }
  },
}

/** Wall clock backed by `Date.now()` (Unix milliseconds). */
export const systemWallClock: WallClock = { now: () => Date.now() }

/** `Math.random`, the default random source. */
export const systemRandom: Random = Math.random

/** The default dependencies: system clock, unref'd timers, `Math.random`, `Date.now`. */
export function defaultDeps(overrides: Partial<Deps> = {}): Deps & { readonly wallClock: WallClock } {
  return {
    clock: overrides.clock ?? systemClock,
    scheduler: overrides.scheduler ?? systemScheduler,
    random: overrides.random ?? systemRandom,
    wallClock: overrides.wallClock ?? systemWallClock,
  }
}
