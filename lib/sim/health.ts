/**
 * How a simulation turns a server's real failures and recoveries into the
 * operational state the backend sees: the hook where a health-check machine
 * plugs in.
 *
 * The simulator knows the truth (a server is dead between the start and end
 * of a `down` failure) and tells the {@link HealthDriver} at both instants.
 * With a scenario's `health`, the driver is {@link healthChecks} (checks.ts):
 * the real health monitor runs its checks on the virtual clock and asks
 * `control.healthy(name)` for each verdict. Without it, {@link detectAfter}
 * is an idealised detector that flips the server `detect` ms after the
 * truth changed. Everything a driver needs is virtual-time and seeded.
 */
import type { Backend } from '../backend.js'
import type { ServerView } from '../balance/types.js'
import type { Clock, Random, Scheduler } from '../types.js'

/** What a health driver may use. */
export interface HealthControl {
  /** The backend under simulation. */
  readonly backend: Backend
  /** Virtual time. */
  readonly clock: Clock
  /** Virtual timers. */
  readonly scheduler: Scheduler
  /** A seeded random stream of its own (for check jitter). */
  readonly random: Random
  /** The truth: false while a `down` failure of the server lasts. */
  healthy(server: string): boolean
  /**
   * Call when a check result is about to be delivered through a promise at
   * this instant: the run lets that reaction, and the reactions of what it
   * changes, run before virtual time moves on.
   */
  deferred(): void
}

/** Receives the real failures and recoveries of servers. */
export interface HealthDriver {
  /** `server` just failed (`healthy` false) or recovered (true), at `control.clock.now()`. */
  changed(server: ServerView, healthy: boolean): void
  /** The run starts (its own events are scheduled): start timers (checks). */
  start?(): void
  /** Nothing more can change: stop every timer (checks), so the run can end. */
  stop?(): void
}

/** Builds a driver for one simulation run. */
export type HealthDriverFactory = (control: HealthControl) => HealthDriver

/**
 * The default driver: the backend learns of a failure or recovery `detect` ms
 * after it happens (0: at once), as if a perfect check ran then.
 */
export function detectAfter(detect: number): HealthDriverFactory {
  return (control) => ({
    changed(server, healthy) {
      const flip = (): void => control.backend.setOperational(server, healthy ? 'up' : 'down')
      if (detect === 0) flip()
      else control.scheduler.schedule(detect, flip)
    },
  })
}
