/**
 * A lease: one slot held on one server, released exactly once.
 */
import type { ServerView } from './balance/types.js'
import type { Lease, LeaseOutcome } from './queue/types.js'

/** Called on the first release of a lease. */
export type ReleaseHook = (lease: BackendLease, outcome: LeaseOutcome, status: number | undefined) => void

/**
 * The {@link Lease} a backend hands out. Releasing frees the slot and runs the
 * freed-slot procedure (the next waiter may get it); releasing again does nothing.
 */
export class BackendLease implements Lease {
  readonly server: ServerView
  readonly queuedFor: number
  /**
   * When the slot was granted, on the backend's clock (ms); only measured for
   * latency-aware algorithms (`Balancer.observe`), 0 otherwise.
   */
  readonly grantedAt: number
  readonly #hook: ReleaseHook
  #released = false

  constructor(server: ServerView, queuedFor: number, grantedAt: number, hook: ReleaseHook) {
    this.server = server
    this.queuedFor = queuedFor
    this.grantedAt = grantedAt
    this.#hook = hook
  }

  /** True once released. */
  get released(): boolean {
    return this.#released
  }

  /**
   * Frees the slot. Only the first call counts; later calls are no-ops.
   * @param outcome what happened, default `ok`
   * @param status the HTTP status received, when there was one
   */
  release(outcome: LeaseOutcome = 'ok', status?: number): void {
    if (this.#released) return
    this.#released = true
    this.#hook(this, outcome, status)
  }
}
