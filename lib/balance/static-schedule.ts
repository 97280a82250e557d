/**
 * The state both static algorithms share (HAProxy lb_map.c): the usable
 * servers in declaration order, the weighted table built from them (lazily,
 * after any change) and a round-robin cursor over it.
 */
import { isSaturated } from '../server.js'
import { buildMapTable } from './map-table.js'
import type { BalancerContext, ServerView } from './types.js'

/** Usable servers, their static table and a cursor. */
export class StaticSchedule {
  readonly #context: BalancerContext
  readonly #members: ServerView[]
  #table: ServerView[] = []
  #dirty = true
  #cursor = 0

  constructor(servers: readonly ServerView[], context: BalancerContext) {
    this.#members = [...servers]
    this.#context = context
  }

  /** Usable servers in declaration order. */
  get members(): readonly ServerView[] {
    return this.#members
  }

  /** The current table, rebuilt first if a change made it stale. */
  table(): readonly ServerView[] {
    if (this.#dirty) {
      this.#table = buildMapTable(this.#members, this.#context.staticDivisor())
      // The cursor survives rebuilds; HAProxy resets it only when it falls outside the table.
      if (this.#cursor >= this.#table.length) this.#cursor = 0
      this.#dirty = false
    }
    return this.#table
  }

  /**
   * Next unsaturated server under the cursor (HAProxy map_get_server_rr).
   * `avoid` is taken only when nothing else is free. Visits at most one table
   * period, which only happens when (nearly) every server is saturated.
   */
  next(avoid: ServerView | undefined): ServerView | undefined {
    const table = this.table()
    const size = table.length
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

  /** A server became usable: insert it in declaration order. */
  add(server: ServerView): void {
    let at = this.#members.length
    while (at > 0 && this.#members[at - 1]!.index > server.index) at--
    this.#members.splice(at, 0, server)
    this.#dirty = true
  }

  /** A server stopped being usable. */
  remove(server: ServerView): void {
    const at = this.#members.indexOf(server)
    if (at !== -1) this.#members.splice(at, 1)
    this.#dirty = true
  }

  /** A weight changed: rebuild on next use. */
  invalidate(): void {
    this.#dirty = true
  }
}
