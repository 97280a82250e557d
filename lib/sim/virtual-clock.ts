/**
 * Virtual time for the simulator: a {@link Clock} and {@link Scheduler}
 * whose time only moves when the next due callback runs. Callbacks due at the
 * same instant run in scheduling order. Backed by a binary min-heap keyed by
 * `(time, sequence)`; cancelled timers are dropped lazily when they reach the top.
 */
import type { Clock, Scheduler, Timer } from '../types.js'

/** A scheduled callback; it is its own {@link Timer}, so scheduling allocates one object. */
class Entry implements Timer {
  readonly at: number
  readonly seq: number
  readonly fn: () => void
  cancelled = false

  constructor(at: number, seq: number, fn: () => void) {
    this.at = at
    this.seq = seq
    this.fn = fn
  }

  cancel(): void {
    this.cancelled = true
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

/** A virtual clock and scheduler. Time starts at `start` (default 0) and never goes backwards. */
export class VirtualClock implements Clock, Scheduler {
  #now: number
  #seq = 0
  readonly #heap: Entry[] = []

  constructor(start = 0) {
    this.#now = start
  }

  /** Current virtual time in milliseconds. */
  now(): number {
    return this.#now
  }

  /** Runs `fn` once `delay` ms of virtual time from now (a negative or NaN delay counts as 0). */
  schedule(delay: number, fn: () => void): Timer {
    const entry = new Entry(delay > 0 ? this.#now + delay : this.#now, this.#seq++, fn)
    this.#push(entry)
    return entry
  }

  /** Callbacks in the heap, cancelled ones not yet dropped included. */
  get size(): number {
    return this.#heap.length
  }

  /**
   * Moves time to the earliest live callback and runs it. Returns false when
   * nothing is scheduled.
   */
  runNext(): boolean {
    const heap = this.#heap
    for (;;) {
      const top = heap[0]
      if (top === undefined) return false
      this.#pop()
      if (top.cancelled) continue
      top.cancelled = true
      this.#now = top.at
      top.fn()
      return true
    }
  }

  #push(entry: Entry): void {
    const heap = this.#heap
    let i = heap.length
    heap.push(entry)
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = heap[p]!
      if (!before(entry, parent)) break
      heap[i] = parent
      i = p
    }
    heap[i] = entry
  }

  #pop(): void {
    const heap = this.#heap
    // Invariant: called only when the heap is not empty.
    const last = heap.pop()!
    const n = heap.length
    if (n === 0) return
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      let m = l
      const r = l + 1
      if (r < n && before(heap[r]!, heap[l]!)) m = r
      if (!before(heap[m]!, last)) break
      heap[i] = heap[m]!
      i = m
    }
    heap[i] = last
  }
}
