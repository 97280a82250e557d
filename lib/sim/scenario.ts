/**
 * Type-only vocabulary of simulation scenarios, as the simulator takes them
 * (validated and defaulted by `parseScenario`). All times and durations are
 * milliseconds of virtual time; rates are requests per second.
 */
import type { AdminState } from '../balance/types.js'
import type { InitialState, ObserveMode, OnErrorAction } from '../health/state.js'
import type { BalanceOptions } from '../options/balance.js'
import type { Distribution } from './distributions.js'

/** One recorded request of a trace. */
export interface TraceRequest {
  /** Arrival time (ms). */
  readonly at: number
  /** Hash key, given to the balancer as the request URI (for `balance uri`). */
  readonly key?: string | undefined
}

/** Queue priority of a source's requests (HAProxy `set-priority-class` / `set-priority-offset`). */
export interface ArrivalPriority {
  /** Lower is served first, −2047…2047. @default 0 */
  readonly priorityClass: number
  /** Milliseconds added to the arrival time in the queue's ordering (negative: served sooner), ±524287. @default 0 */
  readonly priorityOffset: number
}

/** A source of requests. Several sources add up. */
export type ArrivalSource = ArrivalPriority & ArrivalProcess

/** When a source's requests arrive. */
export type ArrivalProcess =
  | {
      /** Evenly spaced: one request every `1000 / rate` ms from `start`. */
      readonly kind: 'constant'
      readonly rate: number
      readonly start: number
      readonly count: number
      /** Draw each request's key uniformly among this many (`/k0` … ); 0 = no key. */
      readonly keys: number
    }
  | {
      /** A Poisson process: exponential gaps of mean `1000 / rate` ms from `start`. */
      readonly kind: 'poisson'
      readonly rate: number
      readonly start: number
      readonly count: number
      readonly keys: number
    }
  | {
      /** `count` requests at `at`, `spacing` ms apart (0: all at once). */
      readonly kind: 'burst'
      readonly at: number
      readonly count: number
      readonly spacing: number
      readonly keys: number
    }
  | {
      /** Replay of recorded arrivals, in time order. */
      readonly kind: 'trace'
      readonly requests: readonly TraceRequest[]
    }

/** A simulated server: its limits (as the backend takes them) and how it behaves. */
export interface SimServer {
  readonly name: string
  readonly weight: number
  readonly maxconn: number
  readonly minconn: number
  readonly maxqueue: number
  readonly backup: boolean
  /**
   * Requests the server itself works on at once (its threads or workers); the
   * rest wait inside the server, in arrival order, holding their slot. 0 =
   * unlimited (every request is served in parallel, in its service time).
   * This is the server's real capacity, unlike `maxconn`, the balancer's limit.
   */
  readonly workers: number
  /** Time to serve one request, once a worker has it. */
  readonly service: Distribution
  /** Probability that a request fails (besides failure windows). */
  readonly errorRate: number
  /** Time a failing request takes to fail. */
  readonly errorTime: Distribution
}

/** A failure window of one server. */
export interface Failure {
  readonly server: string
  readonly at: number
  /** How long it lasts; `undefined` = until the end. */
  readonly duration: number | undefined
  /**
   * - `down`: the server is dead: requests in service on it fail at `at`, new
   *   ones fail after `errorTime`, and the health driver is told (checks fail).
   * - `errors`: the server answers, but `errorRate` of its requests fail after
   *   `errorTime` (checks still pass: only the balancer can notice).
   */
  readonly mode: 'down' | 'errors'
  readonly errorRate: number
  /** Overrides the server's `errorTime` during the window. */
  readonly errorTime: Distribution | undefined
}

/** A slow-down window: service times of requests starting in it are multiplied by `factor`. */
export interface Slowdown {
  readonly server: string
  readonly at: number
  readonly duration: number | undefined
  readonly factor: number
}

/** An operator's change at a given time. */
export interface Change {
  readonly at: number
  readonly server: string
  /** HAProxy `set server state`. */
  readonly admin?: AdminState | undefined
  /** HAProxy `set weight` (integer or `"N%"`). */
  readonly weight?: number | string | undefined
  /** HAProxy `set maxconn server`. */
  readonly maxconn?: number | undefined
}

/** The backend under test (see `BackendOptions`). */
export interface SimBackend {
  readonly balance: BalanceOptions
  readonly maxconn: number
  readonly fullconn: number | undefined
  readonly timeoutQueue: number
  readonly timeoutConnect: number
  readonly redispatch: boolean
  readonly allbackups: boolean
}

/** How failed attempts are retried (a simple model of HAProxy `retries` / `option redispatch`). */
export interface RetryPolicy {
  /** Extra attempts after the first (HAProxy `retries`); 0 = none. */
  readonly count: number
  /** Retry elsewhere at once, avoiding the failed server; else wait `delay` and retry the same server. */
  readonly redispatch: boolean
  /** Turn-around delay before a same-server retry (HAProxy: `min(1 s, timeout connect)`). */
  readonly delay: number
}

/** Passive health (HAProxy `observe`, `error-limit`, `on-error`). */
export interface SimObserve {
  readonly mode: ObserveMode
  readonly errorLimit: number
  readonly onError: OnErrorAction
}

/**
 * Active health checks of every server, run by the real health monitor
 * (lib/health) on the virtual clock. A check of a server in a `down` failure
 * fails; other checks pass.
 */
export interface SimHealth {
  /** HAProxy `inter`. @default 2000 */
  readonly inter: number
  /** HAProxy `fastinter`. @default inter */
  readonly fastinter: number
  /** HAProxy `downinter`. @default inter */
  readonly downinter: number
  /** HAProxy `rise`. @default 2 */
  readonly rise: number
  /** HAProxy `fall`. @default 3 */
  readonly fall: number
  /** HAProxy `timeout check`; 0 = unset (an attempt is bounded by `inter`). @default 0 */
  readonly timeout: number
  /** Connect limit used with `timeout` (HAProxy `timeout connect`); 0 = unset. @default 0 */
  readonly connectTimeout: number
  /**
   * How a check of a dead server fails: `refused` at once (L4CON, a closed
   * port), or `timeout` when its time limit expires (L4TOUT, a host that does
   * not answer).
   * @default 'refused'
   */
  readonly failedCheck: 'refused' | 'timeout'
  /** HAProxy global `spread-checks` percent (0…50), drawn from the run's health stream. @default 0 */
  readonly spreadChecks: number
  /** Where the counters start (HAProxy 3.1+ `init-state`). @default 'up' */
  readonly initialState: InitialState
  /** Weight and maxconn ramp after coming back UP (HAProxy `slowstart`). @default 0 */
  readonly slowstart: number
  /** Passive health; `undefined` = off. */
  readonly observe: SimObserve | undefined
}

/**
 * Cookie persistence (sticky sessions): requests come from `clients` clients
 * that keep the cookie the load balancer gives them, decided by the real
 * lib/persist logic. Each server's cookie value is its name.
 */
export interface SimPersistence {
  /** The cookie name. @default 'SERVERID' */
  readonly cookie: string
  /** Number of distinct clients; each request comes from one of them. */
  readonly clients: number
  /**
   * Popularity skew: client `i` (0-based) sends a share of requests
   * proportional to `1 / (i + 1)^skew` (0 = uniform, 1 = Zipf).
   * @default 0
   */
  readonly skew: number
  /** A cookie naming a DOWN or MAINT server still reaches it (HAProxy `option persist`). @default false */
  readonly persist: boolean
}

/** A validated scenario. */
export interface Scenario {
  readonly name: string
  readonly description: string
  /** Seed of every random stream (arrivals, services, faults, balancer). */
  readonly seed: number
  readonly backend: SimBackend
  readonly servers: readonly SimServer[]
  readonly arrivals: readonly ArrivalSource[]
  readonly failures: readonly Failure[]
  readonly slowdowns: readonly Slowdown[]
  readonly changes: readonly Change[]
  readonly retries: RetryPolicy
  /**
   * Delay between a server's real failure or recovery and an idealised
   * detector flipping it (used when `health` is not given).
   */
  readonly detect: number
  /** Active (and passive) health checks through the real health monitor; replaces `detect`. */
  readonly health: SimHealth | undefined
  /** Sticky sessions; `undefined` = no persistence. */
  readonly persistence: SimPersistence | undefined
  /** Queue-depth sampling interval; 0 = about 200 samples over the expected duration. */
  readonly sample: number
  /** Algorithms to compare (`switchyard simulate` runs each); empty = just `backend.balance`. */
  readonly compare: readonly BalanceOptions[]
}
