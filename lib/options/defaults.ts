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
/** Decay time constant of `peak-ewma`, in milliseconds (Finagle and Linkerd: 10 s). */
export const DEFAULT_EWMA_DECAY = 10_000
/** Least latency a failed request counts as in `peak-ewma`, in milliseconds. */
export const DEFAULT_EWMA_FAILURE_PENALTY = 1_000
/** Hosts compared by `least-request` with equal weights (Envoy `choice_count`: 2). */
export const DEFAULT_LEAST_REQUEST_CHOICES = 2
/** Exponent of `least-request`'s active-request divisor (Envoy `active_request_bias`: 1.0). */
export const DEFAULT_ACTIVE_REQUEST_BIAS = 1
