/**
 * Intrusive circular doubly linked lists, one per bucket, shared by the
 * bucket queues of `roundrobin` (weight-queue.ts, position-queue.ts). The
 * links live on the queued objects themselves, so queueing never allocates.
 */

/** A queue that can take back one of its nodes (what a node's `owner` points to). */
export interface BucketQueue<T> {
  /** Remove `node`, which must be queued in this queue. */
  delete(node: T): void
}

/**
 * What a bucket queue needs on a node. The queue owns these fields while the
 * node is queued; the caller owns everything else on the object.
 */
export interface BucketLink<T extends BucketLink<T>> {
  /** Sort key given at insertion. */
  key: number
  /** Bucket number the queue derived from the key. */
  bucket: number
  /** Next node of the bucket's circular list (the node itself when alone), `null` when not queued. */
  next: T | null
  /** Previous node of the bucket's circular list; the head's `prev` is the tail. */
  prev: T | null
  /** The queue holding the node, `null` when not queued. */
  owner: BucketQueue<T> | null
}

/** Links `node` into the circular list right after `at`. */
export function linkAfter<T extends BucketLink<T>>(at: T, node: T): void {
  // Invariant: `at` is queued, so its links are set.
  const after = at.next!
  node.prev = at
  node.next = after
  at.next = node
  after.prev = node
}

/**
 * Unlinks `node` from the list whose head is `heads[slot]` and returns the
 * new head (`null` when the list became empty).
 */
export function unlink<T extends BucketLink<T>>(heads: (T | null)[], slot: number, node: T): T | null {
  const next = node.next!
  let head: T | null
  if (next === node) {
    head = null
  } else {
    const prev = node.prev!
    prev.next = next
    next.prev = prev
    head = heads[slot] === node ? next : heads[slot]!
  }
  heads[slot] = head
  node.next = null
  node.prev = null
  node.owner = null
  return head
}
