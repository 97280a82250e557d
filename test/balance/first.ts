import t from 'tap'
import { createFirst } from '../../lib/balance/first.js'
import type { Balancer, BalancerContext, ServerView } from '../../lib/balance/types.js'
import { ServerRecord, WEIGHT_SCALE, type ServerSpec } from '../../lib/server.js'
import { makeContext, makeServers, pickNames } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

const config = { algorithm: 'first' } as const

function build(weights: readonly number[], extra: Partial<ServerSpec> = {}, context: BalancerContext = makeContext()): { servers: ServerRecord[]; lb: Balancer } {
  const servers = makeServers(weights, extra)
  return { servers, lb: createFirst(servers, config, context) }
}

/** Pick, then take a slot on the chosen server (a request that stays in flight). */
function pickAndHold(lb: Balancer, request: { avoid?: ServerView } = {}): ServerView | undefined {
  const server = lb.pick(request) as ServerRecord | undefined
  if (server !== undefined) server.served++
  return server
}

t.test('identity', async (t) => {
  const { lb } = build([1])
  t.equal(lb.name, 'first')
  t.equal(lb.dynamic, true)
  t.equal(lb.skipsSaturated, true)
})

t.test('3 servers maxconn 2, 7 concurrent requests → s1 s1 s2 s2 s3 s3, then the backend queue', async (t) => {
  const { servers, lb } = build([1, 1, 1], { maxconn: 2 })
  t.same(pickNames(() => pickAndHold(lb), 7), ['s1', 's1', 's2', 's2', 's3', 's3', '-'])
  // The first slot that frees (s1) serves the next request.
  servers[0]!.served--
  t.equal(lb.pick({})?.name, 's1')
})

t.test('ordered by id, not by declaration: ids 3,1,2 with maxconn 1 → s2 s3 s1', async (t) => {
  const servers = makeServers([1, 1, 1], { maxconn: 1 })
  const ids = [3, 1, 2]
  servers.forEach((s, i) => (s.id = ids[i]!))
  const lb = createFirst(servers, config, makeContext())
  t.same(pickNames(() => pickAndHold(lb), 4), ['s2', 's3', 's1', '-'])
})

t.test('without maxconn the first server takes everything; weight is ignored', async (t) => {
  const { lb } = build([1, 10, 100])
  t.same(pickNames(() => pickAndHold(lb), 5), ['s1', 's1', 's1', 's1', 's1'])
})

t.test('a non-empty own queue saturates the server', async (t) => {
  const { servers, lb } = build([1, 1], { maxconn: 3 })
  servers[0]!.queued = 1
  t.equal(lb.pick({})?.name, 's2')
})

t.test('saturation uses the effective limit from the context', async (t) => {
  const context = makeContext({ limitOf: (s) => (s.name === 's1' ? 1 : s.maxconn) })
  const { lb } = build([1, 1], { maxconn: 5 }, context)
  t.same(pickNames(() => pickAndHold(lb), 3), ['s1', 's2', 's2'])
})

t.test('add and remove keep the id order', async (t) => {
  const { servers, lb } = build([1, 1, 1], { maxconn: 1 })
  lb.remove(servers[0]!)
  t.equal(lb.pick({})?.name, 's2')
  lb.add(servers[0]!)
  t.same(pickNames(() => pickAndHold(lb), 4), ['s1', 's2', 's3', '-'])
  lb.remove(servers[1]!)
  servers[1]!.served = 0
  t.equal(lb.pick({}), undefined, 's2 is free but out of the group')
  lb.add(servers[1]!)
  t.equal(lb.pick({})?.name, 's2')
})

t.test('weight changes do not reorder', async (t) => {
  const { servers, lb } = build([1, 1])
  servers[1]!.weight = 50
  servers[1]!.eweight = 50 * WEIGHT_SCALE
  lb.weightChanged(servers[1]!)
  t.equal(lb.pick({})?.name, 's1')
})

t.test('hooks for servers that are not in the group are harmless', async (t) => {
  const { servers, lb } = build([1, 1])
  lb.remove(new ServerRecord({ name: 'x', address: 'x' }, 9, 10))
  lb.add(servers[0]!) // already in the group
  lb.remove(servers[0]!)
  t.equal(lb.pick({})?.name, 's2')
})

t.test('avoid: skipped when another candidate exists, used when it is the only one', async (t) => {
  const { servers, lb } = build([1, 1, 1], { maxconn: 1 })
  t.equal(lb.pick({ avoid: servers[0]! })?.name, 's2')
  servers[1]!.served = 1
  servers[2]!.served = 1
  t.equal(lb.pick({ avoid: servers[0]! })?.name, 's1', 'the only free server')
  servers[0]!.served = 1
  t.equal(lb.pick({ avoid: servers[0]! }), undefined, 'avoided and full')
})

t.test('a pick equals the lowest free id — random model check', async (t) => {
  const random = seededRandom(7)
  const n = 100
  // Shuffled ids so that id order differs from declaration order.
  const ids = Array.from({ length: n }, (_, i) => i + 1)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[ids[i], ids[j]] = [ids[j]!, ids[i]!]
  }
  const servers = ids.map((id, i) => new ServerRecord({ name: `s${i + 1}`, address: 'a', maxconn: 1 + (i % 3) }, i, id))
  const lb = createFirst(servers, config, makeContext())
  const inGroup = new Set(servers)
  const byId = [...servers].sort((a, b) => a.id - b.id)
  const mismatches: string[] = []
  let found = 0
  for (let step = 0; step < 3000; step++) {
    const s = servers[Math.floor(random() * n)]!
    const r = random()
    if (r < 0.1) {
      if (inGroup.delete(s)) lb.remove(s)
      else {
        inGroup.add(s)
        lb.add(s)
      }
    } else if (r < 0.5) {
      if (s.served > 0) s.served--
    } else {
      const avoid = r < 0.55 ? s : undefined
      const got = lb.pick(avoid === undefined ? {} : { avoid })
      const free = byId.filter((x) => inGroup.has(x) && x.served < x.maxconn)
      const expected = free.find((x) => x !== avoid) ?? free[0]
      if (got !== expected) mismatches.push(`step ${step}: got ${got?.name} expected ${expected?.name}`)
      if (got !== undefined) {
        found++
        ;(got as ServerRecord).served++
      }
    }
  }
  t.same(mismatches.slice(0, 5), [])
  t.ok(found > 500, `${found} picks returned a server`)
})
