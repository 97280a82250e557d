/**
 * Hardened option sets for `createProxy`, `addBackend` and `addServer`: the
 * values docs/hardening.md argues for, so users get them without reading it.
 * The library's own defaults follow HAProxy (long timeouts, no checks); these
 * trade a little tolerance of slow peers for bounded resources under faults.
 */
import type { CheckOptions } from '../health/options.js'

/** Frontend options of {@link safeDefaults} (spread into `createProxy`). */
export interface SafeProxyDefaults {
  readonly timeouts: { readonly client: number; readonly httpRequest: number; readonly httpKeepAlive: number }
  readonly maxHeaders: number
  readonly abortOnClose: boolean
}

/** Backend options of {@link safeDefaults} (spread into `addBackend`). */
export interface SafeBackendDefaults {
  readonly timeouts: { readonly connect: number; readonly server: number; readonly queue: number; readonly tunnel: number }
  readonly retries: number
  readonly redispatch: boolean
  readonly idleTimeout: number
  readonly bufferSize: number
}

/** Server options of {@link safeDefaults} (spread into `addServer` with an `address`). */
export interface SafeServerDefaults {
  readonly check: CheckOptions
  readonly maxqueue: number
}

/** The three option sets returned by {@link safeDefaults}. */
export interface SafeDefaults {
  readonly proxy: SafeProxyDefaults
  readonly backend: SafeBackendDefaults
  readonly server: SafeServerDefaults
}

/**
 * Hardened option sets, new objects on every call (change them freely):
 *
 * - `proxy.timeouts.httpRequest` 5 s: complete request headers, else 408 `cR`;
 *   `applyServerTimeouts`/`listen()` also check it every 1 s (Node checks every
 *   30 s by default), so a slowloris client is cut within ~6 s.
 * - `proxy.timeouts.client` 30 s: a client that stops sending its body or stops
 *   reading the response releases its server slot (408 `cR` / `cD`).
 * - `proxy.timeouts.httpKeepAlive` 5 s: idle client connections close (fd bound).
 * - `proxy.maxHeaders` 100: 431 above it (Node silently drops past ~1000).
 * - `proxy.abortOnClose` true: a client gone while queued leaves the queue (`CQ`).
 * - `backend.timeouts.connect` 3 s: a black-holed server fails fast (503 `sC`).
 * - `backend.timeouts.server` 30 s: a server that never answers costs 504 `sH`.
 * - `backend.timeouts.queue` 5 s: bounded wait for a slot (503 `sQ`).
 * - `backend.timeouts.tunnel` 10 min: idle WebSockets do not pin fds for an hour.
 * - `backend.retries` 3 with `redispatch` on the last retry: refused or timed-out
 *   connects move to another server; only idempotent requests are replayed
 *   after they may have reached a server (the keep-alive race).
 * - `backend.idleTimeout` 2 s: below the 5 s keep-alive of Node servers (and most
 *   others), so a pooled connection is never reused as the server closes it.
 * - `backend.bufferSize` 16 KiB: small bodies can be replayed, large ones stream.
 * - `server.check` every 2 s (`rise` 2, `fall` 3, `timeout` 1 s): a dead server
 *   leaves the rotation within ~6 s instead of costing every request a retry.
 * - `server.maxqueue` 256: persistent requests for a saturated server are refused
 *   (503 `SQ`) rather than queued without bound.
 *
 * @example
 * ```ts
 * const safe = safeDefaults()
 * const proxy = createProxy({ ...safe.proxy, monitorUri: '/health' })
 * const web = proxy.addBackend('web', { ...safe.backend, balance: 'leastconn' })
 * web.addServer('s1', { ...safe.server, address: '10.0.0.1:8080', maxconn: 100 })
 * ```
 */
export function safeDefaults(): SafeDefaults {
  return {
    proxy: { timeouts: { client: 30_000, httpRequest: 5_000, httpKeepAlive: 5_000 }, maxHeaders: 100, abortOnClose: true },
    backend: { timeouts: { connect: 3_000, server: 30_000, queue: 5_000, tunnel: 600_000 }, retries: 3, redispatch: true, idleTimeout: 2_000, bufferSize: 16_384 },
    server: { check: { inter: 2_000, rise: 2, fall: 3, timeout: 1_000 }, maxqueue: 256 },
  }
}
