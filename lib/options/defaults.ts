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
