/**
 * The timing of one check of one server (HAProxy's check task): attempts run
 * one at a time, the next one `interval` after the previous completed (with
 * the `spread-checks` jitter), and each attempt is bounded by §5.5:
 *
 * - without `timeout check`, the whole attempt must end within `inter`;
 * - with it, connecting gets `min(inter, timeout connect)` (just `inter`
 *   without `timeout connect`), then a fresh `timeout check` covers the
 *   exchange once the probe reports it left the `connect` stage.
 *
 * On expiry the probe's signal aborts and the attempt ends with L4TOUT,
 * L6TOUT or L7TOUT depending on the stage reached. Every timer goes through
 * the injected scheduler; `stop()` leaves none pending.
 */
import { describeStatus, timeoutStatus } from './check-status.js'
import { spreadDelay } from './state.js'
import type { Deps, Timer } from '../types.js'
import type { CheckResult, Probe, ProbeContext, ProbeResult, ProbeStage } from './types.js'

/** Time limits of one check, in milliseconds. */
export interface RunnerTiming {
  /** The check's `inter` (bounds an attempt when `timeout` is unset). */
  readonly inter: number
  /** `timeout check`; 0 = unset. */
  readonly timeout: number
  /** `timeout connect`; 0 = unset (only used with `timeout`). */
  readonly connectTimeout: number
  /** `spread-checks` percent. */
  readonly spread: number
}

/** What the runner asks of its owner. */
export interface RunnerHooks {
  /** Milliseconds until the next attempt (called after the last result was applied). */
  interval(): number
  /** False when the server is DOWN (for the probe context). */
  running(): boolean
  /** An attempt completed. */
  result(result: CheckResult): void
}

/** One attempt in flight. */
class Attempt implements ProbeContext {
  readonly startedAt: number
  readonly running: boolean
  readonly #runner: CheckRunner
  /** Created on first use of `signal`: probes using onAbort never pay for it. */
  #controller: AbortController | undefined = undefined
  #listener: (() => void) | undefined = undefined
  #aborted = false
  stage: ProbeStage = 'connect'
  deadline: Timer | undefined = undefined
  /** The stage at which the deadline expired. */
  timedOut: ProbeStage | undefined = undefined
  /** Stopped while in flight: its result is dropped. */
  cancelled = false

  constructor(runner: CheckRunner, startedAt: number, running: boolean) {
    this.#runner = runner
    this.startedAt = startedAt
    this.running = running
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#aborted) this.#controller.abort(new Error('health check aborted'))
    }
    return this.#controller.signal
  }

  onAbort(listener: () => void): void {
    if (this.#aborted) listener()
    else this.#listener = listener
  }

  abort(reason: string): void {
    this.#aborted = true
    const listener = this.#listener
    this.#listener = undefined
    listener?.()
    this.#controller?.abort(new Error(reason))
  }

  reached(stage: ProbeStage): void {
    this.#runner.reached(this, stage)
  }
}

function failure(error: unknown): ProbeResult {
  return { status: 'SOCKERR', message: error instanceof Error ? error.message : String(error) }
}

/** Runs the attempts of one check. */
export class CheckRunner {
  readonly #probe: Probe
  readonly #timing: RunnerTiming
  readonly #deps: Deps
  readonly #hooks: RunnerHooks
  #timer: Timer | undefined = undefined
  #dueAt = 0
  #attempt: Attempt | undefined = undefined
  #active = false
  /** start() came while a stopped attempt was still settling: the delay to use once it has. */
  #restart: number | undefined = undefined

  constructor(probe: Probe, timing: RunnerTiming, deps: Deps, hooks: RunnerHooks) {
    this.#probe = probe
    this.#timing = timing
    this.#deps = deps
    this.#hooks = hooks
  }

  /** True between start() and stop(). */
  get active(): boolean {
    return this.#active
  }

  /** True while an attempt is in flight (stats show `* ` before the status). */
  get inProgress(): boolean {
    return this.#attempt !== undefined && !this.#attempt.cancelled
  }

  /** Schedules the first attempt after `delay` ms. No effect when already active. */
  start(delay: number): void {
    if (this.#active) return
    this.#active = true
    // Never two attempts at once: wait for the stopped one to settle.
    if (this.#attempt !== undefined) this.#restart = delay
    else this.#arm(delay)
  }

  /** Cancels the next attempt and aborts the one in flight (its result is dropped). */
  stop(): void {
    this.#active = false
    this.#restart = undefined
    this.#timer?.cancel()
    this.#timer = undefined
    const attempt = this.#attempt
    if (attempt !== undefined && !attempt.cancelled) {
      attempt.cancelled = true
      attempt.deadline?.cancel()
      attempt.deadline = undefined
      attempt.abort('health check stopped')
    }
  }

  /** Brings the next attempt forward to `delay` ms from now if it is due later (observe errors → fastinter). */
  expedite(delay: number): void {
    if (this.#timer === undefined || this.#deps.clock.now() + delay >= this.#dueAt) return
    this.#timer.cancel()
    this.#arm(delay)
  }

  #arm(delay: number): void {
    this.#dueAt = this.#deps.clock.now() + delay
    this.#timer = this.#deps.scheduler.schedule(delay, this.#fire)
  }

  readonly #fire = (): void => {
    this.#timer = undefined
    const { inter, timeout, connectTimeout } = this.#timing
    const attempt = new Attempt(this, this.#deps.clock.now(), this.#hooks.running())
    this.#attempt = attempt
    const first = timeout > 0 && connectTimeout > 0 ? Math.min(inter, connectTimeout) : inter
    attempt.deadline = this.#deps.scheduler.schedule(first, this.#expire)
    let outcome: ProbeResult | Promise<ProbeResult>
    try {
      outcome = this.#probe(attempt)
    } catch (error) {
      outcome = failure(error)
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (result) => this.#settle(attempt, result),
        (error: unknown) => this.#settle(attempt, failure(error)),
      )
    } else {
      this.#settle(attempt, outcome)
    }
  }

  /** Probe progress: leaving `connect` starts `timeout check` when it is set. */
  reached(attempt: Attempt, stage: ProbeStage): void {
    if (attempt.deadline === undefined) return
    const connecting = attempt.stage === 'connect'
    attempt.stage = stage
    const timeout = this.#timing.timeout
    if (!connecting || stage === 'connect' || timeout === 0) return
    attempt.deadline.cancel()
    attempt.deadline = this.#deps.scheduler.schedule(timeout, this.#expire)
  }

  /** Deadline timer: the attempt in flight took too long. Its deadline is cancelled whenever it ends or is stopped. */
  readonly #expire = (): void => {
    const attempt = this.#attempt!
    attempt.deadline = undefined
    attempt.timedOut = attempt.stage
    attempt.abort('health check timeout')
  }

  #settle(attempt: Attempt, result: ProbeResult): void {
    attempt.deadline?.cancel()
    attempt.deadline = undefined
    this.#attempt = undefined
    if (attempt.cancelled) {
      const restart = this.#restart
      this.#restart = undefined
      if (restart !== undefined) this.#arm(restart)
      return
    }
    const status = attempt.timedOut === undefined ? result.status : timeoutStatus(attempt.timedOut)
    this.#hooks.result({
      status,
      code: attempt.timedOut === undefined ? result.code : undefined,
      message: attempt.timedOut === undefined ? (result.message ?? describeStatus(status)) : describeStatus(status),
      duration: this.#deps.clock.now() - attempt.startedAt,
      reply: attempt.timedOut === undefined ? result.reply : undefined,
    })
    // The hook may have stopped (or stopped and restarted) this runner.
    if (this.#active && this.#timer === undefined && this.#attempt === undefined) {
      this.#arm(spreadDelay(this.#hooks.interval(), this.#timing.spread, this.#deps.random))
    }
  }
}
