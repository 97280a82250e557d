/**
 * Map-based hashing: `table[hash mod T]` over HAProxy's static table (§2.8).
 *
 * Static like `static-rr`: any up/down or weight event rebuilds the table
 * (lazily), so most keys move. The server to avoid on a redispatch is *not*
 * skipped (HAProxy returns the same server; only consistent hashing moves on).
 * A request without a key falls back to the table's round robin, which skips
 * saturated servers. The hashed server is returned even when full: the
 * request then waits on that server's own queue.
 *
 * HAProxy: `balance source|uri|url_param|hdr` with `hash-type map-based`.
 */
import { createKeyHasher, type KeyHasher } from './hash-key.js'
import { StaticSchedule } from './static-schedule.js'
import type { Balancer, BalancerFactory, PickRequest, ServerView } from './types.js'

/** Creates a map-based hash balancer. */
export const createMapHash: BalancerFactory = (servers, config, context) => {
  /* c8 ignore next 2 -- the registry only routes hash configurations here */
  if (config.algorithm !== 'hash') throw new Error('invariant: map-hash needs a hash configuration')
  return new MapHash(new StaticSchedule(servers, context), createKeyHasher(config))
}

class MapHash implements Balancer {
  readonly name = 'map-hash' as const
  readonly dynamic = false
  readonly skipsSaturated = false
  readonly #schedule: StaticSchedule
  readonly #hasher: KeyHasher

  constructor(schedule: StaticSchedule, hasher: KeyHasher) {
    this.#schedule = schedule
    this.#hasher = hasher
  }

  pick(request: PickRequest): ServerView | undefined {
    const members = this.#schedule.members
    // One usable server: no hashing at all (HAProxy).
    if (members.length === 1) return members[0]
    const hash = this.#hasher(request)
    if (hash === undefined) return this.#schedule.next(request.avoid)
    const table = this.#schedule.table()
    return table[hash % table.length]
  }

  add(server: ServerView): void {
    this.#schedule.add(server)
  }

  remove(server: ServerView): void {
    this.#schedule.remove(server)
  }

  weightChanged(): void {
    this.#schedule.invalidate()
  }
}
