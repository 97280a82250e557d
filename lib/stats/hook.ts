/**
 * The hook the HTTP exchanges call once per finished request so that the
 * stats can count it. Plain arguments, no objects: counting allocates nothing.
 */
import type { ServerView } from '../balance/types.js'

/** Receives one call per finished request (forwarded or answered locally). */
export interface ExchangeObserver {
  /**
   * A forwarded request finished (both sides done).
   * @param server the last server tried, undefined when none was assigned
   * @param status the status sent to the client, −1 when none
   * @param termination HAProxy's four-letter termination state
   */
  exchange(
    backend: string,
    server: ServerView | undefined,
    status: number,
    bytesIn: number,
    bytesOut: number,
    tw: number,
    tc: number,
    tr: number,
    tt: number,
    termination: string,
    retries: number,
    redispatched: boolean,
  ): void
  /** The handler answered by itself before any backend (400, 500, 503 without a backend). */
  local(status: number, bytesOut: number): void
}
