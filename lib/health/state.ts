/**
 * The health state machine of HAProxy, pure: the rise/fall "health" counter
 * (§5.3 of the semantics reference), the initial state (§5.4), check
 * intervals and jitter (§5.2), what a check, an agent or passive observation
 * does to the server (§5.8, §5.10, HAProxy `check_notify_*`), and the stats
 * status text (§6.2).
 *
 * Nothing here reads a clock or a random source: callers pass them in. The
 * monitor (monitor.ts, server-health.ts) owns the timers and applies the
 * verdicts to a Backend.
 *
 * @example
 * ```ts
 * const policy = { rise: 2, fall: 3 }
 * let health = initialHealth(policy)          // 2: UP, "UP 1/3"
 * health = failCheck(health, policy)          // 0: DOWN at the first failure
 * health = passCheck(health, policy)          // 1: "DOWN 1/2"
 * health = passCheck(health, policy)          // 4: UP, fully
 * ```
 */
import type { AdminState, OperationalState } from '../balance/types.js'
import type { LeaseOutcome } from '../queue/types.js'
import type { CheckOutcome } from './types.js'

/** Consecutive results needed to flip a server. HAProxy: `rise`, `fall`. */
export interface RiseFall {
  /** Successes that bring a DOWN server UP. @default 2 */
  readonly rise: number
  /** Failures that take a fully UP server DOWN. @default 3 */
  readonly fall: number
}

/**
 * Where the counter starts (HAProxy 3.1+ `init-state`; 2.6 always uses `up`).
 * - `up` — health = rise: UP at once, one failure takes it DOWN (HAProxy's historical behaviour).
 * - `fully-up` — health = rise+fall−1: UP, `fall` failures to go DOWN.
 * - `down` — health = rise−1: DOWN, one success brings it UP.
 * - `fully-down` — health = 0: DOWN, `rise` successes to come UP.
 */
export type InitialState = 'up' | 'fully-up' | 'down' | 'fully-down'

/** Top of the counter: rise + fall − 1 (fully UP). */
export function maxHealth(policy: RiseFall): number {
  return policy.rise + policy.fall - 1
}

/**
 * The counter's starting value (§5.4).
 * HAProxy: initial `health = rise`; 3.1+ `init-state`
 */
export function initialHealth(policy: RiseFall, state: InitialState = 'up'): number {
  switch (state) {
    case 'up':
      return policy.rise
    case 'fully-up':
      return maxHealth(policy)
    case 'down':
      return policy.rise - 1
    case 'fully-down':
      return 0
  }
}

/** True when the counter says UP: health ≥ rise. */
export function isPassing(health: number, policy: RiseFall): boolean {
  return health >= policy.rise
}

/**
 * The counter after a passed check (§5.3): +1 up to the top, and reaching
 * `rise` jumps to the top (UP, fully).
 */
export function passCheck(health: number, policy: RiseFall): number {
  const top = maxHealth(policy)
  if (health >= top) return top
  return health + 1 >= policy.rise ? top : health + 1
}

/**
 * The counter after a failed check (§5.3): −1 down to 0, and dropping below
 * `rise` falls to 0 (DOWN).
 */
export function failCheck(health: number, policy: RiseFall): number {
  if (health <= 0) return 0
  return health - 1 < policy.rise ? 0 : health - 1
}

/** The three intervals of §5.2, in milliseconds. */
export interface CheckIntervals {
  /** Between checks of a fully UP server. HAProxy: `inter`. @default 2000 */
  readonly inter: number
  /** While the server is transitioning (and after an `observe` error). HAProxy: `fastinter`. @default inter */
  readonly fastinter: number
  /** While the server is fully DOWN. HAProxy: `downinter`. @default inter */
  readonly downinter: number
}

/**
 * The interval before the next check (§5.2): `inter` when fully UP,
 * `downinter` when fully DOWN, `fastinter` in between.
 * @param serverDown the server's operational state is DOWN (HAProxy uses `downinter` only then)
 * HAProxy: `srv_getinter`
 */
export function checkInterval(health: number, policy: RiseFall, intervals: CheckIntervals, serverDown: boolean): number {
  if (health === maxHealth(policy)) return intervals.inter
  if (serverDown && health === 0) return intervals.downinter
  return intervals.fastinter
}

/**
 * `interval` with HAProxy's `spread-checks` jitter: ±`percent`% of it,
 * uniformly (`p − trunc(2p × random)` with `p = trunc(interval × percent / 100)`).
 * @param percent 0..50; 0 = no jitter
 * HAProxy: global `spread-checks`
 */
export function spreadDelay(interval: number, percent: number, random: () => number): number {
  if (percent <= 0) return interval
  const p = Math.trunc((interval * percent) / 100)
  return interval + p - Math.trunc(2 * p * random())
}

/** Intervals below this do not dictate the start-up spread (HAProxy `SRV_CHK_INTER_THRES`). */
export const SPREAD_THRESHOLD = 1000

/**
 * The interval the first checks are spread over: the smallest of `intervals`
 * that is at least 1 s, or 0 when there is none.
 * HAProxy: `start_checks` (mininter)
 */
export function startSpread(intervals: Iterable<number>): number {
  let min = 0
  for (const interval of intervals) {
    if (interval >= SPREAD_THRESHOLD && (min === 0 || interval < min)) min = interval
  }
  return min
}

/**
 * Delay of the first check of the `position`-th of `count` checks (0-based,
 * agents included): `max(spread, interval) × position / count`, with the
 * `spread-checks` jitter added to the span. The first one runs at once.
 * @param spread from {@link startSpread}
 * @param interval this check's own interval at start-up
 * HAProxy: `start_check_task`
 */
export function firstCheckDelay(position: number, count: number, spread: number, interval: number, percent: number, random: () => number): number {
  let span = Math.max(spread, interval)
  if (percent > 0) span += spreadDelay(interval, percent, random) - interval
  return Math.trunc((span * position) / count)
}

/** The server facts a verdict depends on. */
export interface HealthContext {
  /** Admin state MAINT. */
  readonly maint: boolean
  readonly operational: OperationalState
  /** The regular check is configured and enabled. */
  readonly checkEnabled: boolean
  /** The regular check's counter. */
  readonly health: number
  /** The agent is configured and enabled. */
  readonly agentEnabled: boolean
  /** The agent's counter: 0 (down) or 1 (up); agent rise = fall = 1. */
  readonly agentHealth: number
}

/**
 * What a result does to the server's operational state, after the counters
 * were updated (HAProxy `check_notify_failure/success/stopping`):
 * - `down` — a failure left the counter (the agent's for an agent) at 0;
 * - `up` — a pass, when every enabled check agrees and the server is not in
 *   maintenance; brings back a DOWN or NOLB server (an agent does not end NOLB);
 * - `stopping` — a conditional pass (disable-on-404) of a server that is up;
 * - `undefined` — nothing to change, and always in maintenance.
 * `up` means running: the caller turns it into `starting` when slow start applies.
 */
export function verdict(outcome: CheckOutcome, context: HealthContext, policy: RiseFall, fromAgent: boolean): 'up' | 'down' | 'stopping' | undefined {
  const op = context.operational
  // Maintenance freezes the operational state; leaving it re-evaluates (§6.1).
  if (outcome === 'neutral' || context.maint) return undefined
  if (outcome === 'failed') {
    const counter = fromAgent ? context.agentHealth : context.health
    return counter === 0 && op !== 'down' ? 'down' : undefined
  }
  if (context.checkEnabled && context.health < policy.rise) return undefined
  if (context.agentEnabled && context.agentHealth < 1) return undefined
  if (outcome === 'conditional') return fromAgent || op === 'stopping' || op === 'down' ? undefined : 'stopping'
  if (op === 'down') return 'up'
  return op === 'stopping' && !fromAgent ? 'up' : undefined
}

/** Passive health mode. HAProxy: `observe layer4|layer7`. */
export type ObserveMode = 'layer4' | 'layer7'

/** What `error-limit` consecutive errors trigger. HAProxy: `on-error`. */
export type OnErrorAction = 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down'

/**
 * How a request outcome counts for passive health (§5.8):
 * - layer4: a connection failure (`connect-error`, `connect-timeout`) is an
 *   error; any other outcome means the connection worked (OK).
 * - layer7: connection failures, `bad-response` and `response-timeout` are
 *   errors; a response is OK for status 100–499, 501 and 505 (clients can
 *   provoke those) and an error for any other status (500, 502–504, 506+).
 * `client-abort` says nothing about the server: `none`.
 * HAProxy: `health_adjust`, `analyze_statuses`
 */
export function classifyOutcome(outcome: LeaseOutcome, status: number | undefined, mode: ObserveMode): 'ok' | 'error' | 'none' {
  switch (outcome) {
    case 'client-abort':
      return 'none'
    case 'connect-error':
    case 'connect-timeout':
      return 'error'
    case 'bad-response':
    case 'response-timeout':
      return mode === 'layer4' ? 'ok' : 'error'
    case 'ok':
      if (mode === 'layer4' || status === undefined) return 'ok'
      return status < 500 || status === 501 || status === 505 ? 'ok' : 'error'
  }
}

/**
 * The regular check's counter after `error-limit` was reached (§5.8):
 * `failed` tells whether the action counts as one failed check (status
 * HANA), and `counted` whether that failure adds to `chkfail` (the counter
 * was above 0 when it was applied):
 * - `fastinter` — no change (only the next check comes sooner);
 * - `fail-check` — one failed check;
 * - `sudden-death` — lowered to rise+1 if above rise, then one failed check
 *   (so any further failure takes the server down);
 * - `mark-down` — set to rise, then one failed check: DOWN at once.
 * HAProxy: `__health_adjust`
 */
export function onErrorHealth(
  health: number,
  action: OnErrorAction,
  policy: RiseFall,
): { readonly health: number; readonly failed: boolean; readonly counted: boolean } {
  if (action === 'fastinter') return { health, failed: false, counted: false }
  const before = action === 'mark-down' ? policy.rise : action === 'sudden-death' && health > policy.rise ? policy.rise + 1 : health
  return { health: failCheck(before, policy), failed: true, counted: before > 0 }
}

/** What the stats status text depends on. */
export interface StatusFacts extends HealthContext {
  readonly admin: AdminState
  readonly policy: RiseFall
}

/**
 * The server `status` column of the stats (§6.2): `UP`, `UP 2/3`, `DOWN`,
 * `DOWN 1/2`, `DOWN (agent)`, `NOLB`, `NOLB 2/3`, `DRAIN`, `DRAIN 2/3`,
 * `DRAIN (agent)`, `MAINT`, `no check`.
 * HAProxy: `stats_fill_sv_stats` (`srv_hlt_st`)
 */
export function statusText(facts: StatusFacts): string {
  const { rise, fall } = facts.policy
  const health = facts.health
  const top = rise + fall - 1
  if (facts.admin === 'maint') return 'MAINT'
  const falling = facts.checkEnabled && health < top
  switch (facts.operational) {
    case 'up':
    case 'starting':
      if (facts.admin === 'drain') {
        if (facts.agentEnabled) return 'DRAIN (agent)'
        return falling ? `DRAIN ${health - rise + 1}/${fall}` : 'DRAIN'
      }
      if (falling) return `UP ${health - rise + 1}/${fall}`
      return facts.checkEnabled ? 'UP' : 'no check'
    case 'stopping':
      return falling ? `NOLB ${health - rise + 1}/${fall}` : 'NOLB'
    case 'down':
      if (facts.agentEnabled && facts.agentHealth === 0) return 'DOWN (agent)'
      if (!facts.checkEnabled || health === 0) return 'DOWN'
      return `DOWN ${health}/${rise}`
  }
}
