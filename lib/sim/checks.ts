/**
 * Simulated health checks: the real {@link HealthMonitor} (its check runner,
 * rise/fall counters, intervals, `timeout check`, passive `observe`, slow
 * start — lib/health, no copies) on the virtual clock, with a probe that
 * answers from the simulation's truth instead of the network.
 *
 * A check of a server in a `down` failure fails: at once with L4CON
 * (`failedCheck: 'refused'`), or when the attempt's time limit expires with
 * L4TOUT (`'timeout'`: `min(inter, connectTimeout)` with `timeout check`,
 * else `inter`, §5.5). Every other check passes at once (L4OK). Checks start
 * when the run does, spread over the first interval as HAProxy spreads them
 * (§5.2), and each next one is due its interval (`inter`, `fastinter` or
 * `downinter` from the counter) after the previous one completed. A failure
 * or recovery at the very instant of a check is seen by that check (the
 * run's events at an instant come before the checks due then).
 */
import { HealthMonitor } from '../health/monitor.js'
import type { ServerHealthOptions } from '../health/options.js'
import type { Probe, ProbeContext, ProbeResult } from '../health/types.js'
import type { HealthDriver, HealthDriverFactory } from './health.js'
import type { SimHealth } from './scenario.js'

const PASSED: ProbeResult = Object.freeze({ status: 'L4OK' })
const REFUSED: ProbeResult = Object.freeze({ status: 'L4CON', message: 'Connection refused' })
const HUNG: ProbeResult = Object.freeze({ status: 'L4TOUT' })

/** The reason and check behind the server's last transition. */
export interface TransitionCause {
  /** `check`, `observe`, `admin`, … (HealthMonitor transition reasons). */
  readonly reason: string
  /** The check status behind it (`L4CON`, `L4TOUT`, `HANA`, …), if a check caused it. */
  readonly check: string | undefined
}

/** A driver running real health checks; also tells the run why each transition happened. */
export interface CheckDriver extends HealthDriver {
  /** The cause of the latest transition of `server` (read in the backend's `server:state` listener). */
  causeOf(server: string): TransitionCause | undefined
}

/**
 * How long checks need after the last change of truth to settle every
 * server: `rise + fall` attempts at the longest interval, each taking up to
 * its longest limit, with the spread jitter.
 */
export function settleTime(health: SimHealth): number {
  const interval = Math.max(health.inter, health.fastinter, health.downinter)
  const attempt = health.timeout > 0 && health.connectTimeout > 0 ? Math.min(health.inter, health.connectTimeout) + health.timeout : health.inter
  return Math.ceil((health.rise + health.fall) * (interval + attempt) * (1 + health.spreadChecks / 100))
}

/**
 * A {@link HealthDriverFactory} running `health` on every server with the
 * real health monitor. `changed()` is not needed (probes read
 * `control.healthy()`); `stop()` closes the monitor.
 */
export function healthChecks(health: SimHealth): HealthDriverFactory {
  return (control) => {
    const monitor = new HealthMonitor({ clock: control.clock, scheduler: control.scheduler, random: control.random }, { spreadChecks: health.spreadChecks })
    const causes = new Map<string, TransitionCause>()
    monitor.on('server:transition', (t) => causes.set(t.server.name, { reason: t.reason, check: t.check?.status }))
    const backend = control.backend
    for (const server of backend.servers) {
      const name = server.name
      const probe: Probe = (ctx: ProbeContext) => {
        if (control.healthy(name)) return PASSED
        if (health.failedCheck === 'refused') return REFUSED
        // A host that does not answer: the runner's deadline aborts the attempt (L4TOUT).
        return new Promise<ProbeResult>((resolve) =>
          ctx.onAbort(() => {
            control.deferred()
            resolve(HUNG)
          }),
        )
      }
      const options: ServerHealthOptions = {
        check: {
          probe,
          inter: health.inter,
          fastinter: health.fastinter,
          downinter: health.downinter,
          rise: health.rise,
          fall: health.fall,
          timeout: health.timeout,
          connectTimeout: health.connectTimeout,
        },
        initialState: health.initialState,
        slowstart: health.slowstart,
        observe: health.observe,
      }
      monitor.watch(backend, server, options)
    }
    const driver: CheckDriver = {
      changed() {
        // Probes read the truth when they run: nothing to do at the instant of a failure.
      },
      start() {
        monitor.start()
      },
      stop() {
        monitor.close()
      },
      causeOf: (server) => causes.get(server),
    }
    return driver
  }
}
