/**
 * Map-based hashing: `table[hash mod T]` over HAProxy's static table (§2.8).
 *
 * Static like `static-rr`: any up/down or weight event rebuilds the table
 * (lazily), so most keys move. The server to avoid on a redispatch is *not*
 * skipped (HAProxy returns the same server; only consistent hashing moves on).
 * A request without a key falls back to a round robin over the table that
 * skips saturated servers. The hashed server is returned even when full: the
 * request then waits on that server's own queue.
 *
 * HAProxy: `balance source|uri|url_param|hdr` with `hash-type map-based`.
 */
import { isSaturated } from '../server.js'
import { createKeyHasher, type KeyHasher } from './hash-key.js'
import { buildMapTable } from './map-table.js'
import { insertByIndex } from './static-rr.js'
import type { Balancer, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'

/** Creates a map-based hash balancer. */
export const createMapHash: BalancerFactory = (servers, config, context) => {
  /* c8 ignore next 2 -- the registry only routes hash configurations here */
  if (config.algorithm !== 'hash') throw new Error('invariant: map-hash needs a hash configuration')
  return new MapHash(servers, createKeyHasher(config), context)
}

class MapHash implements Balancer {
  readonly name = 'map-hash' as const
  readonly dynamic = false
  readonly skipsSaturated = false
  readonly #hasher: KeyHasher
  readonly #context: BalancerContext
  #members: ServerView[]
  #table: ServerView[] = []
  #dirty = true
  #cursor = 0

  constructor(servers: readonly ServerView[], hasher: KeyHasher, context: BalancerContext) {
    this.#members = [...servers]
    this.#hasher = hasher
    this.#context = context
  }

  pick(request: PickRequest): ServerView | undefined {
    if (this.#dirty) this.#rebuild()
    // One usable server: no hashing at all (HAProxy).
    if (this.#members.length === 1) return this.#members[0]
    const hash = this.#hasher(request)
    const table = this.#table
    if (hash !== undefined) return table[hash % table.length]
    for (let step = 0; step < table.length; step++) {
      const server = table[this.#cursor]!
      this.#cursor = this.#cursor + 1 === table.length ? 0 : this.#cursor + 1
      if (!isSaturated(server, this.#context.limitOf(server))) return server
    }
    return undefined
  }

  add(server: ServerView): void {
    insertByIndex(this.#members, server)
    this.#dirty = true
  }

  remove(server: ServerView): void {
    const at = this.#members.indexOf(server)
    if (at !== -1) this.#members.splice(at, 1)
    this.#dirty = true
  }

  weightChanged(): void {
    this.#dirty = true
  }

  #rebuild(): void {
    this.#table = buildMapTable(this.#members, this.#context.staticDivisor())
    if (this.#cursor >= this.#table.length) this.#cursor = 0
    this.#dirty = false
  }
}
