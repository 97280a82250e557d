/**
 * Random balancing with the power of N choices: N random 32-bit keys are
 * mapped through the consistent-hash ring (so weights and the bounded-load
 * factor apply) and the least loaded candidate wins.
 */
import { isSaturated } from '../server.js'
import { AliasTable } from './alias-table.js'
import { HashRing } from './hash-ring.js'
import type { Balancer, BalanceName, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'

/** 2^32: scales a random number in [0, 1) to a 32-bit key. */
const KEY_RANGE = 4294967296

/**
 * Builds a `random(N)` balancer.
 *
 * Each pick draws `config.draws` candidates from `context.random`. With a
 * `balanceFactor`, each draw is a 32-bit key looked up on the ring as HAProxy
 * does (walking past `request.avoid` and past servers over their share);
 * without one, each draw samples the servers by eweight in O(1) (an alias
 * table: the same weighting, independent of the server count), falling back
 * to the ring only to walk past `request.avoid`. It keeps the
 * candidate with the lowest `served / eweight` (compared as
 * `served_a × ew_b` vs `served_b × ew_a`); an exact tie keeps the most recent
 * draw. If that final candidate is saturated the pick returns `undefined` (the
 * request waits in the backend queue) without trying again.
 *
 * @default draws 2 and balanceFactor 0 when `config` is not a `random` configuration
 *
 * HAProxy: `balance random(<draws>)`, `hash-balance-factor` (2.6 tie rule).
 */
export const createRandom: BalancerFactory = (servers, config, context) => {
  const draws = config.algorithm === 'random' ? config.draws : 2
  const factor = config.algorithm === 'random' ? config.balanceFactor : 0
  return new RandomBalancer(new HashRing(servers, factor, context), factor === 0 ? new AliasTable(servers) : undefined, draws, context)
}

class RandomBalancer implements Balancer {
  readonly name: BalanceName = 'random'
  readonly dynamic = true
  readonly skipsSaturated = true
  readonly #ring: HashRing
  readonly #alias: AliasTable | undefined
  readonly #draws: number
  readonly #context: BalancerContext

  constructor(ring: HashRing, alias: AliasTable | undefined, draws: number, context: BalancerContext) {
    this.#ring = ring
    this.#alias = alias
    this.#draws = draws
    this.#context = context
  }

  pick(request: PickRequest): ServerView | undefined {
    const ring = this.#ring
    const alias = this.#alias
    const random = this.#context.random
    const avoid = request.avoid
    let best: ServerView | undefined
    // At least one draw, as HAProxy's do … while.
    let left = this.#draws
    do {
      const u = random()
      let current = alias?.draw(u)
      if (current === undefined || current === avoid) current = ring.lookup(Math.floor(u * KEY_RANGE), avoid)
      if (current === undefined) return undefined
      if (best === undefined || current.served * best.eweight <= best.served * current.eweight) best = current
    } while (--left > 0)
    const limitOf = this.#context.limitOf
    return best.maxconn > 0 && isSaturated(best, limitOf(best)) ? undefined : best
  }

  add(server: ServerView): void {
    this.#ring.add(server)
    this.#alias?.add(server)
  }

  remove(server: ServerView): void {
    this.#ring.remove(server)
    this.#alias?.remove(server)
  }

  weightChanged(server: ServerView): void {
    this.#ring.update(server)
    this.#alias?.invalidate()
  }
}
