/**
 * The waiting line of one queue: a backend's queue or one server's own queue
 * (HAProxy's pendconn trees, src/queue.c).
 *
 * How waiting works. A request that cannot take a slot now becomes a *ticket*
 * and waits in exactly one queue. A ticket is in one of four states:
 *
 * - **waiting** — in a queue. {@link PendingQueue.push} puts it there. Only the
 *   queue's owner (the backend) may take it out, for one of the reasons below.
 * - **assigned** — the freed-slot procedure (§3.5: a slot was released, a
 *   server came up, a limit was raised) shifted it from the head of its queue
 *   and bound it to a server. Final.
 * - **cancelled** — it left before being served: the caller aborted
 *   (`option abortonclose`), the backend was closed, the last usable server
 *   disappeared, or a redistribution found nowhere to send it. Final.
 * - **timed out** — `timeout queue` expired first. Final.
 *
 * A redistribution (§3.8: its server went down, into maintenance, or was
 * removed) takes a ticket out of one queue and pushes it into another; it stays
 * *waiting* throughout and keeps its key, so it loses neither its place nor
 * its deadline. The queue never changes a ticket's state except to mark it
 * waiting on push: the owner records the final state, which keeps every
 * transition in one place (the backend) and lets it settle each request
 * exactly once.
 *
 * Order: priority class (lower first), then time key (arrival in whole ms plus
 * offset, wrap-aware, see `priority-key.ts`), then arrival order. Tickets of
 * the common case — every request with the same class and a time key that
 * never goes backwards, which is what default priorities produce — go to a
 * FIFO *lane*, an intrusive doubly-linked list: push, shift and delete are O(1)
 * and allocate nothing. Any ticket that would break the lane's order (another
 * class, a negative offset, a redistributed older ticket) goes to a binary heap
 * instead: O(log n) push, shift and delete, with each ticket remembering its
 * heap position so that delete needs no search. The head of the queue is the
 * lesser of the lane head and the heap top.
 *
 * Pure: `now` is a parameter, nothing is scheduled here.
 */
import { liftTimeKey, timeKeyBoundary } from './priority-key.js'

/** Lifecycle of a ticket (see the module essay). */
export type TicketState = 'waiting' | 'assigned' | 'cancelled' | 'timed-out'

/**
 * One waiting request as the queue sees it. Subclass it to carry the owner's
 * data (see `waiter.ts`); the fields below belong to the queue while the
 * ticket is waiting and must not be written by anyone else.
 */
export class QueueTicket {
  /** Priority class, already clamped (HAProxy `set-priority-class`). */
  readonly priorityClass: number
  /** Time key: whole-ms arrival plus offset; lifted by 2^20 when it wraps. */
  key: number
  /** Arrival order among tickets of one backend; breaks exact ties (FIFO). */
  readonly seq: number
  /** Lifecycle state; the queue sets `waiting` on push, the owner sets the rest. */
  state: TicketState = 'waiting'
  /** Lane links (unused while in the heap). @internal */
  prev: QueueTicket | undefined = undefined
  /** @internal */
  next: QueueTicket | undefined = undefined
  /** Position in the heap, or −1 while in the lane or out of any queue. @internal */
  heapIndex = -1

  constructor(priorityClass: number, key: number, seq: number) {
    this.priorityClass = priorityClass
    this.key = key
    this.seq = seq
  }
}

/** True when `a` is served before `b` inside one queue: class, then time key, then arrival. */
export function ticketBefore(a: QueueTicket, b: QueueTicket): boolean {
  if (a.priorityClass !== b.priorityClass) return a.priorityClass < b.priorityClass
  if (a.key !== b.key) return a.key < b.key
  return a.seq < b.seq
}

/**
 * A priority queue of tickets with an O(1) FIFO fast path and O(1) / O(log n)
 * removal of any ticket. It never allocates per ticket: links live in the
 * ticket itself.
 */
export class PendingQueue<T extends QueueTicket> {
  #head: T | undefined = undefined
  #tail: T | undefined = undefined
  #laneSize = 0
  readonly #heap: T[] = []

  /** Number of waiting tickets. */
  get size(): number {
    return this.#laneSize + this.#heap.length
  }

  /**
   * Adds a ticket that is in no queue. Its key must have been computed from an
   * arrival no later than now (as `timeKey()` does).
   */
  push(ticket: T): void {
    ticket.state = 'waiting'
    const tail = this.#tail
    if (tail === undefined || (ticket.priorityClass === tail.priorityClass && !ticketBefore(ticket, tail))) {
      ticket.prev = tail
      ticket.next = undefined
      if (tail === undefined) this.#head = ticket
      else tail.next = ticket
      this.#tail = ticket
      this.#laneSize++
    } else {
      this.#heapPush(ticket)
    }
  }

  /** The ticket that would be served next at `now`, left in place. */
  peek(now: number): T | undefined {
    const boundary = timeKeyBoundary(now)
    // A lane head that fell behind the look-back boundary has wrapped: it now ranks after
    // every recent key of its class, which only the heap can express. Lane keys never
    // decrease, so the stale ones are all at the front.
    let lane = this.#head
    while (lane !== undefined && lane.key < boundary) {
      this.#unlink(lane)
      lane.key = liftTimeKey(lane.key, boundary)
      this.#heapPush(lane)
      lane = this.#head
    }
    const heap = this.#heap
    let top = heap[0]
    // Stored keys only move forward, so a stale key of the top class is always at the top.
    while (top !== undefined && top.key < boundary) {
      top.key = liftTimeKey(top.key, boundary)
      this.#siftDown(0)
      top = heap[0]
    }
    if (top === undefined) return lane
    if (lane === undefined) return top
    return ticketBefore(lane, top) ? lane : top
  }

  /** Removes and returns the ticket served next at `now`. */
  shift(now: number): T | undefined {
    const ticket = this.peek(now)
    if (ticket !== undefined) this.delete(ticket)
    return ticket
  }

  /** Removes a ticket that is waiting in this queue, wherever it is. Its state is left to the owner. */
  delete(ticket: T): void {
    if (ticket.heapIndex >= 0) this.#heapDelete(ticket)
    else this.#unlink(ticket)
  }

  #unlink(ticket: T): void {
    const prev = ticket.prev as T | undefined
    const next = ticket.next as T | undefined
    if (prev === undefined) this.#head = next
    else prev.next = next
    if (next === undefined) this.#tail = prev
    else next.prev = prev
    ticket.prev = undefined
    ticket.next = undefined
    this.#laneSize--
  }

  #heapPush(ticket: T): void {
    const heap = this.#heap
    ticket.heapIndex = heap.length
    heap.push(ticket)
    this.#siftUp(ticket.heapIndex)
  }

  #heapDelete(ticket: T): void {
    const heap = this.#heap
    const at = ticket.heapIndex
    // heap is non-empty: `ticket` is in it.
    const last = heap.pop()!
    ticket.heapIndex = -1
    if (last === ticket) return
    heap[at] = last
    last.heapIndex = at
    this.#siftUp(at)
    this.#siftDown(last.heapIndex)
  }

  #siftUp(at: number): void {
    const heap = this.#heap
    // at < heap.length: callers pass a valid position.
    const ticket = heap[at]!
    while (at > 0) {
      const parentAt = (at - 1) >> 1
      const parent = heap[parentAt]!
      if (!ticketBefore(ticket, parent)) break
      heap[at] = parent
      parent.heapIndex = at
      at = parentAt
    }
    heap[at] = ticket
    ticket.heapIndex = at
  }

  #siftDown(at: number): void {
    const heap = this.#heap
    const size = heap.length
    const ticket = heap[at]!
    for (;;) {
      const left = 2 * at + 1
      if (left >= size) break
      const right = left + 1
      // left < size, and right is checked before use.
      let child = heap[left]!
      let childAt = left
      if (right < size && ticketBefore(heap[right]!, child)) {
        child = heap[right]!
        childAt = right
      }
      if (!ticketBefore(child, ticket)) break
      heap[at] = child
      child.heapIndex = at
      at = childAt
    }
    heap[at] = ticket
    ticket.heapIndex = at
  }
}
