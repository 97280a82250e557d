/**
 * Random balancing with the power of N choices: N random 32-bit keys are
 * mapped through the consistent-hash ring (so weights and the bounded-load
 * factor apply) and the least loaded candidate wins.
 */
import { isSaturated } from '../server.js'
import { HashRing } from './hash-ring.js'
import type { Balancer, BalanceName, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'

/** 2^32: scales a random number in [0, 1) to a 32-bit key. */
const KEY_RANGE = 4294967296

/**
 * Builds a `random(N)` balancer.
 *
 * Each pick draws `config.draws` keys as `floor(random() × 2^32)` from
 * `context.random`, looks each up on the ring (walking past `request.avoid`
 * and, with `balanceFactor`, past servers over their share), and keeps the
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
  return new RandomBalancer(new HashRing(servers, factor, context), draws, context)
}

class RandomBalancer implements Balancer {
  readonly name: BalanceName = 'random'
  readonly dynamic = true
  readonly skipsSaturated = true
  readonly #ring: HashRing
  readonly #draws: number
  readonly #context: BalancerContext

  constructor(ring: HashRing, draws: number, context: BalancerContext) {
    this.#ring = ring
    this.#draws = draws
    this.#context = context
  }

  pick(request: PickRequest): ServerView | undefined {
    const ring = this.#ring
    const random = this.#context.random
    const avoid = request.avoid
    let best: ServerView | undefined
    // At least one draw, as HAProxy's do … while.
    let left = this.#draws
    do {
      const current = ring.lookup(Math.floor(random() * KEY_RANGE), avoid)
      if (current === undefined) return undefined
      if (best === undefined || current.served * best.eweight <= best.served * current.eweight) best = current
    } while (--left > 0)
    const limitOf = this.#context.limitOf
    return best.maxconn > 0 && isSaturated(best, limitOf(best)) ? undefined : best
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
