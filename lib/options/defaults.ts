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
