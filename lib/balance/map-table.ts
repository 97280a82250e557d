/**
 * The static weighted table shared by `static-rr` and map-based hashing
 * (HAProxy lb_map.c), built exactly as HAProxy builds it (§2.2 of the semantics
 * reference) but in O(T log n) instead of O(T × n).
 *
 * HAProxy's procedure: with T = Σ ew (ew = ceil(weight / gcd)), for each slot
 * every server adds ew to its score; the server with the greatest
 * floor((score + T) / T) wins (earliest declared on ties) and loses T.
 *
 * After slot o, a server's score is (o + 1)·ew − T·wins, so its rank is
 * level = floor((o + 1)·ew / T) − wins. Levels only change when
 * floor((o + 1)·ew / T) steps up (ew times per table, T events in all) or when
 * the server wins (−1). A max-heap on (level, −declaration index) plus per-slot
 * event buckets therefore reproduces the same table.
 */
import type { ServerView } from './types.js'

/** Static effective weight: `ceil(weight / divisor)` (HAProxy map eweight). */
export function staticWeight(server: ServerView, divisor: number): number {
  return Math.ceil(server.weight / divisor)
}

/**
 * Builds the lookup table over `servers` (declaration order). Servers with a
 * static weight of 0 get no slot. Returns an empty table when the total is 0.
 */
export function buildMapTable(servers: readonly ServerView[], divisor: number): ServerView[] {
  const n = servers.length
  const ew = new Float64Array(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    ew[i] = staticWeight(servers[i]!, divisor)
    total += ew[i]!
  }
  const table: ServerView[] = new Array<ServerView>(total)
  if (total === 0) return table

  const level = new Float64Array(n)
  const steps = new Float64Array(n) // increments of floor((o+1)·ew/T) already applied
  // Event buckets: bucketHead[o] → first server whose next level step happens at slot o.
  const bucketHead = new Int32Array(total).fill(-1)
  const bucketNext = new Int32Array(n).fill(-1)
  const schedule = (i: number): void => {
    const k = steps[i]! + 1
    if (k > ew[i]!) return
    const slot = Math.ceil((k * total) / ew[i]!) - 1
    bucketNext[i] = bucketHead[slot]!
    bucketHead[slot] = i
  }

  // Indexed max-heap of server indices by (level desc, index asc).
  const heap = new Int32Array(n)
  const pos = new Int32Array(n)
  let size = 0
  const above = (a: number, b: number): boolean => level[a]! > level[b]! || (level[a] === level[b] && a < b)
  const swap = (x: number, y: number): void => {
    const a = heap[x]!
    const b = heap[y]!
    heap[x] = b
    heap[y] = a
    pos[b] = x
    pos[a] = y
  }
  const up = (p: number): void => {
    while (p > 0) {
      const parent = (p - 1) >> 1
      if (!above(heap[p]!, heap[parent]!)) return
      swap(p, parent)
      p = parent
    }
  }
  const down = (p: number): void => {
    for (;;) {
      const l = 2 * p + 1
      const r = l + 1
      let best = p
      if (l < size && above(heap[l]!, heap[best]!)) best = l
      if (r < size && above(heap[r]!, heap[best]!)) best = r
      if (best === p) return
      swap(p, best)
      p = best
    }
  }

  for (let i = 0; i < n; i++) {
    if (ew[i] === 0) continue
    heap[size] = i
    pos[i] = size
    size++
    up(size - 1)
    schedule(i)
  }

  for (let o = 0; o < total; o++) {
    for (let i = bucketHead[o]!; i !== -1; ) {
      const next = bucketNext[i]!
      steps[i] = steps[i]! + 1
      level[i] = level[i]! + 1
      up(pos[i]!)
      schedule(i)
      i = next
    }
    const winner = heap[0]!
    table[o] = servers[winner]!
    level[winner] = level[winner]! - 1
    down(0)
  }
  return table
}
