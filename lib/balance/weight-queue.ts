/**
 * A priority queue over small integer weights, heaviest first, equal weights
 * in insertion order: `roundrobin`'s INIT and NEXT trees (HAProxy keys them by
 * `SRV_EWGHT_MAX − eweight` in an ebtree, which keeps duplicates in insertion
 * order).
 */
import { linkAfter, unlink, type BucketLink, type BucketQueue } from './bucket-link.js'

/**
 * Buckets of FIFO lists indexed by weight, with a bitmap of the non-empty
 * buckets to find the heaviest one.
 *
 * Behaviour notes:
 * - Weights are integers from 0 to the `maxWeight` given to the constructor.
 * - {@link WeightQueue.peek} is O(1); {@link WeightQueue.insert} is O(1);
 *   {@link WeightQueue.delete} is O(1), plus a scan of at most
 *   `maxWeight / 32` bitmap words when it empties the heaviest bucket.
 * - A re-inserted node goes to the back of its weight's list.
 * - No allocation after construction.
 */
export class WeightQueue<T extends BucketLink<T>> implements BucketQueue<T> {
  /** Head of each weight's circular list. */
  readonly #heads: (T | null)[]
  /** Bit `w` is set when the list of weight `w` is not empty. */
  readonly #bits: Uint32Array
  /** Heaviest non-empty weight, −1 when empty. */
  #top = -1

  /** @param maxWeight Largest weight that will be inserted. */
  constructor(maxWeight: number) {
    this.#heads = new Array<T | null>(maxWeight + 1).fill(null)
    this.#bits = new Uint32Array((maxWeight >> 5) + 1)
  }

  /** The first node of the heaviest weight, or `undefined` when empty. */
  peek(): T | undefined {
    const top = this.#top
    return top < 0 ? undefined : this.#heads[top]!
  }

  /** Queue `node` behind the nodes already queued with `weight`. The node must not be queued anywhere. */
  insert(node: T, weight: number): void {
    node.key = weight
    node.bucket = weight
    node.owner = this
    const head = this.#heads[weight]
    if (head == null) {
      node.next = node
      node.prev = node
      this.#heads[weight] = node
      this.#bits[weight >> 5]! |= 1 << (weight & 31)
      if (weight > this.#top) this.#top = weight
    } else {
      // The tail is the head's `prev`.
      linkAfter(head.prev!, node)
    }
  }

  /** Remove `node`, which must be queued in this queue. */
  delete(node: T): void {
    const weight = node.bucket
    if (unlink(this.#heads, weight, node) !== null) return
    const bits = this.#bits
    bits[weight >> 5]! &= ~(1 << (weight & 31))
    if (weight !== this.#top) return
    // No bit is set above the old top: search downwards from its word.
    let top = -1
    for (let i = weight >> 5; i >= 0; i--) {
      const word = bits[i]!
      if (word !== 0) {
        top = (i << 5) + 31 - Math.clz32(word)
        break
      }
    }
    this.#top = top
  }
}
