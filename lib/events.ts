/**
 * Typed events (eventemitter3 tuple maps). A backend emits each one after the
 * change it reports is committed, so a listener reading `backend.counters()`
 * or a server view sees the new state. Listeners must not throw; they may call
 * back into the backend.
 */
import type { AdminState, OperationalState, ServerView } from './balance/types.js'
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
