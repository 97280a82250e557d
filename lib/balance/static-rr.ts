/**
 * `static-rr`: weighted round robin over HAProxy's precomputed table.
 *
 * Exact counts per table period (unlike `roundrobin`). Weight changes are
 * limited to 0 and the configured weight (the farm enforces it); any change
 * rebuilds the table, lazily on the next pick. A pick is O(1) while the slot
 * under the cursor is free; saturated slots are skipped.
 *
 * HAProxy: `balance static-rr`.
 */
import { StaticSchedule } from './static-schedule.js'
import type { Balancer, BalancerFactory, PickRequest, ServerView } from './types.js'

/** Creates a `static-rr` balancer. */
export const createStaticRoundRobin: BalancerFactory = (servers, _config, context) => new StaticRoundRobin(new StaticSchedule(servers, context))

class StaticRoundRobin implements Balancer {
  readonly name = 'static-rr' as const
  readonly dynamic = false
  readonly skipsSaturated = true
  readonly #schedule: StaticSchedule

  constructor(schedule: StaticSchedule) {
    this.#schedule = schedule
  }

  pick(request: PickRequest): ServerView | undefined {
    return this.#schedule.next(request.avoid)
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
