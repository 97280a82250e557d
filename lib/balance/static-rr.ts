/**
 * `static-rr`: weighted round robin over HAProxy's precomputed table.
 *
 * Exact counts per table period (unlike `roundrobin`). Weight changes are
 * limited to 0 and the configured weight (the farm enforces it); any change
 * rebuilds the table, lazily on the next pick. A pick is O(1) while the slot
 * under the cursor is free; saturated slots are skipped, so a pick visits at
 * most one table period when every server is saturated (as HAProxy does).
 *
 * HAProxy: `balance static-rr`.
 */
import { isSaturated } from '../server.js'
import { buildMapTable } from './map-table.js'
import type { Balancer, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'

/** Creates a `static-rr` balancer. */
export const createStaticRoundRobin: BalancerFactory = (servers, _config, context) => new StaticRoundRobin(servers, context)

class StaticRoundRobin implements Balancer {
  readonly name = 'static-rr' as const
  readonly dynamic = false
  readonly skipsSaturated = true
  readonly #context: BalancerContext
  /** Usable servers, kept in declaration order (by index). */
  #members: ServerView[]
  #table: ServerView[] = []
  #dirty = true
  #cursor = 0

  constructor(servers: readonly ServerView[], context: BalancerContext) {
    this.#members = [...servers]
    this.#context = context
  }

  pick(request: PickRequest): ServerView | undefined {
    if (this.#dirty) this.#rebuild()
    const table = this.#table
    const size = table.length
    const avoid = request.avoid
    let fallback: ServerView | undefined
    for (let step = 0; step < size; step++) {
      const slot = this.#cursor
      this.#cursor = slot + 1 === size ? 0 : slot + 1
      const server = table[slot]!
      if (isSaturated(server, this.#context.limitOf(server))) continue
      if (server === avoid) {
        fallback = server
        continue
      }
      return server
    }
    return fallback
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
    // The cursor survives rebuilds; HAProxy resets it only when it falls outside the table.
    if (this.#cursor >= this.#table.length) this.#cursor = 0
    this.#dirty = false
  }
}

/** Inserts `server` keeping the array sorted by declaration index. */
export function insertByIndex(members: ServerView[], server: ServerView): void {
  let at = members.length
  while (at > 0 && members[at - 1]!.index > server.index) at--
  members.splice(at, 0, server)
}
