/**
 * An indexed binary min-heap used by the dynamic balancers as HAProxy uses
 * its ebtrees: entries ordered by a numeric key, equal keys in insertion
 * order, O(log n) insert / delete / re-key, and an in-order walk that visits
 * only as many entries as the caller consumes.
 */

/**
 * What the heap needs on an entry. The heap owns these fields while the entry
 * is queued; the balancer owns everything else on the object.
 */
export interface HeapEntry {
  /** Sort key, smallest first. */
  key: number
  /** Insertion sequence number: breaks key ties in insertion order. */
  seq: number
  /** Position in the owning heap's array, -1 when not queued. */
  pos: number
  /** The heap holding the entry, `null` when not queued. */
  owner: object | null
}

function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq)
}

/**
 * An indexed binary min-heap ordered by `(key, insertion sequence)`.
 *
 * Behaviour notes:
 * - An entry is in at most one heap at a time (`owner`, `pos` track where).
 * - Every {@link IndexedHeap.insert} takes a fresh sequence number, so a
 *   re-inserted entry goes to the back of its key group (ebtree duplicates).
 * - {@link IndexedHeap.walkFirst} / {@link IndexedHeap.walkNext} visit
 *   entries in order with an auxiliary heap of positions, so visiting `k`
 *   entries costs O(k log k) whatever the size. Any mutation ends the walk.
 * - No allocation per operation once the arrays have grown.
 */
export class IndexedHeap<T extends HeapEntry> {
  #items: T[] = []
  #seq = 0
  /** Auxiliary min-heap of positions in `#items` for the in-order walk. */
  #aux: number[] = []
  #auxSize = 0
  /** Position whose children the walk has not pushed yet, -1 when none. */
  #pending = -1

  /** The smallest entry, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#items[0]
  }

  /** Queue `entry` with `key`, behind the entries already queued with the same key. The entry must not be queued anywhere. */
  insert(entry: T, key: number): void {
    entry.key = key
    entry.seq = this.#seq++
    entry.owner = this
    const items = this.#items
    entry.pos = items.length
    items.push(entry)
    this.#up(entry.pos)
  }

  /** Remove `entry`, which must be queued in this heap. */
  delete(entry: T): void {
    const items = this.#items
    const at = entry.pos
    // Invariant: the heap is not empty since it holds `entry`.
    const last = items.pop()!
    entry.pos = -1
    entry.owner = null
    if (last === entry) return
    items[at] = last
    last.pos = at
    this.#up(at)
    this.#down(last.pos)
  }

  /**
   * Start an in-order walk and return the smallest entry (`undefined` when
   * empty). O(1): the rest of the walk is prepared lazily by
   * {@link IndexedHeap.walkNext}.
   */
  walkFirst(): T | undefined {
    this.#auxSize = 0
    this.#pending = 0
    return this.#items[0]
  }

  /** The next entry of the walk in `(key, seq)` order, or `undefined` at the end. */
  walkNext(): T | undefined {
    const items = this.#items
    const n = items.length
    const p = this.#pending
    if (p >= 0) {
      const l = 2 * p + 1
      if (l < n) this.#auxPush(l)
      if (l + 1 < n) this.#auxPush(l + 1)
    }
    if (this.#auxSize === 0) {
      this.#pending = -1
      return undefined
    }
    const at = this.#auxPop()
    this.#pending = at
    return items[at]
  }

  #up(i: number): void {
    const items = this.#items
    // Invariant: 0 <= i < items.length.
    const e = items[i]!
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = items[p]!
      if (!before(e, parent)) break
      items[i] = parent
      parent.pos = i
      i = p
    }
    items[i] = e
    e.pos = i
  }

  #down(i: number): void {
    const items = this.#items
    const n = items.length
    const e = items[i]!
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      let m = l
      let child = items[l]!
      const r = l + 1
      if (r < n && before(items[r]!, child)) {
        m = r
        child = items[r]!
      }
      if (!before(child, e)) break
      items[i] = child
      child.pos = i
      i = m
    }
    items[i] = e
    e.pos = i
  }

  #auxBefore(a: number, b: number): boolean {
    return before(this.#items[a]!, this.#items[b]!)
  }

  #auxPush(at: number): void {
    const aux = this.#aux
    let i = this.#auxSize++
    while (i > 0) {
      const p = (i - 1) >> 1
      const parent = aux[p]!
      if (!this.#auxBefore(at, parent)) break
      aux[i] = parent
      i = p
    }
    aux[i] = at
  }

  #auxPop(): number {
    const aux = this.#aux
    const top = aux[0]!
    const n = --this.#auxSize
    if (n === 0) return top
    const e = aux[n]!
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      let m = l
      if (l + 1 < n && this.#auxBefore(aux[l + 1]!, aux[l]!)) m = l + 1
      if (!this.#auxBefore(aux[m]!, e)) break
      aux[i] = aux[m]!
      i = m
    }
    aux[i] = e
    return top
  }
}
