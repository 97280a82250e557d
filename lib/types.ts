/**
 * Shared, type-only vocabulary of the pure core: the injected clock, scheduler
 * and random source. Nothing in the policy core reads time or randomness from
 * globals; everything comes through a {@link Deps} object so that users can drive
 * the core with a fake clock and a seeded random in their own tests.
 */

/** A monotonic clock in milliseconds (any origin). */
export interface Clock {
  /** Current time in milliseconds. Must never go backwards. */
  now(): number
}

/** A handle to a scheduled callback. Cancelling twice is harmless. */
export interface Timer {
  cancel(): void
}

/** Schedules callbacks after a delay, in milliseconds, on the injected clock. */
export interface Scheduler {
  /**
   * Run `fn` once after `delay` milliseconds. Timers created by the default
   * runtime never keep the process alive.
   */
  schedule(delay: number, fn: () => void): Timer
}

/**
 * A wall clock: Unix time in milliseconds, like `Date.now()`. May jump (NTP);
 * used only where dates leave the process, such as the dates inside
 * persistence cookies (HAProxy `maxidle`/`maxlife`).
 */
export interface WallClock {
  /** Current Unix time in milliseconds. */
  now(): number
}

/** A uniform random number in [0, 1), like `Math.random`. */
export type Random = () => number

/**
 * Everything the core needs from the outside world.
 * `createProxy` fills missing members from {@link defaultDeps}.
 */
export interface Deps {
  readonly clock: Clock
  readonly scheduler: Scheduler
  readonly random: Random
  /** Unix time for cookie dates. `createProxy` fills it with `Date.now`. @default Date.now */
  readonly wallClock?: WallClock | undefined
}
