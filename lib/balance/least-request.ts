/**
 * `least-request`: Envoy's least-request load balancer with active request
 * bias. Not an HAProxy algorithm.
 */
import { isSaturated } from '../server.js'
import { DEFAULT_ACTIVE_REQUEST_BIAS, DEFAULT_LEAST_REQUEST_CHOICES } from '../options/defaults.js'
import { IndexedHeap, type HeapEntry } from './indexed-heap.js'
import { Members, type MemberSlot } from './members.js'
import type { Balancer, BalanceName, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'

interface Slot extends MemberSlot, HeapEntry {
  /** The eweight counted in the weight histogram. */
  weight: number
}

/**
 * Envoy's dynamic host weight: `weight / (active + 1)^bias`. Bias 1 divides
 * by the active requests plus one; bias 0 ignores them (plain weighted round
 * robin).
 */
export function activeRequestWeight(weight: number, active: number, bias: number): number {
  if (bias === 0) return weight
  if (bias === 1) return weight / (active + 1)
  return weight / Math.pow(active + 1, bias)
}

class LeastRequest implements Balancer {
  readonly name: BalanceName = 'least-request'
  readonly dynamic = true
  readonly skipsSaturated = true
  readonly #members = new Members<Slot>((server) => ({ server, at: -1, key: 0, seq: 0, pos: -1, owner: null, weight: 0 }))
  /** Earliest-deadline-first schedule of the weighted mode (key = deadline). */
  readonly #edf = new IndexedHeap<Slot>()
  /** eweight → number of members with it: one entry means all weights are equal. */
  readonly #weights = new Map<number, number>()
  readonly #context: BalancerContext
  readonly #choices: number
  readonly #bias: number
  /** EDF virtual time: the deadline of the last pick. */
  #time = 0

  constructor(servers: readonly ServerView[], choices: number, bias: number, context: BalancerContext) {
    this.#context = context
    this.#choices = choices
    this.#bias = bias
    for (const server of servers) this.add(server)
  }

  pick(request: PickRequest): ServerView | undefined {
    return this.#weights.size <= 1 ? this.#sample(request.avoid) : this.#earliest(request.avoid)
  }

  add(server: ServerView): void {
    const slot = this.#members.add(server)
    if (slot === undefined) return
    this.#count(slot, server.eweight)
    this.#edf.insert(slot, this.#time + 1 / this.#weightOf(server))
  }

  remove(server: ServerView): void {
    const slot = this.#members.remove(server)
    if (slot === undefined) return
    this.#uncount(slot.weight)
    this.#edf.delete(slot)
  }

  weightChanged(server: ServerView): void {
    const slot = this.#members.get(server)
    if (slot === undefined) return
    this.#uncount(slot.weight)
    this.#count(slot, server.eweight)
    this.#edf.delete(slot)
    this.#edf.insert(slot, this.#time + 1 / this.#weightOf(server))
  }

  /** Equal weights: the least active of `choices` uniform draws (with replacement); ties keep the earlier draw. */
  #sample(avoid: ServerView | undefined): ServerView | undefined {
    const list = this.#members.list
    const n = list.length
    const random = this.#context.random
    let best: ServerView | undefined
    for (let c = 0; c < this.#choices; c++) {
      const server = list[Math.floor(random() * n)]!.server
      if (server === avoid || !this.#acceptable(server)) continue
      if (best === undefined || activeOf(server) < activeOf(best)) best = server
    }
    return best ?? this.#scan(avoid)
  }

  /**
   * Unequal weights: the acceptable member with the earliest deadline; it is
   * rescheduled at `deadline + 1 / weight`, its weight taken now.
   */
  #earliest(avoid: ServerView | undefined): ServerView | undefined {
    const edf = this.#edf
    let chosen: Slot | undefined
    let avoided: Slot | undefined
    for (let slot = edf.walkFirst(); slot !== undefined; slot = edf.walkNext()) {
      if (!this.#acceptable(slot.server)) continue
      if (slot.server !== avoid) {
        chosen = slot
        break
      }
      avoided = slot
    }
    chosen ??= avoided
    if (chosen === undefined) return undefined
    this.#time = chosen.key
    edf.delete(chosen)
    edf.insert(chosen, this.#time + 1 / this.#weightOf(chosen.server))
    return chosen.server
  }

  /** Every draw was saturated or avoided: the least active acceptable member, `avoid` last. O(n), only under saturation. */
  #scan(avoid: ServerView | undefined): ServerView | undefined {
    let best: ServerView | undefined
    let avoided: ServerView | undefined
    for (const { server } of this.#members.list) {
      if (!this.#acceptable(server)) continue
      if (server === avoid) avoided = server
      else if (best === undefined || activeOf(server) < activeOf(best)) best = server
    }
    return best ?? avoided
  }

  #weightOf(server: ServerView): number {
    return activeRequestWeight(server.eweight, activeOf(server), this.#bias)
  }

  #count(slot: Slot, weight: number): void {
    slot.weight = weight
    this.#weights.set(weight, (this.#weights.get(weight) ?? 0) + 1)
  }

  #uncount(weight: number): void {
    // Invariant: every member's weight was counted by #count.
    const left = this.#weights.get(weight)! - 1
    if (left === 0) this.#weights.delete(weight)
    else this.#weights.set(weight, left)
  }

  #acceptable(server: ServerView): boolean {
    return server.maxconn === 0 || !isSaturated(server, this.#context.limitOf(server))
  }
}

/** Requests on a server: in service plus waiting in its own queue (Envoy `rq_active`). */
function activeOf(server: ServerView): number {
  return server.served + server.queued
}

/**
 * Creates Envoy's least-request balancer over one group of usable servers.
 *
 * Behaviour notes:
 * - All eweights equal: `config.choiceCount` uniform draws with replacement
 *   (one `random()` each); the draw with the fewest active requests
 *   (`served + queued`) wins, a tie keeps the earlier draw (Envoy's P2C).
 * - Unequal eweights: earliest-deadline-first weighted round robin where a
 *   server picked at deadline `d` is rescheduled at
 *   `d + 1 / (eweight / (active + 1)^bias)` ({@link activeRequestWeight}),
 *   the active count taken at the pick; a server joining is scheduled one
 *   period after the last pick. Bias 0 is plain weighted round robin; larger
 *   biases steer harder away from busy servers.
 * - `request.avoid` and saturated servers are skipped; when every draw is, the
 *   least active acceptable server is taken by a walk (`avoid` only when
 *   nothing else is acceptable), else `undefined` (the backend queue).
 *
 * @default choiceCount 2, activeRequestBias 1 when `config` is not a `least-request` configuration
 */
export const createLeastRequest: BalancerFactory = (servers, config, context) => {
  const choices = config.algorithm === 'least-request' ? config.choiceCount : DEFAULT_LEAST_REQUEST_CHOICES
  const bias = config.algorithm === 'least-request' ? config.activeRequestBias : DEFAULT_ACTIVE_REQUEST_BIAS
  return new LeastRequest(servers, choices, bias, context)
}
