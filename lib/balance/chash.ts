/**
 * Consistent hashing (`hash-type consistent`): the request key is hashed and
 * looked up on the weighted ring of `hash-ring.ts`, so a server going away
 * only moves its own keys.
 */
import { SwitchyardError } from '../errors.js'
import { createKeyHasher, type KeyHasher } from './hash-key.js'
import { HashRing } from './hash-ring.js'
import type { Balancer, BalanceName, BalancerFactory, PickRequest, ServerView } from './types.js'

/**
 * Builds a consistent-hash balancer over the ring of the group's usable servers.
 *
 * - The key comes from `config.key` through {@link createKeyHasher}
 *   (function and `avalanche` as configured; HAProxy defaults consistent
 *   hashing to sdbm + avalanche).
 * - With exactly one usable server nothing is hashed: that server is returned.
 * - A request without a key walks the ring one point per request (weighted
 *   round robin), skipping saturated servers; it returns `undefined` when all
 *   of them are saturated, so the request waits in the backend queue.
 * - With a key, the nearest ring point's server is returned even when it is
 *   full (the request then waits on that server's own queue), except that the
 *   walk moves clockwise past `request.avoid` and, with `balanceFactor`, past
 *   servers over their bounded-load share.
 * - Weight changes (including slow start) add or remove ring points at once.
 *
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION when `config` is not a `hash` configuration.
 *
 * HAProxy: `balance source|uri|url_param|hdr` with `hash-type consistent`, `hash-balance-factor`.
 */
export const createConsistentHash: BalancerFactory = (servers, config, context) => {
  if (config.algorithm !== 'hash') {
    throw new SwitchyardError('SWY_ERR_INVALID_OPTION', 'Consistent hashing needs a hash balance configuration', {
      algorithm: config.algorithm,
    })
  }
  return new ConsistentHash(new HashRing(servers, config.balanceFactor, context), createKeyHasher(config))
}

class ConsistentHash implements Balancer {
  readonly name: BalanceName = 'chash'
  readonly dynamic = true
  readonly skipsSaturated = false
  readonly #ring: HashRing
  readonly #hash: KeyHasher

  constructor(ring: HashRing, hash: KeyHasher) {
    this.#ring = ring
    this.#hash = hash
  }

  pick(request: PickRequest): ServerView | undefined {
    const ring = this.#ring
    // HAProxy does not hash when one server is left.
    const sole = ring.soleServer
    if (sole !== undefined) return sole
    const hash = this.#hash(request)
    return hash === undefined ? ring.next(request.avoid) : ring.lookup(hash, request.avoid)
  }

  add(server: ServerView): void {
    this.#ring.add(server)
  }

  remove(server: ServerView): void {
    this.#ring.remove(server)
  }

  weightChanged(server: ServerView): void {
    this.#ring.update(server)
  }
}
