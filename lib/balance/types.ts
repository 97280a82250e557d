/**
 * Type-only vocabulary of the balancing algorithms (HAProxy's `lb_ops`).
 *
 * One algorithm per file, each exporting a {@link BalancerFactory}; the
 * registry (`registry.ts`) is the only list of algorithms. A balancer instance
 * serves one group of servers (the active servers, or the backup servers when
 * `allbackups` is set) and only ever sees *usable* servers: the farm adds a
 * server when it becomes usable and removes it when it stops being usable.
 */
import type { Clock, Random } from '../types.js'

/** Administrative state, set by an operator (HAProxy `set server state`). */
export type AdminState = 'ready' | 'drain' | 'maint'

/**
 * Operational state, from health checks (HAProxy's STOPPED / STARTING /
 * RUNNING / STOPPING). `starting` is up during a slow-start ramp; `stopping`
 * (NOLB) is up but takes no new balanced traffic.
 */
export type OperationalState = 'up' | 'down' | 'starting' | 'stopping'

/**
 * A read-only projection of a server handed to policy code and listeners.
 * The object is live: fields reflect the current state.
 */
export interface ServerView {
  /** Unique name within the backend. */
  readonly name: string
  /** Numeric id (HAProxy `id`): declaration position starting at 1 unless overridden. Orders `first` and places points on the consistent-hash ring. */
  readonly id: number
  /** Dense internal index, unique within the farm for the server's lifetime. Balancers may use it to index arrays. */
  readonly index: number
  /** Where traffic goes (a URL or `host:port`); opaque to the policy core. */
  readonly address: string
  /** A backup server (HAProxy `backup`): used only when no active server is usable. */
  readonly backup: boolean
  /** Current user weight 0..256 (HAProxy `weight`, runtime `set weight`). */
  readonly weight: number
  /** Weight from the configuration; the 100% base of relative weight changes. */
  readonly initialWeight: number
  /** Effective weight of dynamic algorithms: `weight × 16`, scaled down during slow start (HAProxy eweight). */
  readonly eweight: number
  /** Administrative state. */
  readonly admin: AdminState
  /** Operational state. */
  readonly operational: OperationalState
  /** Requests (or connections) holding one of this server's slots now. */
  readonly served: number
  /** Length of this server's own queue. */
  readonly queued: number
  /** Concurrent slots, 0 = unlimited (HAProxy server `maxconn`). */
  readonly maxconn: number
  /** Low bound of the dynamic limit (HAProxy `minconn`); equals maxconn when the limit is static. */
  readonly minconn: number
  /** Maximum length of the server's own queue, 0 = unlimited (HAProxy `maxqueue`). */
  readonly maxqueue: number
  /** True when the server may be chosen by a balancing algorithm (up or starting, admin ready, eweight > 0). */
  readonly usable: boolean
}

/**
 * What a balancer may look at in a request. Only hash algorithms read the
 * request fields; all of them honour `avoid`.
 */
export interface PickRequest {
  /** Client address (`balance source`). IPv4 dotted quad or IPv6 text; an IPv4-mapped IPv6 address counts as IPv4. */
  readonly source?: string | undefined
  /** Request-target as received (`balance uri`, `url_param`). */
  readonly uri?: string | undefined
  /** HTTP method (`url_param … check_post` looks at POST bodies only). */
  readonly method?: string | undefined
  /** Request headers with lower-case names, as node:http gives them (`balance hdr(name)`). */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined
  /** The request body, when buffered, for `url_param … check_post`. */
  readonly body?: string | undefined
  /** On a redispatch: the server that just failed. It is chosen only when no other candidate exists. */
  readonly avoid?: ServerView | undefined
}

/** How to hash a request: HAProxy's `balance source|uri|url_param|hdr`. */
export type HashKeySpec =
  | { readonly kind: 'source' }
  | {
      readonly kind: 'uri'
      /** Only the first `len` characters (HAProxy `len`). */
      readonly len?: number | undefined
      /** Stop before the (depth+1)-th `/` (HAProxy `depth`). */
      readonly depth?: number | undefined
      /** Include the query string (HAProxy `whole`). */
      readonly whole?: boolean | undefined
      /** Drop scheme and authority of an absolute URI (HAProxy `path-only`). */
      readonly pathOnly?: boolean | undefined
    }
  | {
      readonly kind: 'url_param'
      readonly name: string
      /** Also look in POST bodies (HAProxy `check_post`). */
      readonly checkPost?: boolean | undefined
    }
  | {
      readonly kind: 'hdr'
      /** Header name, case-insensitive. */
      readonly name: string
      /** Hash only the label before the last dot of the value (HAProxy `use_domain_only`). */
      readonly useDomainOnly?: boolean | undefined
    }

/** HAProxy's hash functions (`hash-type … <function>`). */
export type HashFunctionName = 'sdbm' | 'djb2' | 'wt6' | 'crc32'

/** Balancing configuration as the core takes it (already validated and defaulted). */
export type BalanceConfig =
  | { readonly algorithm: 'roundrobin' | 'static-rr' | 'leastconn' | 'first' }
  | {
      readonly algorithm: 'random'
      /** Number of draws, power of N choices (HAProxy `random(N)`), default 2. */
      readonly draws: number
      /** Bounded load, percent > 100, 0 = off (HAProxy `hash-balance-factor`). */
      readonly balanceFactor: number
    }
  | {
      readonly algorithm: 'hash'
      readonly key: HashKeySpec
      /** HAProxy `hash-type`: map-based (default) or consistent. */
      readonly type: 'map-based' | 'consistent'
      /** Hash function; default sdbm. */
      readonly function: HashFunctionName
      /** Apply the avalanche mix (default: false for map-based, true for consistent). */
      readonly avalanche: boolean
      /** Bounded load, percent > 100, 0 = off (HAProxy `hash-balance-factor`); consistent only. */
      readonly balanceFactor: number
    }
  | {
      readonly algorithm: 'peak-ewma'
      /** Decay time constant of the latency average, in milliseconds (Finagle/Linkerd `decayTime`). */
      readonly decay: number
      /** Latency, in milliseconds, a failed request counts as at least (so fast errors do not attract traffic); 0 = off. */
      readonly failurePenalty: number
    }
  | {
      readonly algorithm: 'least-request'
      /** Random hosts compared when all weights are equal (Envoy `choice_count`). */
      readonly choiceCount: number
      /** Exponent of the active-request divisor with unequal weights (Envoy `active_request_bias`). */
      readonly activeRequestBias: number
    }

/** Internal names of the algorithm implementations (one file each). */
export type BalanceName =
  | 'roundrobin'
  | 'static-rr'
  | 'leastconn'
  | 'first'
  | 'random'
  | 'map-hash'
  | 'chash'
  | 'peak-ewma'
  | 'least-request'

/**
 * What a balancer may ask of its owner. Created once per farm; never allocated per pick.
 */
export interface BalancerContext {
  readonly random: Random
  /** Effective maxconn of a server now (HAProxy `srv_dynamic_maxconn`); 0 = unlimited. */
  limitOf(server: ServerView): number
  /** Requests in service over the whole backend (bounded-load hashing). */
  backendServed(): number
  /** GCD of the non-zero configured weights of the backend, used by static (map) algorithms. */
  staticDivisor(): number
  /**
   * The backend's clock, for algorithms that weigh observations by age
   * (`peak-ewma`). A farm always supplies one; when absent, time stands still at 0.
   */
  readonly clock?: Clock | undefined
}

/**
 * One balancing algorithm over one group of usable servers.
 *
 * Hooks are called by the farm *after* the server's fields were updated.
 */
export interface Balancer {
  readonly name: BalanceName
  /** Weight changes other than 0 / initial apply at run time (HAProxy dynamic algorithms). */
  readonly dynamic: boolean
  /**
   * True when the algorithm skips saturated servers and returns `undefined` when all
   * candidates are saturated (the request then waits in the backend queue). False for
   * hashing: the hashed server is returned even when full, and the request waits on
   * that server's own queue.
   */
  readonly skipsSaturated: boolean
  /** Next server, or `undefined` when none is acceptable. Never called on an empty group. */
  pick(request: PickRequest): ServerView | undefined
  /** The server became usable in this group (HAProxy set_server_status_up). */
  add(server: ServerView): void
  /** The server stopped being usable, or left the backend. */
  remove(server: ServerView): void
  /** `eweight`/`weight` changed while the server is usable. */
  weightChanged(server: ServerView): void
  /** `served` or `queued` increased (HAProxy server_take_conn). */
  took?(server: ServerView): void
  /** `served` or `queued` decreased (HAProxy server_drop_conn). */
  dropped?(server: ServerView): void
  /**
   * A request that held one of `server`'s slots finished: `latency` is the
   * time from the slot's grant to its release, in milliseconds, on the
   * backend's clock; `ok` is false for a failed attempt (connection error,
   * timeout, bad response, 5xx). Called by the backend on lease release, after
   * {@link dropped} and before the freed slot is handed on, only for servers
   * still usable in this group and never for client aborts. Optional: a
   * backend whose algorithm has no `observe` does not read the clock for it.
   * Must be O(1) and allocation-free: it runs once per request.
   */
  observe?(server: ServerView, latency: number, ok: boolean): void
}

/**
 * Builds a balancer over the initially usable servers of one group, given in
 * declaration order.
 */
export type BalancerFactory = (
  servers: readonly ServerView[],
  config: BalanceConfig,
  context: BalancerContext,
) => Balancer
