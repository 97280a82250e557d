/**
 * A dense, unordered set of the usable servers of one group, for the random
 * choice algorithms (`peak-ewma`, `least-request`): O(1) add, remove and
 * uniform draw, with a per-server slot kept across remove/add so that an
 * algorithm can attach its own state to it.
 */
import type { ServerView } from './types.js'

/** One member: the server plus the algorithm's state. */
export interface MemberSlot {
  readonly server: ServerView
  /** Position in the dense array (`list`), -1 when not a member. */
  at: number
}

/**
 * Members of one balancer. Slots are created by `make` on a server's first
 * add and reused afterwards (`reset` runs on every add).
 */
export class Members<T extends MemberSlot> {
  /** Members in no particular order (swap-remove). */
  readonly list: T[] = []
  readonly #byIndex: (T | undefined)[] = []
  readonly #make: (server: ServerView) => T

  constructor(make: (server: ServerView) => T) {
    this.#make = make
  }

  /** The member slot of `server`, or `undefined` when it is not a member. */
  get(server: ServerView): T | undefined {
    const slot = this.#byIndex[server.index]
    return slot !== undefined && slot.at >= 0 ? slot : undefined
  }

  /** Adds `server` (no-op when it is a member); returns its slot and whether it was added. */
  add(server: ServerView): T | undefined {
    let slot = this.#byIndex[server.index]
    if (slot === undefined) {
      slot = this.#make(server)
      this.#byIndex[server.index] = slot
    } else if (slot.at >= 0) {
      return undefined
    }
    slot.at = this.list.length
    this.list.push(slot)
    return slot
  }

  /** Removes `server`; returns its slot when it was a member. */
  remove(server: ServerView): T | undefined {
    const slot = this.get(server)
    if (slot === undefined) return undefined
    const list = this.list
    // Invariant: the list holds `slot`, so it is not empty.
    const last = list.pop()!
    if (last !== slot) {
      list[slot.at] = last
      last.at = slot.at
    }
    slot.at = -1
    return slot
  }
}
