/**
 * Typed events (eventemitter3 tuple maps). A backend emits each one after the
 * change it reports is committed, so a listener reading `backend.counters()`
 * or a server view sees the new state. Listeners must not throw; they may call
 * back into the backend.
 */
import type { AdminState, OperationalState, ServerView } from './balance/types.js'
import type { CheckStatus } from './health/types.js'
import type { Lease, LeaseOutcome } from './queue/types.js'

/** Events of a {@link Backend}. Names are `noun:verb`. */
export interface BackendEvents {
  /** A request took a slot, immediately or after waiting (`lease.queuedFor`). */
  'lease:acquire': [lease: Lease]
  /** A lease was released (first call only), after the next waiter got the slot. */
  'lease:release': [lease: Lease, outcome: LeaseOutcome, status: number | undefined]
  /** `timeout queue` expired; `server` is the server whose queue it was, undefined for the backend queue. HAProxy: `sQ`. */
  'queue:timeout': [server: ServerView | undefined, queuedFor: number]
  /** The caller aborted while waiting. HAProxy: `CQ`. */
  'queue:abort': [server: ServerView | undefined, queuedFor: number]
  /** A request was refused because `server`'s queue reached `maxqueue` (503). HAProxy: `SQ`. */
  'queue:full': [server: ServerView, depth: number]
  /** `server`'s queued requests were moved elsewhere (down/drain with redispatch, maintenance, removal). */
  'queue:redistribute': [server: ServerView, moved: number]
  /** No server could take a request (503). HAProxy: `<NOSRV>`, `SC`. */
  nosrv: []
  /** A server joined the backend. */
  'server:add': [server: ServerView]
  /** A server left the backend. */
  'server:remove': [server: ServerView]
  /** A server's administrative or operational state changed. */
  'server:state': [server: ServerView, previousAdmin: AdminState, previousOperational: OperationalState]
  /** A server's user weight changed. */
  'server:weight': [server: ServerView, previous: number]
  /** A server's maxconn or maxqueue changed. */
  'server:limits': [server: ServerView]
  /** The backend was closed; every waiter was rejected with SWY_ERR_CLOSED. */
  'backend:close': []
}

/** Where a health transition came from. */
export type TransitionReason =
  /** The regular health check. */
  | 'check'
  /** The agent check. */
  | 'agent'
  /** Passive health (`observe`). */
  | 'observe'
  /** Anything else: the application or an operator called the Backend (HAProxy's CLI). */
  | 'admin'
  /** A slow-start ramp ended (`starting` → `up`). */
  | 'slowstart'

/**
 * What changed: the new operational state (`up`, `starting`, `stopping` =
 * NOLB, `down`), the new admin state (`ready`, `drain`, `maint`), or the user
 * weight (`weight`). A server "comes up" with `up` or `starting`.
 */
export type TransitionKind = OperationalState | AdminState | 'weight'

/** One completed check (regular, agent, or an `observe` action counted as a check). */
export interface CheckReport {
  readonly backend: string
  readonly server: ServerView
  readonly source: 'check' | 'agent' | 'observe'
  /** HAProxy check status (L4OK, L4TOUT, L4CON, L6OK, L7OK, L7STS, HANA, …). */
  readonly status: CheckStatus
  /** HTTP status, when there was one. */
  readonly code: number | undefined
  /** Milliseconds the check took (undefined for `observe`). */
  readonly duration: number | undefined
  /** Detail, e.g. "Connection refused", "via agent : down (backup)". */
  readonly message: string
}

/** A server's state or weight changed; emitted after the Backend committed it. */
export interface ServerTransition {
  readonly backend: string
  readonly server: ServerView
  readonly kind: TransitionKind
  readonly reason: TransitionReason
  /** The check behind it (reasons check, agent, observe). */
  readonly check: CheckReport | undefined
  readonly previousAdmin: AdminState
  readonly previousOperational: OperationalState
  readonly previousWeight: number
  /** The stats status text after the change (`UP`, `DOWN`, `NOLB`, `DRAIN`, `MAINT`, `UP 2/3`, …). */
  readonly status: string
  /** Usable active servers left in the backend (HAProxy: "N active and M backup servers left"). */
  readonly activeUsable: number
  /** Usable backup servers left in the backend. */
  readonly backupUsable: number
}

/** Events of a {@link HealthMonitor}. Names are `noun:verb`. Listeners must not throw. */
export interface HealthEvents {
  /** A server became fully up (RUNNING): from down without slow start, from NOLB, or at the end of a ramp. */
  'server:up': [transition: ServerTransition]
  /** A server came up into its slow-start ramp (STARTING). */
  'server:starting': [transition: ServerTransition]
  /** A server went NOLB: up, but no new balanced traffic (disable-on-404). */
  'server:stopping': [transition: ServerTransition]
  /** A server went DOWN. */
  'server:down': [transition: ServerTransition]
  /** A server left drain or maintenance. */
  'server:ready': [transition: ServerTransition]
  /** A server entered drain. */
  'server:drain': [transition: ServerTransition]
  /** A server entered maintenance (its regular checks pause). */
  'server:maint': [transition: ServerTransition]
  /** A server's user weight changed. */
  'server:weight': [transition: ServerTransition]
  /** Every one of the eight above, after its specific event. */
  'server:transition': [transition: ServerTransition]
  /**
   * Kill the streams of `server` now: it went DOWN with `shutdownOnDown`
   * (`marked-down`), or it is a backup and an active server with
   * `shutdownBackupsOnUp` came UP (`marked-up`). The HTTP layer acts on it.
   * HAProxy: `on-marked-down shutdown-sessions`, `on-marked-up shutdown-backup-sessions`
   */
  'server:shutdown-sessions': [server: ServerView, backend: string, cause: 'marked-down' | 'marked-up']
  /** A check completed (only emitted while someone listens). HAProxy: `option log-health-checks`. */
  'check:result': [report: CheckReport]
  /** The backend has no usable server left (it answers 503); `cause` is undefined when a server's removal did it. */
  'backend:down': [backend: string, cause: ServerTransition | undefined]
  /** The backend has a usable server again; `cause` is undefined when a server was added. */
  'backend:up': [backend: string, cause: ServerTransition | undefined]
}
