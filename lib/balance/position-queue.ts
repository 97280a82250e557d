/**
 * A calendar (bucket) queue over integer keys whose minimum moves forward
 * steadily: `roundrobin`'s CUR tree, keyed by `256 × npos + tie-break`, where
 * the position counter advances by one per pick.
 */
import { linkAfter, unlink, type BucketLink, type BucketQueue } from './bucket-link.js'

/**
 * A min-queue of nodes ordered by `(key, insertion order)` with keys that are
 * non-negative integers below 2^53.
 *
 * Key `k` belongs to bucket number `floor(k / unit)`; bucket number `b` is
 * kept in slot `b mod buckets` of a ring of buckets, as a list sorted by
 * `(key, insertion order)`. Bucket numbers that differ by a multiple of the
 * ring size share a slot; their nodes stay sorted by key, so the order is
 * still exact, only slower to maintain.
 *
 * Behaviour notes:
 * - {@link PositionQueue.peek} scans the ring forward from a lower bound of
 *   the queued bucket numbers, so its cost is the distance to the smallest
 *   one: amortised O(1) when the minimum advances by about one bucket per
 *   operation, as FWRR's does (one position per pick).
 * - {@link PositionQueue.insert} walks back from the tail of its slot's list
 *   past the nodes with a larger key: O(1) unless many nodes share a slot.
 * - {@link PositionQueue.delete} is O(1).
 * - A re-inserted node goes behind the nodes already queued with its key.
 * - No allocation except in {@link PositionQueue.resize}.
 */
export class PositionQueue<T extends BucketLink<T>> implements BucketQueue<T> {
  readonly #unit: number
  /** Head of each slot's sorted circular list. */
  #heads: (T | null)[] = []
  /** Ring size − 1 (the ring size is a power of two). */
  #mask = 0
  #size = 0
  /** At most the smallest queued bucket number; +∞ when empty. */
  #low = Infinity

  /**
   * @param unit Keys per bucket (a positive integer).
   * @param buckets Ring size wanted, rounded up to a power of two (at least 1).
   */
  constructor(unit: number, buckets: number) {
    this.#unit = unit
    this.resize(buckets)
  }

  /** Number of queued nodes. */
  get size(): number {
    return this.#size
  }

  /** Ring size: the power of two at least the `buckets` last asked for. */
  get buckets(): number {
    return this.#mask + 1
  }

  /**
   * Sets the ring size to the power of two at least `buckets` (at least 1).
   * Only allowed while the queue is empty. Allocates the ring.
   */
  resize(buckets: number): void {
    let size = 1
    while (size < buckets) size *= 2
    this.#heads = new Array<T | null>(size).fill(null)
    this.#mask = size - 1
  }

  /** The node with the smallest key (the first queued among equals), or `undefined` when empty. */
  peek(): T | undefined {
    if (this.#size === 0) return undefined
    const heads = this.#heads
    const mask = this.#mask
    let b = this.#low
    // `b & mask` is `b mod ring size` for every integer below 2^53: the
    // ring size divides 2^32, and `&` reduces its operand mod 2^32 first.
    let head = heads[b & mask]
    // Invariant: #low ≤ every queued bucket number, so this stops at the
    // smallest one, whose node heads its slot (the slot is sorted by key).
    while (head == null || head.bucket !== b) head = heads[++b & mask]
    this.#low = b
    return head
  }

  /** Queue `node` with `key`, behind the nodes already queued with that key. The node must not be queued anywhere. */
  insert(node: T, key: number): void {
    const b = Math.floor(key / this.#unit)
    node.key = key
    node.bucket = b
    node.owner = this
    this.#size++
    if (b < this.#low) this.#low = b
    const heads = this.#heads
    const slot = b & this.#mask
    const head = heads[slot]
    if (head == null) {
      node.next = node
      node.prev = node
      heads[slot] = node
      return
    }
    // Walk back from the tail (the head's `prev`) to the last node with a key ≤ `key`.
    let at = head.prev!
    while (at.key > key) {
      if (at === head) {
        // Every node of the slot has a larger key: `node` becomes the head,
        // which in a circular list means linking it after the tail.
        linkAfter(head.prev!, node)
        heads[slot] = node
        return
      }
      at = at.prev!
    }
    linkAfter(at, node)
  }

  /** Remove `node`, which must be queued in this queue. */
  delete(node: T): void {
    unlink(this.#heads, node.bucket & this.#mask, node)
    if (--this.#size === 0) this.#low = Infinity
  }
}
