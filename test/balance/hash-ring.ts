import t from 'tap'
import { avalanche } from '../../lib/balance/hash-fn.js'
import { boundedLoadSlots, HashRing } from '../../lib/balance/hash-ring.js'
import type { ServerView } from '../../lib/balance/types.js'
import { ServerRecord } from '../../lib/server.js'
import { makeContext, makeServers } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

interface Point {
  pos: number
  server: ServerView
  pt: number
}

/** Every ring point of the servers, sorted by (position, server index): an independent model of the ring. */
function model(servers: readonly ServerView[]): Point[] {
  const points: Point[] = []
  for (const s of servers) {
    for (let i = 0; i < s.eweight; i++) points.push({ pos: avalanche((s.id * 4096 + i) % 2 ** 32), server: s, pt: i })
  }
  return points.sort((a, b) => a.pos - b.pos || a.server.index - b.server.index)
}

/** Nearest point by linear scan: next = first point ≥ hash (wrapping), prev = the one before; ties → prev. */
function nearest(points: readonly Point[], hash: number): ServerView {
  let next = points.findIndex((p) => p.pos >= hash)
  if (next < 0) next = 0
  const prev = (next + points.length - 1) % points.length
  const dp = (hash - points[prev]!.pos + 2 ** 32) % 2 ** 32
  const dn = (points[next]!.pos - hash + 2 ** 32) % 2 ** 32
  return dp <= dn ? points[prev]!.server : points[next]!.server
}

function ringOf(servers: readonly ServerView[], factor = 0, backendServed = () => 0): HashRing {
  return new HashRing(servers, factor, makeContext({ servers, backendServed }))
}

t.test('lookup matches the nearest-point model', async (t) => {
  const servers = makeServers([1, 2, 3, 1])
  const ring = ringOf(servers)
  const points = model(servers)
  t.equal(ring.totalWeight, 16 * 7)
  t.equal(ring.serverCount, 4)
  const random = seededRandom(1)
  let mismatches = 0
  for (let k = 0; k < 5000; k++) {
    const h = Math.floor(random() * 2 ** 32)
    if (ring.lookup(h, undefined) !== nearest(points, h)) mismatches++
  }
  t.equal(mismatches, 0)
})

t.test('lookup on a large ring (several points per index bucket) matches the model', async (t) => {
  const servers = makeServers(Array.from({ length: 20 }, () => 256))
  const ring = ringOf(servers)
  const points = model(servers)
  t.equal(ring.totalWeight, 20 * 4096)
  const random = seededRandom(11)
  let mismatches = 0
  for (let k = 0; k < 500; k++) {
    const h = Math.floor(random() * 2 ** 32)
    if (ring.lookup(h, undefined) !== nearest(points, h)) mismatches++
  }
  t.equal(mismatches, 0)
})

t.test('lookup edges: exact point, wrap-around, equal distance goes to the preceding point', async (t) => {
  const servers = makeServers([1, 1])
  const ring = ringOf(servers)
  const points = model(servers)
  const first = points[0]!
  const last = points[points.length - 1]!
  t.equal(ring.lookup(first.pos, undefined), first.server, 'exactly on the first point')
  t.equal(ring.lookup(last.pos, undefined), last.server, 'exactly on the last point')
  t.equal(ring.lookup(0, undefined), nearest(points, 0), 'before the first point')
  t.equal(ring.lookup(2 ** 32 - 1, undefined), nearest(points, 2 ** 32 - 1), 'after the last point')
  t.equal(ring.lookup(-1, undefined), ring.lookup(2 ** 32 - 1, undefined), 'signed input is read as unsigned')
  // Midway between two adjacent points of different servers: the preceding one wins.
  let tested = 0
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!
    const b = points[i + 1]!
    if (a.server === b.server || (b.pos - a.pos) % 2 !== 0) continue
    const mid = a.pos + (b.pos - a.pos) / 2
    t.equal(ring.lookup(mid, undefined), a.server, `tie at ${mid}`)
    t.equal(ring.lookup(mid + 1, undefined), b.server, `just past the middle at ${mid + 1}`)
    tested++
  }
  t.ok(tested > 0, 'found at least one even gap between different servers')
  // Wrap-around tie: the hash midway between the last and first points (distance mod 2^32).
  const gap = (first.pos - last.pos + 2 ** 32) % 2 ** 32
  const wrapMid = (last.pos + Math.floor(gap / 2)) % 2 ** 32
  t.equal(ring.lookup(wrapMid, undefined), last.server, 'wrap-around, the preceding (last) point is nearer or tied')
})

t.test('points are full_hash(id × 4096 + i), computed mod 2^32', async (t) => {
  // id 1 and id 1 + 2^20 give the same positions: their points tie and the lower index comes first.
  const a = new ServerRecord({ name: 'a', address: 'a', weight: 1 }, 0, 1)
  const b = new ServerRecord({ name: 'b', address: 'b', weight: 1 }, 1, 1 + 2 ** 20)
  const ring = ringOf([b, a])
  const walk = Array.from({ length: 32 }, () => ring.next(undefined)!.name)
  t.same(walk, Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? 'a' : 'b')), 'tied points alternate a, b')
  // The cursor sits on b's point, tied with a's: an insert must find it again past a's point.
  ring.next(undefined)
  t.equal(ring.next(undefined), b)
  const c = new ServerRecord({ name: 'c', address: 'c', weight: 1 }, 2, 7)
  ring.add(c)
  const tiedPos = model([a])[0]!.pos
  const all = model([a, b, c])
  const k = all.findIndex((p) => p.pos === tiedPos && p.server === b)
  t.same(
    Array.from({ length: 3 }, () => ring.next(undefined)!.name),
    all.slice(k + 1, k + 4).map((p) => p.server.name),
    'continues after the tied point of b',
  )
  t.same(all.slice(k + 1, k + 3).map((p) => p.server.name), ['a', 'b'], 'the next position is a tie again (a, b)')
  // A single server ring: every lookup lands on it.
  const one = ringOf([a])
  t.equal(one.lookup(avalanche(4096), undefined), a)
  t.equal(one.soleServer, a)
  t.equal(ring.soleServer, undefined)
})

t.test('avoid: walk clockwise to another server; alone, it is returned anyway', async (t) => {
  const servers = makeServers([1, 1, 1])
  const ring = ringOf(servers)
  const points = model(servers)
  for (let k = 0; k < points.length; k++) {
    const p = points[k]!
    // The next point of another server, clockwise.
    let j = (k + 1) % points.length
    while (points[j]!.server === p.server) j = (j + 1) % points.length
    t.equal(ring.lookup(p.pos, p.server), points[j]!.server, `avoid at point ${k}`)
    t.equal(ring.lookup(p.pos, undefined), p.server)
  }
  const single = ringOf([servers[0]!])
  t.equal(single.lookup(123, servers[0]), servers[0], 'only server: used even though avoided')
})

t.test('bounded load slots: worked example and the at-least-one rule', async (t) => {
  // 2 servers of weight 1 (ew 16), F = 150, B = 10 → slots_total 17, q 0, r 17 → 8 and 9.
  t.equal(boundedLoadSlots(16, 0, 32, 10, 150), 8)
  t.equal(boundedLoadSlots(16, 16, 32, 10, 150), 9)
  // 3 servers, B = 0, F = 101 → slots_total 2, r 2: 0 → 1, then 1 and 1.
  t.same([0, 16, 32].map((cum) => boundedLoadSlots(16, cum, 48, 0, 101)), [1, 1, 1])
  // Large load: q > 0, the shares add up to slots_total.
  const shares = [0, 16, 48].map((cum, i) => boundedLoadSlots([16, 32, 48][i]!, cum, 96, 199, 125))
  t.equal(shares.reduce((a, b) => a + b), 250)
  t.same(shares, [41, 84, 125])
})

t.test('bounded load on the ring: a server at its share is skipped clockwise', async (t) => {
  const servers = makeServers([1, 1])
  let served = 10
  const ring = ringOf(servers, 150, () => served)
  const points = model(servers)
  const on1 = points.find((p) => p.server === servers[0])!.pos
  const on2 = points.find((p) => p.server === servers[1])!.pos
  servers[0]!.served = 7
  t.equal(ring.lookup(on1, undefined), servers[0], 's1 7 < 8 slots')
  servers[0]!.served = 8
  t.equal(ring.lookup(on1, undefined), servers[1], 's1 at 8 slots → s2')
  servers[1]!.served = 8
  t.equal(ring.lookup(on2, undefined), servers[1], 's2 8 < 9 slots')
  servers[1]!.served = 9
  servers[0]!.served = 7
  t.equal(ring.lookup(on2, undefined), servers[0], 's2 at 9 slots → s1')
  servers[0]!.served = 8
  t.equal(ring.lookup(on2, undefined), servers[1], 'both at their share → the nearest, s2')
  // Both full: the first server met that is not avoided, i.e. the nearest.
  t.equal(ring.lookup(on1, undefined), servers[0], 'nobody eligible → nearest')
  t.equal(ring.lookup(on1, servers[0]), servers[1], 'nobody eligible, nearest avoided → next other server')
  t.equal(ring.lookup(on1, servers[1]), servers[0], 'nobody eligible, other avoided → nearest')
  served = 20 // slots_total 32 → 16 each
  t.equal(ring.lookup(on1, undefined), servers[0], 'more load, more slots')
  // Eligible but avoided: the other one even though it is over its share.
  served = 10
  servers[0]!.served = 0
  servers[1]!.served = 100
  t.equal(ring.lookup(on1, servers[0]), servers[1], 'avoid beats bounded load')
})

t.test('bounded load uses cum(s) over declaration order through adds, removes and weight changes', async (t) => {
  const servers = makeServers([1, 2, 3, 4, 1])
  const B = 40
  const F = 150
  const ring = new HashRing([servers[0]!, servers[2]!], F, makeContext({ servers, backendServed: () => B }))
  const members = new Set<ServerView>([servers[0]!, servers[2]!])
  const check = (label: string) => {
    const list = [...members].sort((a, b) => a.index - b.index)
    const tw = list.reduce((n, s) => n + s.eweight, 0)
    t.equal(ring.totalWeight, tw, `${label}: total weight`)
    let cum = 0
    for (const s of list) {
      const slots = boundedLoadSlots(s.eweight, cum, tw, B, F)
      cum += s.eweight
      const at = model(list).find((p) => p.server === s)!.pos
      for (const o of list) (o as ServerRecord).served = 0
      ;(s as ServerRecord).served = slots - 1
      t.equal(ring.lookup(at, undefined), s, `${label}: ${s.name} below ${slots} slots`)
      ;(s as ServerRecord).served = slots
      t.not(ring.lookup(at, undefined), s, `${label}: ${s.name} at ${slots} slots`)
      ;(s as ServerRecord).served = 0
    }
  }
  check('initial')
  ring.add(servers[1]!)
  members.add(servers[1]!)
  check('add s2 between')
  ring.add(servers[3]!)
  members.add(servers[3]!)
  check('add s4')
  servers[2]!.weight = 1
  servers[2]!.eweight = 16
  ring.update(servers[2]!)
  check('s3 weight 3 → 1')
  ring.remove(servers[0]!)
  members.delete(servers[0]!)
  check('remove s1')
})

t.test('add, remove and weight change touch only that server', async (t) => {
  const servers = makeServers([1, 1, 1, 1])
  const ring = ringOf(servers.slice(0, 3))
  const random = seededRandom(7)
  const keys = Array.from({ length: 1000 }, () => Math.floor(random() * 2 ** 32))
  const before = keys.map((k) => ring.lookup(k, undefined))

  ring.add(servers[3]!)
  t.equal(ring.pointsOf(servers[3]!), 16)
  const added = keys.map((k) => ring.lookup(k, undefined))
  const moved = keys.filter((_, i) => added[i] !== before[i])
  t.ok(moved.length > 100, `some keys move to the new server (${moved.length})`)
  t.ok(keys.every((_, i) => added[i] === before[i] || added[i] === servers[3]), 'keys only move to the new server')
  t.same(added, keys.map((k) => nearest(model(servers), k)))

  ring.remove(servers[3]!)
  t.same(keys.map((k) => ring.lookup(k, undefined)), before, 'removing it restores the old mapping')
  t.equal(ring.pointsOf(servers[3]!), 0)

  servers[0]!.weight = 3
  servers[0]!.eweight = 48
  ring.update(servers[0]!)
  t.equal(ring.pointsOf(servers[0]!), 48)
  t.equal(ring.totalWeight, 80)
  const heavier = keys.map((k) => ring.lookup(k, undefined))
  t.ok(keys.every((_, i) => heavier[i] === before[i] || heavier[i] === servers[0]), 'weight up: keys only move to s1')
  t.same(heavier, keys.map((k) => nearest(model(servers.slice(0, 3)), k)))

  servers[0]!.weight = 1
  servers[0]!.eweight = 16
  ring.update(servers[0]!)
  t.equal(ring.pointsOf(servers[0]!), 16)
  t.same(keys.map((k) => ring.lookup(k, undefined)), before, 'weight back down: points 16..47 removed, mapping restored')

  servers[0]!.eweight = 16
  ring.update(servers[0]!)
  t.equal(ring.totalWeight, 48, 'unchanged weight: no-op')
})

t.test('membership edge cases', async (t) => {
  const servers = makeServers([1, 1, 0])
  const ring = ringOf([servers[0]!, servers[0]!, servers[2]!])
  t.equal(ring.serverCount, 1, 'duplicates and eweight 0 are skipped')
  t.equal(ring.pointsOf(servers[2]!), 0)
  ring.add(servers[2]!)
  t.equal(ring.serverCount, 1, 'eweight 0 is not added')
  ring.remove(servers[1]!)
  t.equal(ring.serverCount, 1, 'removing an absent server is a no-op')
  ring.update(servers[1]!)
  t.equal(ring.serverCount, 2, 'update of an absent server adds it')
  servers[1]!.weight = 2
  servers[1]!.eweight = 32
  ring.add(servers[1]!)
  t.equal(ring.pointsOf(servers[1]!), 32, 'add of a present server updates it')
  servers[1]!.eweight = 0
  ring.update(servers[1]!)
  t.equal(ring.serverCount, 1, 'update to eweight 0 removes it')
  ring.remove(servers[0]!)
  t.equal(ring.serverCount, 0)
  t.equal(ring.totalWeight, 0)
  t.equal(ring.lookup(5, undefined), undefined, 'empty ring: lookup')
  t.equal(ring.next(undefined), undefined, 'empty ring: next')
  t.equal(ring.soleServer, undefined)

  // Indexes beyond the initial capacity.
  const far = new ServerRecord({ name: 'far', address: 'x', weight: 1 }, 40, 41)
  ring.add(far)
  t.equal(ring.soleServer, far)
  const empty = ringOf([])
  empty.add(far)
  t.equal(empty.lookup(0, undefined), far)
})

t.test('next: weight-proportional walk of the ring in point order', async (t) => {
  const servers = makeServers([1, 2])
  const ring = ringOf(servers)
  const order = model(servers).map((p) => p.server.name)
  t.same(Array.from({ length: 48 }, () => ring.next(undefined)!.name), order, 'one full turn, in ring order')
  t.same(Array.from({ length: 5 }, () => ring.next(undefined)!.name), order.slice(0, 5), 'then it starts over')
})

t.test('next: skips saturated servers and the avoided one', async (t) => {
  const servers = makeServers([1, 1], { maxconn: 1 })
  const ring = ringOf(servers)
  servers[0]!.served = 1
  t.same(new Set(Array.from({ length: 40 }, () => ring.next(undefined)!.name)), new Set(['s2']), 'saturated s1 skipped')
  servers[1]!.queued = 1
  t.equal(ring.next(undefined), undefined, 'all saturated → undefined')
  servers[0]!.served = 0
  servers[1]!.queued = 0
  t.same(new Set(Array.from({ length: 40 }, () => ring.next(servers[0])!.name)), new Set(['s2']), 's1 avoided')
  servers[1]!.served = 1
  t.equal(ring.next(servers[0]), servers[0], 'the avoided server when it is the only one left')
  t.equal(ring.next(servers[0]), servers[0], 'and again')
  // Dynamic limit: limitOf decides saturation.
  servers[1]!.served = 0
  servers[0]!.served = 0
  const limited = new HashRing(servers, 0, makeContext({ servers, limitOf: (s) => (s.name === 's1' ? 0 : 1) }))
  t.same(new Set(Array.from({ length: 40 }, () => limited.next(undefined)!.name)), new Set(['s2']), 'effective limit 0 saturates s1')
})

t.test('next: the cursor survives inserts and restarts when its point goes away', async (t) => {
  const servers = makeServers([1, 1, 1])
  const ring = ringOf([servers[0]!, servers[1]!])
  const first = Array.from({ length: 5 }, () => ring.next(undefined)!)
  const last = first[4]!
  // Add s3: the walk continues after the same point, over the new ring.
  ring.add(servers[2]!)
  const full = model(servers)
  const lastPos = model([servers[0]!, servers[1]!])[4]!.pos
  const k = full.findIndex((p) => p.pos === lastPos && p.server === last)
  t.same(Array.from({ length: 3 }, () => ring.next(undefined)!.name), full.slice(k + 1, k + 4).map((p) => p.server.name))
  // Remove a server that does not own the cursor point: the walk continues.
  const cursorOwner = full[k + 3]!.server
  const other = servers.find((s) => s !== cursorOwner)!
  ring.remove(other)
  const rest = model(servers.filter((s) => s !== other))
  const k2 = rest.findIndex((p) => p.pos === full[k + 3]!.pos)
  t.equal(ring.next(undefined), rest[(k2 + 1) % rest.length]!.server, 'continues after the same point')
  // Remove the owner of the cursor point: restart from the first point.
  const owner = rest[(k2 + 1) % rest.length]!.server
  ring.remove(owner)
  const after = model(servers.filter((s) => s !== other && s !== owner))
  t.equal(ring.next(undefined), after[0]!.server, 'restarts at the first point')
  // An insert before any walk: the walk starts at the first point.
  const fresh = ringOf([servers[0]!])
  fresh.add(servers[1]!)
  t.equal(fresh.next(undefined), model([servers[0]!, servers[1]!])[0]!.server, 'no cursor: starts at the first point')
})

t.test('next: a weight decrease that removes the cursor point restarts the walk', async (t) => {
  for (const removedPoint of [true, false]) {
    const servers = makeServers([2, 1])
    const ring = ringOf(servers)
    const all = model(servers)
    // Walk up to a point of s1 numbered 16+ (removed by weight 2 → 1) or below 16 (kept).
    const k = all.findIndex((p) => p.server === servers[0] && p.pt >= 16 === removedPoint)
    for (let i = 0; i <= k; i++) ring.next(undefined)
    servers[0]!.weight = 1
    servers[0]!.eweight = 16
    ring.update(servers[0]!)
    const kept = all.filter((p) => p.server !== servers[0] || p.pt < 16)
    const from = removedPoint ? 0 : kept.findIndex((p) => p.pos === all[k]!.pos) + 1
    const expected = kept.slice(from, from + 6).map((p) => p.server.name)
    t.same(Array.from({ length: 6 }, () => ring.next(undefined)!.name), expected, removedPoint ? 'restart at the first point' : 'continue after the kept point')
    if (!removedPoint) t.not(expected.join(), kept.slice(0, 6).map((p) => p.server.name).join(), 'distinguishable from a restart')
  }
})

t.test('lookup on a ring past the bucket cap (about 3 points per bucket) matches the model', async (t) => {
  // 200 × 4096 = 819,200 points: more than the 2^18 buckets of the index.
  const servers = makeServers(Array.from({ length: 200 }, () => 256))
  const ring = ringOf(servers)
  t.equal(ring.totalWeight, 200 * 4096)
  // Compact model: (position, server index) packed in one sortable double.
  const packed = new Float64Array(200 * 4096)
  let k = 0
  for (const s of servers) for (let i = 0; i < 4096; i++) packed[k++] = avalanche((s.id * 4096 + i) % 2 ** 32) * 256 + s.index
  packed.sort()
  const posAt = (i: number): number => Math.floor(packed[i]! / 256)
  const nearestPacked = (hash: number): ServerView => {
    let lo = 0
    let hi = packed.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (posAt(mid) < hash) lo = mid + 1
      else hi = mid
    }
    const next = lo === packed.length ? 0 : lo
    const prev = (next + packed.length - 1) % packed.length
    const dp = (hash - posAt(prev) + 2 ** 32) % 2 ** 32
    const dn = (posAt(next) - hash + 2 ** 32) % 2 ** 32
    return servers[packed[dp <= dn ? prev : next]! % 256]!
  }
  const random = seededRandom(12)
  let mismatches = 0
  for (let j = 0; j < 5000; j++) {
    const h = Math.floor(random() * 2 ** 32)
    if (ring.lookup(h, undefined) !== nearestPacked(h)) mismatches++
  }
  // Exact points and their neighbours, where the nearest-point rule is decided.
  for (let j = 0; j < 2000; j++) {
    const p = posAt(Math.floor(random() * packed.length))
    for (const h of [p, (p + 1) % 2 ** 32, (p + 2 ** 32 - 1) % 2 ** 32]) if (ring.lookup(h, undefined) !== nearestPacked(h)) mismatches++
  }
  t.equal(mismatches, 0)
})
