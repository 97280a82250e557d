/**
 * `roundrobin`: HAProxy's dynamic weighted round robin (FWRR, src/lb_fwrr.c),
 * reproduced step for step so that pick sequences match HAProxy 2.6.
 */
import { isSaturated } from '../server.js'
import type { BucketLink } from './bucket-link.js'
import { PositionQueue } from './position-queue.js'
import type { Balancer, BalancerContext, BalancerFactory, PickRequest, ServerView } from './types.js'
import { WeightQueue } from './weight-queue.js'

/** Largest eweight (256 × 16): INIT/NEXT order by eweight, heaviest first. */
const EWEIGHT_MAX = 4096
/** Key units per position in CUR (HAProxy SRV_UWGHT_RANGE). */
const POSITION_RANGE = 256
/** CUR buckets per server at most: enough to keep the positions of a round apart in the usual weight ranges. */
const BUCKETS_PER_SERVER = 8

/**
 * CUR ring size for a round of `cw` positions over `members` servers. CUR's
 * positions lie within [CW, 2·CW], so `cw + 2` buckets never alias; the cap
 * bounds memory, and aliasing only costs speed, never order.
 */
function curBuckets(cw: number, members: number): number {
  return Math.min(cw + 2, BUCKETS_PER_SERVER * members)
}

/** Per-server scheduling state (HAProxy keeps it in `struct server`). */
interface Slot extends BucketLink<Slot> {
  readonly server: ServerView
  /** eweight the schedule was computed with (HAProxy cur_eweight). */
  ew: number
  /** Next position. */
  npos: number
  /** Last position. */
  lpos: number
  /** Remainder accumulator of `W mod ew`. */
  rw: number
  /** Link of the set-aside list during one pick. */
  nextFull: Slot | undefined
}

class RoundRobin implements Balancer {
  readonly name = 'roundrobin'
  readonly dynamic = true
  readonly skipsSaturated = true

  readonly #context: BalancerContext
  /** Slots by `server.index`; kept after `remove` so that `rw` survives like HAProxy's. */
  readonly #slots: (Slot | undefined)[] = []
  /** Servers not yet scheduled, heaviest first. */
  #init = new WeightQueue<Slot>(EWEIGHT_MAX)
  /** Servers pushed to the following round, heaviest first. */
  #next = new WeightQueue<Slot>(EWEIGHT_MAX)
  /** Servers scheduled in the current round, by position (a calendar queue: one bucket per position). */
  readonly #cur = new PositionQueue<Slot>(POSITION_RANGE, 1)
  /** Servers in the group. */
  #members = 0
  /** Sum of the eweights of the group (HAProxy next_weight). */
  #w = 0
  /** The W the current round was built with (HAProxy curr_weight). */
  #cw = 0
  /** Position counter (HAProxy curr_pos). */
  #pos = 0

  constructor(servers: readonly ServerView[], context: BalancerContext) {
    this.#context = context
    for (const server of servers) {
      const slot = this.#slot(server)
      slot.ew = server.eweight
      this.#w += slot.ew
      this.#members++
      this.#init.insert(slot, slot.ew)
    }
    this.#pos = this.#cw = this.#w
    this.#cur.resize(curBuckets(this.#cw, this.#members))
  }

  pick(request: PickRequest): ServerView | undefined {
    const avoid = request.avoid
    const context = this.#context
    let switched = false
    let avoided: Slot | undefined
    let full: Slot | undefined
    let chosen: Slot | undefined
    for (;;) {
      // An empty round: collect the weights that may have changed since.
      if (this.#cw === 0) this.#pos = this.#cw = this.#w
      let slot = this.#candidate()
      if (slot === undefined && !switched) {
        switched = true
        this.#switchTrees()
        slot = this.#candidate()
      }
      if (slot === undefined) {
        chosen = avoided
        break
      }
      this.#advance(slot)
      // A candidate is the head of CUR or INIT.
      if (slot.owner === this.#cur) this.#cur.delete(slot)
      else this.#init.delete(slot)
      this.#pos++
      const server = slot.server
      // maxconn first: an unlimited server needs no limitOf call.
      if (server.maxconn === 0 || !isSaturated(server, context.limitOf(server))) {
        // The avoided server left the trees, so it cannot come back as `slot`.
        if (server !== avoid) {
          chosen = slot
          break
        }
        avoided = slot
      }
      slot.nextFull = full
      full = slot
    }
    if (chosen !== undefined) this.#queue(chosen)
    // Put back the set-aside servers, most recently extracted first.
    while (full !== undefined) {
      const s = full
      full = s.nextFull
      s.nextFull = undefined
      if (s === chosen) continue
      // After a switch their place was lost: only their weight matters.
      if (switched) this.#init.insert(s, s.ew)
      else this.#queue(s)
    }
    return chosen?.server
  }

  add(server: ServerView): void {
    const slot = this.#slot(server)
    if (slot.owner !== null) return
    const ew = server.eweight
    slot.ew = ew
    this.#w += ew
    this.#members++
    // HAProxy computes this in unsigned arithmetic: a negative span wraps to a
    // huge value, which sends the server to the next round.
    slot.npos = this.#pos + Math.floor(((this.#w + this.#cw - this.#pos) >>> 0) / ew)
    this.#queue(slot)
  }

  remove(server: ServerView): void {
    const slot = this.#slots[server.index]
    if (slot?.owner == null) return
    this.#w -= slot.ew
    this.#members--
    slot.owner.delete(slot)
  }

  weightChanged(server: ServerView): void {
    const slot = this.#slots[server.index]
    if (slot?.owner == null) return
    const ew = server.eweight
    this.#w += ew - slot.ew
    slot.ew = ew
    const tree = slot.owner
    tree.delete(slot)
    if (tree === this.#init) {
      this.#init.insert(slot, ew)
      return
    }
    // NEXT stores npos relative to the following round.
    if (tree === this.#next) slot.npos += this.#cw
    // Keep the place if it has not consumed all of it, else restart from here.
    const step = Math.floor(this.#w / ew)
    const prev = slot.npos
    slot.npos = Math.min(slot.lpos + step, prev)
    slot.rw = 0
    if (slot.npos < this.#pos + 2) slot.npos = this.#pos + step
    this.#queue(slot)
  }

  #slot(server: ServerView): Slot {
    let slot = this.#slots[server.index]
    if (slot === undefined) {
      slot = { server, key: 0, bucket: 0, next: null, prev: null, owner: null, ew: 0, npos: 0, lpos: 0, rw: 0, nextFull: undefined }
      this.#slots[server.index] = slot
    }
    return slot
  }

  /** HAProxy fwrr_get_server_from_group: due head of CUR, else head of INIT, else head of CUR. */
  #candidate(): Slot | undefined {
    const head = this.#cur.peek()
    if (head !== undefined && head.npos <= this.#pos) return head
    const fresh = this.#init.peek()
    if (fresh !== undefined) {
      fresh.npos = 0
      fresh.rw = 0
      return fresh
    }
    return head
  }

  /** HAProxy fwrr_update_position. */
  #advance(slot: Slot): void {
    const ew = slot.ew
    const w = this.#w
    // npos 0 means "first time in this round" (taken from INIT).
    if (slot.npos === 0) slot.npos = this.#pos
    slot.lpos = slot.npos
    slot.npos += Math.floor(w / ew)
    slot.rw += w % ew
    if (slot.rw >= ew) {
      slot.rw -= ew
      slot.npos++
    }
  }

  /** HAProxy fwrr_queue_srv: into CUR, or NEXT when beyond the current or the theoretical new window. */
  #queue(slot: Slot): void {
    const cw = this.#cw
    if (slot.npos >= 2 * cw || slot.npos >= cw + this.#w) {
      slot.npos -= cw
      this.#next.insert(slot, slot.ew)
    } else {
      this.#cur.insert(slot, POSITION_RANGE * slot.npos + ((EWEIGHT_MAX + slot.rw - slot.ew) >>> 4))
    }
  }

  #switchTrees(): void {
    const init = this.#init
    this.#init = this.#next
    this.#next = init
    this.#pos = this.#cw = this.#w
    // CUR is empty (nothing was left to pick): size its ring for the new round.
    const want = curBuckets(this.#cw, this.#members)
    const have = this.#cur.buckets
    if (want > have || want * 4 < have) this.#cur.resize(want)
  }
}

/**
 * Creates HAProxy's dynamic weighted round robin over one group of usable servers.
 *
 * Behaviour notes:
 * - Smooth weighted rotation by `eweight`; equal weights rotate in declaration order.
 * - Weight changes apply at run time without a rebuild; a server that comes up
 *   is scheduled near the end of the current round.
 * - Saturated servers (`maxconn` reached or own queue non-empty) are skipped and
 *   put back in their place; `undefined` when every server is saturated.
 * - `request.avoid` is skipped unless it is the only acceptable server.
 * - A pick costs amortised O(1) plus O(1) per skipped server, with no
 *   allocation: INIT/NEXT are buckets by eweight and CUR is a calendar queue
 *   by position, which HAProxy's position counter sweeps one step per pick.
 *   Zero-weight servers are never in the group: the farm removes them.
 *
 * HAProxy: `balance roundrobin`
 */
export const createRoundRobin: BalancerFactory = (servers, _config, context) => new RoundRobin(servers, context)
