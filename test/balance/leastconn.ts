import t from 'tap'
import { createLeastConn } from '../../lib/balance/leastconn.js'
import type { Balancer, BalancerContext, ServerView } from '../../lib/balance/types.js'
import { ServerRecord, WEIGHT_SCALE, type ServerSpec } from '../../lib/server.js'
import { makeContext, makeServers, pickNames } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

const config = { algorithm: 'leastconn' } as const

function build(weights: readonly number[], extra: Partial<ServerSpec> = {}, context: BalancerContext = makeContext()): { servers: ServerRecord[]; lb: Balancer } {
  const servers = makeServers(weights, extra)
  return { servers, lb: createLeastConn(servers, config, context) }
}

/** Pick, then take a slot on the chosen server (a request that stays in flight). */
function pickAndHold(lb: Balancer, request: { avoid?: ServerView } = {}): ServerView | undefined {
  const server = lb.pick(request) as ServerRecord | undefined
  if (server !== undefined) {
    server.served++
    lb.took?.(server)
  }
  return server
}

function release(lb: Balancer, server: ServerRecord): void {
  server.served--
  lb.dropped?.(server)
}

t.test('identity', async (t) => {
  const { lb } = build([1])
  t.equal(lb.name, 'leastconn')
  t.equal(lb.dynamic, true)
  t.equal(lb.skipsSaturated, true)
})

t.test('sequential requests rotate and ignore weights (3,1 → s1 s2 s1 s2)', async (t) => {
  const { lb } = build([3, 1])
  const seen: string[] = []
  for (let i = 0; i < 6; i++) {
    const s = pickAndHold(lb) as ServerRecord
    seen.push(s.name)
    release(lb, s)
  }
  t.same(seen, ['s1', 's2', 's1', 's2', 's1', 's2'])
})

t.test('concurrent requests reproduce the sequences observed on HAProxy 2.6 (§2.3)', async (t) => {
  const table: [weights: number[], sequence: string][] = [
    [[1, 1, 1], 's1 s2 s3 s1 s2 s3'],
    [[1, 2], 's1 s2 s2 s2 s1 s2'],
    [[1, 3], 's1 s2 s2 s2 s2 s2 s1 s2'],
  ]
  for (const [weights, sequence] of table) {
    const { lb } = build(weights)
    const expected = sequence.split(' ')
    t.same(pickNames(() => pickAndHold(lb), expected.length), expected, `weights ${weights.join(',')}`)
  }
})

t.test('keys: idle beats any load; the heavier server wins at equal counts', async (t) => {
  const { servers, lb } = build([1, 4])
  servers[0]!.served = 0
  servers[1]!.served = 2
  lb.took?.(servers[1]!)
  t.equal(lb.pick({})?.name, 's1', 'idle key 0 wins over weight')
  servers[0]!.served = 1
  lb.took?.(servers[0]!)
  servers[1]!.served = 1
  lb.dropped?.(servers[1]!)
  t.equal(lb.pick({})?.name, 's2', '(1+1)×4096/64 = 128 < 512')
  // Queued requests count as load too.
  servers[1]!.queued = 7
  lb.took?.(servers[1]!)
  t.equal(lb.pick({})?.name, 's1', '(1+7+1)×4096/64 = 576 > 512')
})

t.test('ties: a server whose load changed goes to the back of its key group', async (t) => {
  const { servers, lb } = build([1, 1, 1])
  // All idle: s1 first. s1 takes and drops a request: back to key 0, behind s2 and s3.
  const s1 = pickAndHold(lb) as ServerRecord
  release(lb, s1)
  t.same(pickNames(() => lb.pick({}), 1), ['s2'])
  const s2 = pickAndHold(lb) as ServerRecord
  release(lb, s2)
  t.same(pickNames(() => lb.pick({}), 1), ['s3'])
  t.equal(servers[2]!.served, 0)
})

t.test('maxconn without maxqueue: full servers are skipped, all full → undefined', async (t) => {
  const { servers, lb } = build([1, 1], { maxconn: 1 })
  t.same(pickNames(() => pickAndHold(lb), 3), ['s1', 's2', '-'])
  release(lb, servers[1]!)
  t.equal(lb.pick({})?.name, 's2')
})

t.test('maxqueue > 0: a full server stays a candidate until served + queued reaches maxconn + maxqueue', async (t) => {
  const { servers, lb } = build([1, 1], { maxconn: 1, maxqueue: 2 })
  const chosen: string[] = []
  for (let i = 0; i < 7; i++) {
    const s = lb.pick({}) as ServerRecord | undefined
    chosen.push(s?.name ?? '-')
    if (s === undefined) continue
    // The first request of a server takes its slot, the next ones wait in its own queue.
    if (s.served < s.maxconn) s.served++
    else s.queued++
    lb.took?.(s)
  }
  t.same(chosen, ['s1', 's2', 's1', 's2', 's1', 's2', '-'])
  t.same(servers.map((s) => [s.served, s.queued]), [[1, 2], [1, 2]])
})

t.test('the candidate test uses the effective limit from the context', async (t) => {
  const context = makeContext({ limitOf: (s) => (s.name === 's1' ? 1 : s.maxconn) })
  const { servers, lb } = build([1, 1], { maxconn: 10 }, context)
  servers[0]!.served = 1
  lb.took?.(servers[0]!)
  servers[1]!.served = 5
  lb.took?.(servers[1]!)
  t.equal(lb.pick({})?.name, 's2', 's1 is at its dynamic limit 1')
})

t.test('weight change re-sorts the server at once', async (t) => {
  const { servers, lb } = build([1, 1])
  t.same(pickNames(() => pickAndHold(lb), 2), ['s1', 's2'])
  // Both at one connection: keys 512 / 512, s1 first.
  t.equal(lb.pick({})?.name, 's1')
  servers[1]!.weight = 3
  servers[1]!.eweight = 3 * WEIGHT_SCALE
  lb.weightChanged(servers[1]!)
  // s2 at weight 3: keys 170, 256, 341, 426, then 512 ties with s1, which was queued first.
  t.same(pickNames(() => pickAndHold(lb), 5), ['s2', 's2', 's2', 's2', 's1'])
})

t.test('under concurrency the load follows the weights', async (t) => {
  const { lb } = build([1, 2, 5])
  const held = new Map<string, number>()
  for (let i = 0; i < 80; i++) {
    const s = pickAndHold(lb) as ServerRecord
    held.set(s.name, (held.get(s.name) ?? 0) + 1)
  }
  t.same(Object.fromEntries([...held].sort()), { s1: 10, s2: 20, s3: 50 })
})

t.test('add and remove', async (t) => {
  const { servers, lb } = build([1, 1, 1])
  lb.remove(servers[0]!)
  t.same(pickNames(() => pickAndHold(lb), 4), ['s2', 's3', 's2', 's3'])
  // Coming back idle, s1 has the smallest key.
  lb.add(servers[0]!)
  t.same(pickNames(() => pickAndHold(lb), 3), ['s1', 's1', 's2'])
  // A server that is out of the group ignores load changes.
  lb.remove(servers[2]!)
  release(lb, servers[2]!)
  lb.weightChanged(servers[2]!)
  t.same(pickNames(() => lb.pick({}), 2), ['s1', 's1'])
  lb.add(servers[2]!)
  t.equal(lb.pick({})?.name, 's3')
})

t.test('hooks for servers that are not in the group are harmless', async (t) => {
  const { servers, lb } = build([1, 1])
  const stranger = new ServerRecord({ name: 'x', address: 'x' }, 9, 10)
  lb.remove(stranger)
  lb.took?.(stranger)
  lb.dropped?.(stranger)
  lb.weightChanged(stranger)
  lb.add(servers[0]!) // already in the group
  t.same(pickNames(() => pickAndHold(lb), 4), ['s1', 's2', 's1', 's2'])
})

t.test('avoid: skipped when another candidate exists, used when it is the only one', async (t) => {
  const { servers, lb } = build([1, 1, 1], { maxconn: 1 })
  t.equal(lb.pick({ avoid: servers[0]! })?.name, 's2')
  servers[1]!.served = 1
  lb.took?.(servers[1]!)
  servers[2]!.served = 1
  lb.took?.(servers[2]!)
  t.equal(lb.pick({ avoid: servers[0]! })?.name, 's1', 'the only acceptable candidate')
  servers[0]!.served = 1
  lb.took?.(servers[0]!)
  t.equal(lb.pick({ avoid: servers[0]! }), undefined, 'avoided and full')
})

t.test('a pick equals the best acceptable server in (key, order) — random model check', async (t) => {
  const random = seededRandom(42)
  const n = 64
  const servers = Array.from(
    { length: n },
    (_, i) => new ServerRecord({ name: `s${i + 1}`, address: 'a', weight: 1 + Math.floor(random() * 8), maxconn: 4, maxqueue: i % 3 }, i, i + 1),
  )
  const lb = createLeastConn(servers, config, makeContext())
  // Reference model: a list in insertion order; a repositioned server moves to the end.
  const order = [...servers]
  const inGroup = new Set(servers)
  const key = (s: ServerRecord): number => (s.served + s.queued === 0 ? 0 : Math.floor(((s.served + s.queued + 1) * 4096) / s.eweight))
  const acceptable = (s: ServerRecord): boolean => s.served + s.queued < s.maxconn + s.maxqueue
  const moveToBack = (s: ServerRecord): void => {
    order.splice(order.indexOf(s), 1)
    order.push(s)
  }
  const mismatches: string[] = []
  for (let step = 0; step < 4000; step++) {
    const s = servers[Math.floor(random() * n)]!
    const r = random()
    if (r < 0.05) {
      if (inGroup.has(s)) {
        lb.remove(s)
        inGroup.delete(s)
      } else {
        lb.add(s)
        inGroup.add(s)
        moveToBack(s)
      }
    } else if (r < 0.1) {
      s.weight = 1 + Math.floor(random() * 8)
      s.eweight = s.weight * WEIGHT_SCALE
      if (inGroup.has(s)) {
        lb.weightChanged(s)
        moveToBack(s)
      }
    } else if (r < 0.55) {
      if (s.served + s.queued > 0) {
        if (s.queued > 0) s.queued--
        else s.served--
        if (inGroup.has(s)) {
          lb.dropped?.(s)
          moveToBack(s)
        }
      }
    } else {
      const avoid = r < 0.6 ? s : undefined
      const got = lb.pick(avoid === undefined ? {} : { avoid })
      const candidates = order.filter((x) => inGroup.has(x) && acceptable(x))
      // Stable sort keeps insertion order among equal keys.
      candidates.sort((a, b) => key(a) - key(b))
      const preferred = candidates.find((x) => x !== avoid) ?? candidates[0]
      if (got !== preferred) mismatches.push(`step ${step}: got ${got?.name} expected ${preferred?.name}`)
      if (got !== undefined) {
        const g = got as ServerRecord
        if (g.served < g.maxconn) g.served++
        else g.queued++
        lb.took?.(g)
        moveToBack(g)
      }
    }
  }
  t.same(mismatches.slice(0, 5), [])
})
