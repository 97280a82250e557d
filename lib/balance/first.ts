/**
 * `first`: HAProxy's "first available" balancer (src/lb_fas.c).
 */
import { isSaturated } from '../server.js'
import { IndexedHeap, type HeapEntry } from './indexed-heap.js'
import type { Balancer, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'

interface Slot extends HeapEntry {
  readonly server: ServerView
}

class First implements Balancer {
  readonly name = 'first'
  readonly dynamic = true
  readonly skipsSaturated = true

  readonly #context: BalancerContext
  readonly #slots: (Slot | undefined)[] = []
  readonly #tree = new IndexedHeap<Slot>()

  constructor(servers: readonly ServerView[], context: BalancerContext) {
    this.#context = context
    for (const server of servers) this.add(server)
  }

  pick(request: PickRequest): ServerView | undefined {
    const avoid = request.avoid
    const tree = this.#tree
    const context = this.#context
    let avoided: ServerView | undefined
    // Walk in id order; O(1) when the lowest id has room.
    for (let slot = tree.walkFirst(); slot !== undefined; slot = tree.walkNext()) {
      const server = slot.server
      if (!isSaturated(server, context.limitOf(server))) {
        if (server !== avoid) return server
        avoided = server
      }
    }
    return avoided
  }

  add(server: ServerView): void {
    let slot = this.#slots[server.index]
    if (slot === undefined) {
      slot = { server, key: 0, seq: 0, pos: -1, owner: null }
      this.#slots[server.index] = slot
    }
    if (slot.owner !== null) return
    this.#tree.insert(slot, server.id)
  }

  remove(server: ServerView): void {
    const slot = this.#slots[server.index]
    if (slot?.owner == null) return
    this.#tree.delete(slot)
  }

  /** Weight does not order `first`; nothing to do. */
  weightChanged(): void {}
}

/**
 * Creates HAProxy's `first` balancer over one group of usable servers.
 *
 * Behaviour notes:
 * - The usable server with the lowest numeric `id` that is not saturated wins;
 *   weight is ignored (zero-weight servers are never in the group).
 * - Without `maxconn` the first server takes everything.
 * - `undefined` when every server is saturated (the request waits in the backend queue).
 * - `request.avoid` is skipped unless it is the only acceptable server.
 * - O(log n) add/remove; a pick walks servers in id order, O(1) when the first has room,
 *   with no allocation.
 *
 * HAProxy: `balance first`
 */
export const createFirst: BalancerFactory = (servers, _config, context) => new First(servers, context)
