/**
 * A request waiting for a slot: a {@link QueueTicket} plus what the backend
 * needs to settle it (the promise callbacks, the request, where it waits), and
 * the backend-wide list of waiters in arrival order.
 *
 * Every waiter of a backend is on one {@link WaiterList} from the moment it
 * starts waiting until it is settled. `timeout queue` is the same for every
 * waiter of a backend, so arrival order is also deadline order: the backend
 * needs a single timer for all of them, armed for the oldest one, and closing
 * walks this list. The waiter is its own abort listener (`handleEvent`), so
 * waiting with an `AbortSignal` allocates no closure.
 */
import type { ServerView } from '../balance/types.js'
import { QueueTicket } from './pending-queue.js'
import type { AcquireRequest, Lease } from './types.js'

/** What a waiter reports an abort to: its backend. */
export interface WaiterOwner {
  /** The waiter's signal fired while it was waiting. */
  abort(waiter: Waiter): void
}

let capturing: Waiter | undefined

/** Promise executor shared by all waiters: stores the settle callbacks without a closure per waiter. */
function capture(resolve: (lease: Lease) => void, reject: (reason: unknown) => void): void {
  // Set by Waiter.promise() right before `new Promise(capture)` runs this synchronously.
  const waiter = capturing!
  waiter.resolve = resolve
  waiter.reject = reject
}

/** One waiting request. Internal to the backend. */
export class Waiter extends QueueTicket {
  /** When it started waiting, on the backend's clock (ms). */
  readonly enqueuedAt: number
  /** The request, for re-balancing on redistribution and for its signal. */
  readonly request: AcquireRequest
  /** Whose abort handler to call. */
  readonly owner: WaiterOwner
  /** The server whose own queue holds it; `undefined` while in the backend queue. */
  server: ServerView | undefined = undefined
  /** Arrival-list links. @internal */
  older: Waiter | undefined = undefined
  /** @internal */
  newer: Waiter | undefined = undefined
  /** Settles the caller's promise with a lease (set by {@link promise}). */
  resolve!: (lease: Lease) => void
  /** Settles the caller's promise with an error (set by {@link promise}). */
  reject!: (reason: unknown) => void

  constructor(priorityClass: number, key: number, seq: number, enqueuedAt: number, request: AcquireRequest, owner: WaiterOwner) {
    super(priorityClass, key, seq)
    this.enqueuedAt = enqueuedAt
    this.request = request
    this.owner = owner
  }

  /** Creates the promise the caller awaits; call once. */
  promise(): Promise<Lease> {
    capturing = this
    const promise = new Promise<Lease>(capture)
    capturing = undefined
    return promise
  }

  /** `AbortSignal` listener (EventListener object form). */
  handleEvent(): void {
    this.owner.abort(this)
  }
}

/** Waiters in arrival order (= deadline order): intrusive, O(1) append and remove. */
export class WaiterList {
  #first: Waiter | undefined = undefined
  #last: Waiter | undefined = undefined
  #size = 0

  /** The oldest waiter. */
  get first(): Waiter | undefined {
    return this.#first
  }

  /** Number of waiters. */
  get size(): number {
    return this.#size
  }

  /** Adds the newest waiter. */
  append(waiter: Waiter): void {
    const last = this.#last
    waiter.older = last
    waiter.newer = undefined
    if (last === undefined) this.#first = waiter
    else last.newer = waiter
    this.#last = waiter
    this.#size++
  }

  /** Removes a waiter that is on this list. */
  remove(waiter: Waiter): void {
    const { older, newer } = waiter
    if (older === undefined) this.#first = newer
    else older.newer = newer
    if (newer === undefined) this.#last = older
    else newer.older = older
    waiter.older = undefined
    waiter.newer = undefined
    this.#size--
  }
}
