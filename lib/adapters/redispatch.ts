/**
 * The redispatch decision of a connection retry (HAProxy
 * `stream_choose_redispatch`, haproxy-semantics §7.2), shared by the HTTP
 * and TCP adapters so both leave a server for the same reasons.
 */
import type { ServerView } from '../balance/types.js'

/**
 * At retry number `k` (1, 2, …), abandon the current server for another one?
 * Only with redispatch enabled (`interval` ≠ 0); then when the server is not
 * running (down or starting; a server in maintenance is stopped too), at
 * every P-th retry (`interval` P > 0), at every (retries + 1 + N)-th retry
 * (`interval` N < 0, so −1 is the last retry), or at every retry when
 * `everyRetry` (several usable active servers and an algorithm that does
 * not hash). A stopping (`nolb`) or draining server is still running: a
 * retry stays on it unless the interval says otherwise, as in HAProxy.
 */
export function shouldRedispatch(interval: number, retries: number, k: number, server: ServerView, everyRetry: boolean): boolean {
  if (interval === 0) return false
  if (server.operational === 'down' || server.operational === 'starting' || server.admin === 'maint') return true
  const period = interval > 0 ? interval : retries + 1 + interval
  return (period > 0 && k % period === 0) || everyRetry
}
