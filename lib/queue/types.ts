/**
 * Type-only vocabulary of admission and leases (HAProxy's queue.c model).
 */
import type { PickRequest, ServerView } from '../balance/types.js'

/**
 * How a request's use of a server ended; fed to passive health checks and stats
 * when the lease is released.
 * - `ok`: a response was received (any status; pass `status` for layer-7 observation).
 * - `connect-error` / `connect-timeout`: the connection could not be established (layer 4).
 * - `response-timeout`: connected, but no (complete) response within `timeout server`.
 * - `bad-response`: the server answered with something invalid, or reset mid-response.
 * - `client-abort`: the client went away; says nothing about the server.
 */
export type LeaseOutcome = 'ok' | 'connect-error' | 'connect-timeout' | 'response-timeout' | 'bad-response' | 'client-abort'

/** One held slot on one server. */
export interface Lease {
  /** The server this request is bound to. */
  readonly server: ServerView
  /** Milliseconds the request waited in a queue (HAProxy `Tw`). */
  readonly queuedFor: number
  /**
   * Frees the slot and hands it to the next waiter. Idempotent: only the first call counts.
   * @param outcome what happened, default `ok`
   * @param status the HTTP status received, when there was one
   */
  release(outcome?: LeaseOutcome, status?: number): void
}

/** A request asking for a slot. */
export interface AcquireRequest extends PickRequest {
  /** Directed by persistence (cookie, stick table): wait for this server only. */
  readonly pinned?: ServerView | undefined
  /**
   * With `pinned`: wait for it even when it is DOWN or in maintenance, instead
   * of balancing. HAProxy: `option persist`, `force-persist`. @default false
   */
  readonly persist?: boolean | undefined
  /**
   * With `pinned`: stay in its queue when the server goes down, drains or
   * enters maintenance, whatever `redispatch` says (§3.8).
   * HAProxy: `force-persist` (`SF_FORCE_PRST` in `pendconn_redistribute`). @default false
   */
  readonly forcePersist?: boolean | undefined
  /** Aborting removes the waiter from its queue; `acquire()` rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined
  /** HAProxy `set-priority-class`: lower is served first, −2047..2047, default 0. */
  readonly priorityClass?: number | undefined
  /** HAProxy `set-priority-offset` in milliseconds, ±524287, default 0. */
  readonly priorityOffset?: number | undefined
}

/**
 * The synchronous admission decision of `Backend.tryAcquire` (never an exception).
 *
 * - `ok`: a slot is held; the caller must release the lease.
 * - `queued`: the request would have to wait — on `server`'s own queue, or on
 *   the backend queue when `server` is undefined. Nothing was reserved or
 *   enqueued (so nothing leaks if the caller gives up); call `acquire()` to wait.
 * - `full`: `server`'s queue reached `maxqueue` (HAProxy answers 503, `SQ`).
 * - `nosrv`: no server can take the request (503, `<NOSRV>`).
 * - `closed`: the backend was closed.
 */
export type Admission =
  | { readonly status: 'ok'; readonly lease: Lease }
  | { readonly status: 'queued'; readonly server: ServerView | undefined }
  | { readonly status: 'full'; readonly server: ServerView }
  | { readonly status: 'nosrv' }
  | { readonly status: 'closed' }
