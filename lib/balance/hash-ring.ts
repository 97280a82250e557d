/**
 * HAProxy's consistent-hash ring (lb_chash), shared by `hash-type consistent`
 * and `random`.
 *
 * Every server on the ring owns `eweight` points; point `i` of a server with
 * numeric id `id` sits at `full_hash(id × 4096 + i)` (unsigned 32-bit). The
 * points are sorted by (position, server index) in one typed array that
 * interleaves each point's position with its owner, so that a lookup reads
 * both from one cache line; the point numbers, needed only by changes, live in
 * a parallel array. A bucket table over the top bits of the position narrows
 * a lookup to a few points before a binary search. Equal positions (only
 * possible for ids that agree modulo 2^20) are ordered by server index, where
 * HAProxy orders them by insertion time.
 *
 * Changes touch one server: adding points merges that server's sorted run
 * into the ring (O(P)), removing them is one compaction pass (O(P)), and the
 * initial build merges the per-server runs pairwise (O(P log S)).
 *
 * Bounded load (`hash-balance-factor`) needs, per candidate, the sum of the
 * eweights of the servers declared before it; a Fenwick tree over the servers'
 * dense `index` (which follows declaration order) answers that in O(log S).
 */
import { isSaturated } from '../server.js'
import { avalanche } from './hash-fn.js'
import type { BalancerContext, ServerView } from './types.js'

/** Points of a server's ring run: point numbers stay below this bound (eweight ≤ 4096 ≤ 65536). */
const POINT_RANGE = 65536
/**
 * Most bits of the bucket index (2^18 buckets, 1 MiB): about one bucket per
 * point up to 262,144 points, then a few points per bucket (2.75 for 10,000
 * servers of average weight 4.5), which keeps the table small enough to stay
 * in cache while the search touches one cache line of the ring.
 */
const MAX_BUCKET_BITS = 18

/**
 * Ring points: point `i` has its position at `po[2i]`, its owner (server
 * index) at `po[2i + 1]` and its point number at `pt[i]`.
 */
interface Points {
  po: Uint32Array
  pt: Uint16Array
}

function allocPoints(size: number): Points {
  return { po: new Uint32Array(2 * size), pt: new Uint16Array(size) }
}

/**
 * True when point `i` of `a` sorts before point `j` of `b`: by position, then
 * server index. Two points of one server never share a position (full_hash
 * is a bijection and `id × 4096 + i` differs for each i), so that is a total order.
 */
function before(a: Points, i: number, b: Points, j: number): boolean {
  const pa = a.po[2 * i]!
  const pb = b.po[2 * j]!
  return pa < pb || (pa === pb && a.po[2 * i + 1]! < b.po[2 * j + 1]!)
}

/** Merges the sorted ranges a[aFrom, aTo) and b[bFrom, bTo) into d from `at`; d must not overlap them. */
function merge(a: Points, aFrom: number, aTo: number, b: Points, bFrom: number, bTo: number, d: Points, at: number): void {
  let i = aFrom
  let j = bFrom
  let w = at
  while (i < aTo && j < bTo) {
    if (before(b, j, a, i)) copy(b, j++, d, w++)
    else copy(a, i++, d, w++)
  }
  while (i < aTo) copy(a, i++, d, w++)
  while (j < bTo) copy(b, j++, d, w++)
}

function copy(s: Points, i: number, d: Points, j: number): void {
  d.po[2 * j] = s.po[2 * i]!
  d.po[2 * j + 1] = s.po[2 * i + 1]!
  d.pt[j] = s.pt[i]!
}

/**
 * Writes the sorted points `from … to−1` of a server into `d` at `at`.
 * Positions are `full_hash(id × 4096 + i)` with unsigned 32-bit arithmetic.
 */
function writeRun(id: number, owner: number, from: number, to: number, d: Points, at: number): void {
  const k = to - from
  const packed = new Float64Array(k)
  // (id << 12) is id × 4096 reduced mod 2^32 (as int32); `>>> 0` makes the sum unsigned.
  const base = id << 12
  // position × 65536 + point < 2^48 is exact in a double, so one numeric sort orders by (position, point).
  for (let i = 0; i < k; i++) packed[i] = avalanche((base + from + i) >>> 0) * POINT_RANGE + from + i
  packed.sort()
  for (let i = 0; i < k; i++) {
    const v = packed[i]!
    const pt = v % POINT_RANGE
    d.po[2 * (at + i)] = (v - pt) / POINT_RANGE
    d.po[2 * (at + i) + 1] = owner
    d.pt[at + i] = pt
  }
}

/**
 * Number of requests server `s` may hold under bounded-load hashing.
 *
 * `slots_total = ceil((B + 1) × F / 100)`, `q = floor(slots_total / TW)`,
 * `r = slots_total mod TW`, then
 * `slots = ew × q + floor((cum + ew) × r / TW) − floor(cum × r / TW)`, at least 1.
 * The shares of all servers add up to `slots_total`.
 *
 * @param eweight `ew(s)`, the server's points on the ring.
 * @param cumulative `cum(s)`, the eweights of the ring's servers declared before `s`.
 * @param totalWeight `TW`, the ring's total eweight (> 0).
 * @param backendServed `B`, requests in service over the whole backend.
 * @param factor `F`, the balance factor in percent (> 100).
 *
 * HAProxy: `hash-balance-factor` (`chash_server_is_eligible`).
 */
export function boundedLoadSlots(eweight: number, cumulative: number, totalWeight: number, backendServed: number, factor: number): number {
  const total = Math.ceil(((backendServed + 1) * factor) / 100)
  const q = Math.floor(total / totalWeight)
  return slotsOf(eweight, cumulative, totalWeight, q, total - q * totalWeight)
}

/** The slot formula given `q` and `r` of {@link boundedLoadSlots}. */
function slotsOf(ew: number, cum: number, tw: number, q: number, r: number): number {
  const slots = ew * q + Math.floor(((cum + ew) * r) / tw) - Math.floor((cum * r) / tw)
  return slots > 0 ? slots : 1
}

/**
 * A weighted consistent-hash ring over one group of servers, with HAProxy's
 * nearest-point lookup, clockwise walk for the server to avoid and for
 * bounded load, and the ring walk used when a request has no key.
 *
 * Servers are identified by their dense `index`. Bounded load takes index
 * order as declaration order (`cum(s)` sums the servers with a lower index).
 *
 * HAProxy: `hash-type consistent`, `hash-balance-factor` (lb_chash.c).
 */
export class HashRing {
  readonly #context: BalancerContext
  readonly #factor: number

  // The ring: `#n` points sorted by (position, server index).
  #ring: Points = allocPoints(0)
  #n = 0
  /**
   * Bucket index over the ring: `#bucket[b]` is the first point whose position
   * is at least `b << #shift`, so a lookup searches one bucket (about one
   * point, a few past {@link MAX_BUCKET_BITS}) instead of the whole ring.
   * Rebuilt after every change.
   */
  #bucket = new Uint32Array(2)
  #shift = 31
  /** Index of the last point handed out by {@link next}; −1 = start from the first point. */
  #cursor = -1

  // Per server, by ServerView.index.
  #servers: Array<ServerView | undefined> = []
  /** Points on the ring (the eweight the ring was built with). */
  #points = new Int32Array(0)
  /** The id the points were placed with (kept so a later id change cannot orphan points). */
  #ids = new Float64Array(0)
  /** Walk stamps: a server already rejected during the current walk has the current stamp. */
  #marks = new Float64Array(0)
  #stamp = 0
  /** Fenwick tree over #points, 1-based: prefix sums give cum(s). */
  #tree = new Float64Array(1)
  #members = 0
  #total = 0

  // Bounded-load quotients of the lookup in progress.
  #q = 0
  #r = 0

  /**
   * @param servers The initial servers of the group (any order; placed with their current `id` and `eweight`).
   * @param balanceFactor Bounded-load factor in percent, 0 = off (HAProxy `hash-balance-factor`).
   * @param context Gives the backend's served count and the servers' effective limits.
   */
  constructor(servers: readonly ServerView[], balanceFactor: number, context: BalancerContext) {
    this.#context = context
    this.#factor = balanceFactor
    let maxIndex = -1
    for (const s of servers) if (s.index > maxIndex) maxIndex = s.index
    this.#grow(maxIndex + 1)
    let total = 0
    for (const s of servers) {
      if (s.eweight <= 0 || this.#servers[s.index] !== undefined) continue
      this.#servers[s.index] = s
      total += s.eweight
    }
    // One sorted run per server, in index order, then pairwise merges (bottom-up merge sort).
    const members: ServerView[] = []
    for (const s of this.#servers) if (s !== undefined) members.push(s)
    let src = allocPoints(total)
    let dst = allocPoints(total)
    let bounds: number[] = [0]
    for (const s of members) {
      writeRun(s.id, s.index, 0, s.eweight, src, bounds[bounds.length - 1]!)
      bounds.push(bounds[bounds.length - 1]! + s.eweight)
      this.#points[s.index] = s.eweight
      this.#ids[s.index] = s.id
    }
    while (bounds.length > 2) {
      const next: number[] = [0]
      for (let r = 0; r + 1 < bounds.length; r += 2) {
        const end = r + 2 < bounds.length ? bounds[r + 2]! : bounds[r + 1]!
        merge(src, bounds[r]!, bounds[r + 1]!, src, bounds[r + 1]!, end, dst, bounds[r]!)
        next.push(end)
      }
      ;[src, dst] = [dst, src]
      bounds = next
    }
    this.#ring = src
    this.#n = total
    this.#reindex()
    this.#total = total
    this.#members = members.length
    this.#rebuildTree()
  }

  /** Number of servers on the ring. */
  get serverCount(): number {
    return this.#members
  }

  /** Number of points on the ring: the total eweight `TW`. */
  get totalWeight(): number {
    return this.#total
  }

  /** The only server on the ring, or `undefined` when there are none or several. */
  get soleServer(): ServerView | undefined {
    return this.#members === 1 ? this.#servers[this.#ring.po[1]!] : undefined
  }

  /** Points the server owns on the ring (0 when absent). */
  pointsOf(server: ServerView): number {
    return this.#servers[server.index] === undefined ? 0 : this.#points[server.index]!
  }

  /** Puts a server on the ring with `eweight` points; a server already there is updated instead. */
  add(server: ServerView): void {
    if (this.#servers[server.index] !== undefined) {
      this.update(server)
      return
    }
    if (server.eweight <= 0) return
    this.#grow(server.index + 1)
    this.#servers[server.index] = server
    this.#ids[server.index] = server.id
    this.#members++
    this.#insert(server.index, 0, server.eweight)
  }

  /** Takes a server's points off the ring; a server not on the ring is ignored. */
  remove(server: ServerView): void {
    const index = server.index
    if (this.#servers[index] === undefined) return
    this.#delete(index, 0)
    this.#servers[index] = undefined
    this.#members--
  }

  /** Adds or removes points so that the server owns `eweight` of them (none: it leaves the ring). */
  update(server: ServerView): void {
    const index = server.index
    if (this.#servers[index] === undefined) {
      this.add(server)
      return
    }
    const now = this.#points[index]!
    const want = server.eweight
    if (want <= 0) this.remove(server)
    else if (want > now) this.#insert(index, now, want)
    else if (want < now) this.#delete(index, want)
  }

  /**
   * The server for a 32-bit hash: the nearest point (the one at or after the
   * hash, or the one before it, whichever is closer modulo 2^32; ties go to
   * the one before). Then, while that server is `avoid` or (with a balance
   * factor) has no free bounded-load slot, the next point clockwise, for at
   * most one turn. If no server qualifies, the first one that is not `avoid`,
   * else the nearest one. `undefined` only when the ring is empty.
   *
   * No allocation. HAProxy: `chash_get_server_hash`.
   */
  lookup(hash: number, avoid: ServerView | undefined): ServerView | undefined {
    const n = this.#n
    if (n === 0) return undefined
    hash >>>= 0
    const po = this.#ring.po
    const b = hash >>> this.#shift
    let lo = this.#bucket[b]!
    let hi = this.#bucket[b + 1]!
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (po[2 * mid]! < hash) lo = mid + 1
      else hi = mid
    }
    let at = lo === n ? 0 : lo
    const prev = at === 0 ? n - 1 : at - 1
    if ((hash - po[2 * prev]!) >>> 0 <= (po[2 * at]! - hash) >>> 0) at = prev
    // Every point's owner is on the ring.
    const first = this.#servers[po[2 * at + 1]!]!
    if (this.#factor > 0) this.#prepareLoad()
    if (first !== avoid && (this.#factor === 0 || this.#eligible(first))) return first
    return this.#walk(at, first, avoid)
  }

  /**
   * The server of the next point after the last one this method returned,
   * skipping saturated servers, and `avoid` unless it is the only unsaturated
   * one: a weight-proportional round robin for requests without a key.
   * `undefined` when the ring is empty or every server is saturated.
   *
   * HAProxy: `chash_get_next_server`.
   */
  next(avoid: ServerView | undefined): ServerView | undefined {
    const n = this.#n
    const po = this.#ring.po
    const limitOf = this.#context.limitOf
    let i = this.#cursor
    let avoided = -1
    for (let step = 0; step < n; step++) {
      i = i + 1 >= n ? 0 : i + 1
      const s = this.#servers[po[2 * i + 1]!]!
      if (s.maxconn > 0 && isSaturated(s, limitOf(s))) continue
      if (s === avoid) {
        avoided = i
        continue
      }
      this.#cursor = i
      return s
    }
    if (avoided >= 0) {
      this.#cursor = avoided
      return avoid
    }
    this.#cursor = i
    return undefined
  }

  /** Clockwise walk after the nearest point `start` (owned by `first`) was rejected. */
  #walk(start: number, first: ServerView, avoid: ServerView | undefined): ServerView {
    const n = this.#n
    const po = this.#ring.po
    const marks = this.#marks
    const stamp = ++this.#stamp
    const bounded = this.#factor > 0
    let fallback = first === avoid ? undefined : first
    marks[first.index] = stamp
    let i = start
    for (let step = 1; step < n; step++) {
      i = i + 1 === n ? 0 : i + 1
      const o = po[2 * i + 1]!
      // A server rejected once in this walk stays rejected.
      if (marks[o] === stamp) continue
      marks[o] = stamp
      const s = this.#servers[o]!
      if (s === avoid) continue
      if (!bounded || this.#eligible(s)) return s
      fallback ??= s
    }
    return fallback ?? first
  }

  /** Computes the bounded-load quotients for the current backend load. */
  #prepareLoad(): void {
    const total = Math.ceil(((this.#context.backendServed() + 1) * this.#factor) / 100)
    this.#q = Math.floor(total / this.#total)
    this.#r = total - this.#q * this.#total
  }

  /** Bounded-load test (see {@link boundedLoadSlots}) with the quotients of {@link #prepareLoad}. */
  #eligible(s: ServerView): boolean {
    return s.served < slotsOf(this.#points[s.index]!, this.#prefix(s.index), this.#total, this.#q, this.#r)
  }

  /** Adds points `from … to−1` of server `index` (its run merged into the ring). */
  #insert(index: number, from: number, to: number): void {
    const k = to - from
    const run = allocPoints(k)
    writeRun(this.#ids[index]!, index, from, to, run, 0)
    const ring = allocPoints(this.#n + k)
    const mark = this.#saveCursor()
    merge(this.#ring, 0, this.#n, run, 0, k, ring, 0)
    this.#ring = ring
    this.#n += k
    this.#reindex()
    this.#restoreCursor(mark)
    this.#points[index] = to
    this.#total += k
    this.#add(index, k)
  }

  /** Removes the points numbered `keep` and above of server `index` (one compaction pass). */
  #delete(index: number, keep: number): void {
    const { po, pt } = this.#ring
    const n = this.#n
    let cursor = -1
    let w = 0
    for (let r = 0; r < n; r++) {
      if (po[2 * r + 1] === index && pt[r]! >= keep) continue
      // HAProxy restarts the walk from the first point when the last one handed out goes away.
      if (r === this.#cursor) cursor = w
      po[2 * w] = po[2 * r]!
      po[2 * w + 1] = po[2 * r + 1]!
      pt[w] = pt[r]!
      w++
    }
    const removed = n - w
    this.#n = w
    this.#reindex()
    this.#cursor = cursor
    this.#points[index] = keep
    this.#total -= removed
    this.#add(index, -removed)
  }

  /** The cursor point as [position, owner, point number], or undefined. */
  #saveCursor(): [number, number, number] | undefined {
    const c = this.#cursor
    if (c < 0) return undefined
    return [this.#ring.po[2 * c]!, this.#ring.po[2 * c + 1]!, this.#ring.pt[c]!]
  }

  /** Points the cursor at the saved point again after a merge moved it. */
  #restoreCursor(saved: [number, number, number] | undefined): void {
    if (saved === undefined) return
    const { po, pt } = this.#ring
    let i = 0
    let hi = this.#n
    while (i < hi) {
      const mid = (i + hi) >>> 1
      if (po[2 * mid]! < saved[0]) i = mid + 1
      else hi = mid
    }
    // The saved point survived the merge, so the scan over equal positions finds it.
    while (po[2 * i + 1] !== saved[1] || pt[i] !== saved[2]) i++
    this.#cursor = i
  }

  /** Rebuilds the bucket index: about one bucket per point, at most 2^{@link MAX_BUCKET_BITS} buckets. */
  #reindex(): void {
    const n = this.#n
    const po = this.#ring.po
    let bits = 1
    while (bits < MAX_BUCKET_BITS && 1 << bits < n) bits++
    const size = 1 << bits
    const shift = 32 - bits
    // Every entry is rewritten below, so a table of the right size is reused.
    const bucket = this.#bucket.length === size + 1 ? this.#bucket : new Uint32Array(size + 1)
    let j = 0
    for (let b = 0; b < size; b++) {
      const lower = b * 2 ** shift
      while (j < n && po[2 * j]! < lower) j++
      bucket[b] = j
    }
    bucket[size] = n
    this.#bucket = bucket
    this.#shift = shift
  }

  /** Makes room for servers with index < size. */
  #grow(size: number): void {
    const cap = this.#points.length
    if (size <= cap) return
    const next = Math.max(size, cap * 2, 8)
    const points = new Int32Array(next)
    points.set(this.#points)
    this.#points = points
    const ids = new Float64Array(next)
    ids.set(this.#ids)
    this.#ids = ids
    const marks = new Float64Array(next)
    marks.set(this.#marks)
    this.#marks = marks
    for (let i = this.#servers.length; i < next; i++) this.#servers.push(undefined)
    this.#rebuildTree()
  }

  /** Rebuilds the Fenwick tree from #points in O(S). */
  #rebuildTree(): void {
    const size = this.#points.length
    const tree = new Float64Array(size + 1)
    for (let i = 1; i <= size; i++) {
      tree[i] = tree[i]! + this.#points[i - 1]!
      const parent = i + (i & -i)
      if (parent <= size) tree[parent] = tree[parent]! + tree[i]!
    }
    this.#tree = tree
  }

  /** Fenwick update: the points of server `index` changed by `delta`. */
  #add(index: number, delta: number): void {
    const tree = this.#tree
    for (let i = index + 1; i < tree.length; i += i & -i) tree[i] = tree[i]! + delta
  }

  /** Fenwick query: total points of the servers with an index below `index`. */
  #prefix(index: number): number {
    const tree = this.#tree
    let sum = 0
    for (let i = index; i > 0; i -= i & -i) sum += tree[i]!
    return sum
  }
}
