/**
 * `leastconn`: HAProxy 2.6's weighted least connections (src/lb_fwlc.c).
 */
import { IndexedHeap, type HeapEntry } from './indexed-heap.js'
import type { Balancer, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'

/** Largest eweight (256 × 16), the numerator scale of the key. */
const EWEIGHT_MAX = 4096

interface Slot extends HeapEntry {
  readonly server: ServerView
}

/** HAProxy fwlc_queue_srv: 0 when idle, else the load after one more request per unit of weight. */
function keyOf(server: ServerView): number {
  const inflight = server.served + server.queued
  return inflight === 0 ? 0 : Math.floor(((inflight + 1) * EWEIGHT_MAX) / server.eweight)
}

class LeastConn implements Balancer {
  readonly name = 'leastconn'
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
    let avoided: ServerView | undefined
    // Best-first walk: the common case stops at the root.
    for (let slot = tree.walkFirst(); slot !== undefined; slot = tree.walkNext()) {
      const server = slot.server
      if (this.#acceptable(server)) {
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
    this.#tree.insert(slot, keyOf(server))
  }

  remove(server: ServerView): void {
    const slot = this.#slots[server.index]
    if (slot?.owner == null) return
    this.#tree.delete(slot)
  }

  weightChanged(server: ServerView): void {
    this.#reposition(server)
  }

  took(server: ServerView): void {
    this.#reposition(server)
  }

  dropped(server: ServerView): void {
    this.#reposition(server)
  }

  /** Re-key the server, at the back of its key group (round robin among equals). */
  #reposition(server: ServerView): void {
    const slot = this.#slots[server.index]
    if (slot?.owner == null) return
    this.#tree.delete(slot)
    this.#tree.insert(slot, keyOf(server))
  }

  /** No maxconn, or room in its slots plus its own queue (so maxqueue > 0 queues on the server). */
  #acceptable(server: ServerView): boolean {
    return server.maxconn === 0 || server.served + server.queued < this.#context.limitOf(server) + server.maxqueue
  }
}

/**
 * Creates HAProxy's weighted least connections balancer over one group of usable servers.
 *
 * Behaviour notes:
 * - Key `floor((served + queued + 1) × 4096 / eweight)`, or 0 when idle; smallest wins,
 *   so idle servers always win and sequential traffic rotates regardless of weight.
 * - Equal keys are served in insertion order and a server goes to the back of its key
 *   group whenever its load changes (`took` / `dropped`) or its weight changes.
 * - A server is a candidate when it has no `maxconn` or `served + queued < limit + maxqueue`:
 *   with `maxqueue` > 0 requests may be sent to a full server's own queue.
 * - `request.avoid` is skipped unless it is the only acceptable server.
 * - O(log n) updates; a pick visits servers best-first and stops at the first
 *   acceptable one, with no allocation.
 *
 * HAProxy: `balance leastconn`
 */
export const createLeastConn: BalancerFactory = (servers, _config, context) => new LeastConn(servers, context)
