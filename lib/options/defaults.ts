/**
 * Named defaults: the single source for schema defaults and documentation.
 * Values follow HAProxy 2.6 unless a comment says otherwise.
 */

/** Server weight. HAProxy: `weight` default 1. */
export const DEFAULT_WEIGHT = 1
/** Balancing algorithm. HAProxy ≤ 3.2: `balance roundrobin`. */
export const DEFAULT_BALANCE = 'roundrobin'
/** Draws of `random`. HAProxy: `random(2)`. */
export const DEFAULT_RANDOM_DRAWS = 2
/** Hash function. HAProxy: `hash-type … sdbm`. */
export const DEFAULT_HASH_FUNCTION = 'sdbm'

// ── HTTP mode: timeouts (milliseconds; 0 disables a timeout) ─────────────────

/**
 * One connection attempt to a server. HAProxy's sample configurations use 5 s.
 * HAProxy: `timeout connect`.
 */
export const DEFAULT_TIMEOUT_CONNECT = 5_000

/**
 * Server-side inactivity: waiting for response headers (then 504) or between
 * response body chunks (then the response is cut). HAProxy: `timeout server`.
 */
export const DEFAULT_TIMEOUT_SERVER = 50_000

/**
 * Client-side inactivity while switchyard expects request body bytes (then 408)
 * or waits for the client to read the response (then the connection is closed).
 * HAProxy: `timeout client`.
 */
export const DEFAULT_TIMEOUT_CLIENT = 50_000

/**
 * Time for a client to send complete request headers (Node answers 408).
 * HAProxy: `timeout http-request`.
 */
export const DEFAULT_TIMEOUT_HTTP_REQUEST = 10_000

/**
 * Idle time of a client connection between two requests (closed silently).
 * HAProxy: `timeout http-keep-alive`. Same as Node's `server.keepAliveTimeout` default.
 */
export const DEFAULT_TIMEOUT_HTTP_KEEP_ALIVE = 5_000

/** Inactivity in both directions of an upgraded (WebSocket) tunnel. HAProxy: `timeout tunnel`. */
export const DEFAULT_TIMEOUT_TUNNEL = 3_600_000

/**
 * Idle time after which a pooled keep-alive connection to a server is closed.
 * Must stay below the server's own keep-alive timeout (Node servers: 5 s), so that
 * switchyard never reuses a connection the server is closing.
 * HAProxy: `pool-purge-delay` / server-side idle connections.
 */
export const DEFAULT_UPSTREAM_IDLE_TIMEOUT = 4_000

// ── HTTP mode: retries and buffering ──────────────────────────────────────────

/** Additional attempts after the first one. HAProxy: `retries` (`CONN_RETRIES`). */
export const DEFAULT_RETRIES = 3

/** Upper bound of the turn-around delay before retrying the same server. HAProxy: min(1 s, `timeout connect`). */
export const MAX_TURNAROUND_DELAY = 1_000

/** `option redispatch` interval; 0 = off (HAProxy's default). */
export const DEFAULT_REDISPATCH = 0

/**
 * Largest request body kept in memory for a replay; larger bodies are streamed and
 * never replayed after they may have reached a server. HAProxy: `tune.bufsize`.
 */
export const DEFAULT_BUFFER_SIZE = 16_384

/** Request header lines accepted before answering 431 (Node silently drops past ~1000). HAProxy: `tune.http.maxhdr` (101). */
export const DEFAULT_MAX_HEADERS = 100

/** Default `retry-on` list. HAProxy: `retry-on conn-failure`. */
export const DEFAULT_RETRY_ON: readonly ['conn-failure'] = ['conn-failure']

// ── HTTP mode: forwarding headers ─────────────────────────────────────────────

/** Header added by `forwardFor`. HAProxy: `option forwardfor header`. */
export const DEFAULT_FORWARDFOR_HEADER = 'x-forwarded-for'

/** Header added by `originalTo`. HAProxy: `option originalto header`. */
export const DEFAULT_ORIGINALTO_HEADER = 'x-original-to'
// ── Health checks (HAProxy 2.6 defaults, include/haproxy/defaults.h) ─────────

/** Milliseconds between checks of a fully UP server. HAProxy: `inter`. */
export const DEFAULT_CHECK_INTER = 2_000
/** Consecutive successes that bring a DOWN server UP. HAProxy: `rise`. */
export const DEFAULT_CHECK_RISE = 2
/** Consecutive failures that take a fully UP server DOWN. HAProxy: `fall`. */
export const DEFAULT_CHECK_FALL = 3
/** Milliseconds between agent checks. HAProxy: `agent-inter`. */
export const DEFAULT_AGENT_INTER = 2_000
/** Consecutive passive errors that trigger `on-error`. HAProxy: `error-limit`. */
export const DEFAULT_ERROR_LIMIT = 10
/** What `error-limit` errors do. HAProxy: `on-error fail-check`. */
export const DEFAULT_ON_ERROR = 'fail-check'
/** Jitter of check intervals, percent (0..50). HAProxy: global `spread-checks`. */
export const DEFAULT_SPREAD_CHECKS = 0
/** Largest `spread-checks` HAProxy accepts. */
export const MAX_SPREAD_CHECKS = 50
/** Method of an HTTP check. HAProxy: `option httpchk` default `OPTIONS`. */
export const DEFAULT_HTTPCHK_METHOD = 'OPTIONS'
/** Path of an HTTP check. HAProxy: `option httpchk` default `/`. */
export const DEFAULT_HTTPCHK_PATH = '/'
/** HTTP version of an HTTP check. HAProxy: `option httpchk` default `HTTP/1.0`. */
export const DEFAULT_HTTPCHK_VERSION = 'HTTP/1.0'
/** Bytes of a check response inspected. HAProxy: `tune.bufsize`. */
export const DEFAULT_CHECK_BUFFER_SIZE = 16_384
/** Where the health counter starts. HAProxy: health = rise (3.1+ `init-state up`). */
export const DEFAULT_INITIAL_STATE = 'up'
/** Slow-start ramp, milliseconds; 0 = off. HAProxy: `slowstart`. */
export const DEFAULT_SLOWSTART = 0
