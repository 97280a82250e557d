/**
 * `peak-ewma`: latency-aware power of two choices, as Finagle's and Linkerd's
 * "Peak EWMA" balancers. Not an HAProxy algorithm.
 */
import { isSaturated } from '../server.js'
import { Members, type MemberSlot } from './members.js'
import type { Balancer, BalanceName, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'
import { DEFAULT_EWMA_DECAY, DEFAULT_EWMA_FAILURE_PENALTY } from '../options/defaults.js'

/**
 * Load of a server that has requests in flight but no latency observed yet
 * (Finagle's `Penalty`): larger than any real cost, so untried servers fill
 * one request at a time, spreading by outstanding count until they answer.
 */
export const UNTRIED_PENALTY = 2 ** 50

interface Slot extends MemberSlot {
  /** Latency estimate in milliseconds; 0 = nothing observed. */
  cost: number
  /** When `cost` was last updated (clock ms). */
  stamp: number
}

/**
 * One decay step of a peak-sensitive EWMA (Finagle `PeakEwma.observe`,
 * tower `RttEstimate::update`): a sample above the estimate replaces it at
 * once; otherwise the estimate moves towards the sample with weight
 * `1 − e^(−elapsed/decay)`. A sample of 0 only decays the estimate, which is
 * what every read does, so an idle or penalised server becomes attractive again.
 * @param decay time constant in milliseconds, > 0
 */
export function ewmaStep(cost: number, sample: number, elapsed: number, decay: number): number {
  if (cost < sample) return sample
  if (elapsed <= 0) return cost
  const w = Math.exp(-elapsed / decay)
  return cost * w + sample * (1 - w)
}

/**
 * The P2C load of a server: `cost × (outstanding + 1)`, or
 * {@link UNTRIED_PENALTY} `+ outstanding` while nothing was observed and
 * requests are in flight.
 */
export function peakEwmaLoad(cost: number, outstanding: number): number {
  if (cost === 0 && outstanding > 0) return UNTRIED_PENALTY + outstanding
  return cost * (outstanding + 1)
}

class PeakEwma implements Balancer {
  readonly name: BalanceName = 'peak-ewma'
  readonly dynamic = true
  readonly skipsSaturated = true
  readonly #members: Members<Slot>
  readonly #context: BalancerContext
  readonly #decay: number
  readonly #penalty: number

  constructor(servers: readonly ServerView[], decay: number, penalty: number, context: BalancerContext) {
    this.#context = context
    this.#decay = decay
    this.#penalty = penalty
    this.#members = new Members((server) => ({ server, at: -1, cost: 0, stamp: 0 }))
    for (const server of servers) this.add(server)
  }

  pick(request: PickRequest): ServerView | undefined {
    const list = this.#members.list
    const n = list.length
    // Never called on an empty group.
    if (n === 1) return this.#acceptable(list[0]!.server) ? list[0]!.server : undefined
    const random = this.#context.random
    const i = Math.floor(random() * n)
    let j = Math.floor(random() * (n - 1))
    if (j >= i) j++
    const now = this.#now()
    const a = list[i]!
    const b = list[j]!
    const avoid = request.avoid
    const okA = a.server !== avoid && this.#acceptable(a.server)
    const okB = b.server !== avoid && this.#acceptable(b.server)
    if (okA && okB) return this.#lighter(a, b, now).server
    if (okA) return a.server
    if (okB) return b.server
    return this.#scan(Math.floor(random() * n), avoid, now)
  }

  add(server: ServerView): void {
    const slot = this.#members.add(server)
    if (slot === undefined) return
    // A server (re)joining starts afresh, as a new endpoint does in Finagle.
    slot.cost = 0
    slot.stamp = this.#now()
  }

  remove(server: ServerView): void {
    this.#members.remove(server)
  }

  weightChanged(): void {
    // Weights are read at each pick.
  }

  observe(server: ServerView, latency: number, ok: boolean): void {
    const slot = this.#members.get(server)
    if (slot === undefined) return
    const now = this.#now()
    const sample = ok ? latency : Math.max(latency, this.#penalty)
    slot.cost = ewmaStep(slot.cost, sample, now - slot.stamp, this.#decay)
    slot.stamp = now
  }

  /** The current load of a member, decaying its estimate to `now` (a read observes 0, as in Finagle). */
  #load(slot: Slot, now: number): number {
    slot.cost = ewmaStep(slot.cost, 0, now - slot.stamp, this.#decay)
    slot.stamp = now
    const server = slot.server
    return peakEwmaLoad(slot.cost, server.served + server.queued)
  }

  /** The lower weighted load (`load / eweight`, compared by cross-multiplying); a tie keeps `a`. */
  #lighter(a: Slot, b: Slot, now: number): Slot {
    const la = this.#load(a, now)
    const lb = this.#load(b, now)
    return lb * a.server.eweight < la * b.server.eweight ? b : a
  }

  /**
   * Both draws were saturated or avoided: the lightest acceptable server of a
   * full walk starting at `start`, `avoid` only when nothing else is
   * acceptable. O(n), reached only under saturation.
   */
  #scan(start: number, avoid: ServerView | undefined, now: number): ServerView | undefined {
    const list = this.#members.list
    const n = list.length
    let best: Slot | undefined
    let avoided: ServerView | undefined
    for (let k = 0; k < n; k++) {
      const slot = list[(start + k) % n]!
      if (!this.#acceptable(slot.server)) continue
      if (slot.server === avoid) avoided = avoid
      else best = best === undefined ? slot : this.#lighter(best, slot, now)
    }
    return best?.server ?? avoided
  }

  #acceptable(server: ServerView): boolean {
    return server.maxconn === 0 || !isSaturated(server, this.#context.limitOf(server))
  }

  #now(): number {
    const clock = this.#context.clock
    return clock === undefined ? 0 : clock.now()
  }
}

/**
 * Creates a peak-EWMA power-of-two-choices balancer over one group of usable servers.
 *
 * Behaviour notes:
 * - Each server keeps a latency estimate (ms) fed by {@link Balancer.observe}:
 *   {@link ewmaStep} with time constant `config.decay`; a higher sample
 *   replaces the estimate at once ("peak"), lower ones blend in with weight
 *   `1 − e^(−Δt/decay)`, and every read decays the estimate towards 0.
 * - A failed request counts as at least `config.failurePenalty` ms, so a
 *   server that fails fast looks slow, not fast, and is only probed again once
 *   its estimate has decayed (after about `decay × ln(penalty / healthy latency)`).
 * - A pick draws two distinct members uniformly (two `random()` calls) and
 *   keeps the lower `cost × (served + queued + 1) / eweight`
 *   ({@link peakEwmaLoad}); a tie keeps the first draw. A server with requests in
 *   flight and no observation yet costs {@link UNTRIED_PENALTY}.
 * - `request.avoid` and saturated servers are skipped; if both draws are
 *   skipped, a full walk from a random start takes the lightest acceptable
 *   server (`avoid` only when nothing else is acceptable), else `undefined`
 *   (the request waits in the backend queue).
 * - A server that leaves and rejoins the group starts with no estimate.
 *
 * @default decay 10000 ms, failurePenalty 1000 ms when `config` is not a `peak-ewma` configuration
 */
export const createPeakEwma: BalancerFactory = (servers, config, context) => {
  const decay = config.algorithm === 'peak-ewma' ? config.decay : DEFAULT_EWMA_DECAY
  const penalty = config.algorithm === 'peak-ewma' ? config.failurePenalty : DEFAULT_EWMA_FAILURE_PENALTY
  return new PeakEwma(servers, decay, penalty, context)
}
