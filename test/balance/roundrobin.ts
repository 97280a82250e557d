import t from 'tap'
import { createRoundRobin } from '../../lib/balance/roundrobin.js'
import type { Balancer, BalancerContext } from '../../lib/balance/types.js'
import { ServerRecord, WEIGHT_SCALE, type ServerSpec } from '../../lib/server.js'
import { countPicks, makeContext, makeServers, pickNames } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

const config = { algorithm: 'roundrobin' } as const

function build(weights: readonly number[], extra: Partial<ServerSpec> = {}, context: BalancerContext = makeContext()): { servers: ServerRecord[]; lb: Balancer } {
  const servers = makeServers(weights, extra)
  return { servers, lb: createRoundRobin(servers, config, context) }
}

function setWeight(lb: Balancer, server: ServerRecord, weight: number): void {
  server.weight = weight
  server.eweight = weight * WEIGHT_SCALE
  lb.weightChanged(server)
}

t.test('identity', async (t) => {
  const { lb } = build([1])
  t.equal(lb.name, 'roundrobin')
  t.equal(lb.dynamic, true)
  t.equal(lb.skipsSaturated, true)
})

t.test('reproduces the sequences observed on HAProxy 2.6 (§2.1)', async (t) => {
  const table: [weights: number[], sequence: string][] = [
    [[1, 1, 1], 's1 s2 s3 s1 s2 s3 s1 s2 s3'],
    [[1, 2, 3, 4], 's4 s3 s4 s2 s3 s4 s1 s4 s3 s2 s4 s3 s4 s2 s3 s4 s1 s4 s3 s2'],
    [[5, 1], 's1 s1 s1 s1 s1 s2 s1 s1 s1 s1 s1 s2'],
    [[3, 2], 's1 s1 s2 s1 s2 s1 s1 s2 s1 s2'],
    [[7, 3, 1], 's1 s1 s2 s1 s1 s2 s1 s1 s3 s1 s2 s1 s1 s2 s1 s1 s2 s1 s1 s3'],
    [[2, 2, 1], 's1 s2 s1 s2 s3 s1 s2 s1 s2 s3'],
    [[1, 1, 1, 1, 5], 's5 s5 s1 s5 s2 s5 s3 s5 s4 s5 s5 s1 s5 s2 s5 s3 s5 s4'],
    [[2, 2, 3, 4], 's4 s3 s4 s1 s3 s4 s2 s4 s3 s1 s4'],
  ]
  for (const [weights, sequence] of table) {
    const { lb } = build(weights)
    const expected = sequence.split(' ')
    t.same(pickNames(() => lb.pick({}), expected.length), expected, `weights ${weights.join(',')}`)
  }
})

t.test('weights 1,0,2: the weight-0 server is not in the group', async (t) => {
  // The farm never adds a zero-weight server: the group is s1 (1) and s3 (2).
  const servers = [
    new ServerRecord({ name: 's1', address: 'a:1', weight: 1 }, 0, 1),
    new ServerRecord({ name: 's3', address: 'a:3', weight: 2 }, 2, 3),
  ]
  const lb = createRoundRobin(servers, config, makeContext())
  t.same(pickNames(() => lb.pick({}), 6), ['s3', 's3', 's1', 's3', 's3', 's1'])
})

t.test('counts observed on HAProxy 2.6', async (t) => {
  let lb = build([1, 2, 3, 4]).lb
  t.same(countPicks(() => lb.pick({}), 100), { s1: 10, s2: 20, s3: 30, s4: 40 })
  lb = build([2, 2, 3, 4]).lb
  t.same(countPicks(() => lb.pick({}), 11), { s1: 2, s2: 1, s3: 3, s4: 5 })
  lb = build([2, 2, 3, 4]).lb
  // Not 20/20/30/40: a window of Σweights picks is not always exactly proportional.
  t.same(countPicks(() => lb.pick({}), 110), { s1: 20, s2: 19, s3: 30, s4: 41 })
})

t.test('weight change before the first pick re-sorts the unscheduled server', async (t) => {
  const { servers, lb } = build([1, 1, 1])
  setWeight(lb, servers[2]!, 2)
  t.same(pickNames(() => lb.pick({}), 10), ['s3', 's1', 's3', 's2', 's3', 's1', 's3', 's2', 's3', 's1'])
})

t.test('weight change at run time applies without a rebuild, wherever the server is in its round', async (t) => {
  // Raising s1 from 1 to 4 after any number of picks: 600 picks settle on 4:1:1.
  for (let offset = 0; offset < 120; offset++) {
    const { servers, lb } = build([1, 1, 1])
    pickNames(() => lb.pick({}), offset)
    setWeight(lb, servers[0]!, 4)
    const counts = countPicks(() => lb.pick({}), 600)
    t.ok(Math.abs(counts['s1']! - 400) <= 2 && Math.abs(counts['s2']! - 100) <= 2 && Math.abs(counts['s3']! - 100) <= 2, `raise after ${offset}: ${JSON.stringify(counts)}`)
  }
  // Lowering s1 from 4 to 1: 600 picks settle on 1:4:1.
  for (let offset = 0; offset < 120; offset++) {
    const { servers, lb } = build([4, 4, 1])
    pickNames(() => lb.pick({}), offset)
    setWeight(lb, servers[0]!, 1)
    const counts = countPicks(() => lb.pick({}), 600)
    t.ok(Math.abs(counts['s1']! - 100) <= 2 && Math.abs(counts['s2']! - 400) <= 2 && Math.abs(counts['s3']! - 100) <= 2, `lower after ${offset}: ${JSON.stringify(counts)}`)
  }
})

t.test('weight change takes effect immediately', async (t) => {
  const { servers, lb } = build([1, 1])
  t.same(pickNames(() => lb.pick({}), 4), ['s1', 's2', 's1', 's2'])
  setWeight(lb, servers[1]!, 3)
  const next = countPicks(() => lb.pick({}), 8)
  t.same(next, { s1: 2, s2: 6 })
})

t.test('a removed server is never picked; the others keep rotating', async (t) => {
  const { servers, lb } = build([1, 1, 1])
  t.same(pickNames(() => lb.pick({}), 2), ['s1', 's2'])
  lb.remove(servers[1]!)
  t.same(pickNames(() => lb.pick({}), 6), ['s3', 's1', 's3', 's1', 's3', 's1'])
  t.same(countPicks(() => lb.pick({}), 200), { s1: 100, s3: 100 })
})

t.test('a server added back joins the rotation within the round', async (t) => {
  const { servers, lb } = build([1, 1, 1])
  pickNames(() => lb.pick({}), 2)
  lb.remove(servers[1]!)
  t.same(pickNames(() => lb.pick({}), 3), ['s3', 's1', 's3'])
  lb.add(servers[1]!)
  t.same(pickNames(() => lb.pick({}), 6), ['s1', 's3', 's2', 's1', 's3', 's2'])
  t.same(countPicks(() => lb.pick({}), 300), { s1: 100, s2: 100, s3: 100 })
})

t.test('a new server added mid-stream gets its share', async (t) => {
  const servers = makeServers([1, 1, 2])
  const lb = createRoundRobin(servers.slice(0, 2), config, makeContext())
  t.same(pickNames(() => lb.pick({}), 5), ['s1', 's2', 's1', 's2', 's1'])
  lb.add(servers[2]!)
  pickNames(() => lb.pick({}), 64)
  t.same(countPicks(() => lb.pick({}), 400), { s1: 100, s2: 100, s3: 200 })
})

t.test('a server coming up late in a round waits for the next round (unsigned span as in HAProxy)', async (t) => {
  const { servers, lb } = build([10, 10, 10])
  pickNames(() => lb.pick({}), 400)
  lb.remove(servers[1]!)
  lb.remove(servers[2]!)
  lb.add(servers[1]!)
  // s1 finishes the round first; s2 only appears after the round switch.
  t.same(pickNames(() => lb.pick({}), 4), ['s1', 's2', 's1', 's2'])
  t.same(countPicks(() => lb.pick({}), 480), { s1: 240, s2: 240 })
})

t.test('the group may become empty and refill', async (t) => {
  const { servers, lb } = build([1, 2])
  pickNames(() => lb.pick({}), 2)
  lb.remove(servers[0]!)
  lb.remove(servers[1]!)
  lb.add(servers[1]!)
  t.same(pickNames(() => lb.pick({}), 3), ['s2', 's2', 's2'])
  lb.add(servers[0]!)
  t.same(pickNames(() => lb.pick({}), 6), ['s2', 's2', 's1', 's2', 's2', 's1'])
  const counts = countPicks(() => lb.pick({}), 3000)
  t.ok(Math.abs(counts['s1']! - 1000) <= 1 && counts['s1']! + counts['s2']! === 3000, `1:2 over 3000 picks: ${JSON.stringify(counts)}`)
})

t.test('an empty round collects the current weights first', async (t) => {
  const servers = makeServers([1, 3])
  const lb = createRoundRobin([], config, makeContext())
  lb.add(servers[0]!)
  lb.add(servers[1]!)
  t.same(countPicks(() => lb.pick({}), 40), { s1: 10, s2: 30 })
})

t.test('hooks for servers that are not in the group are harmless', async (t) => {
  const { servers, lb } = build([1, 1])
  const stranger = new ServerRecord({ name: 'x', address: 'x', weight: 5 }, 7, 8)
  lb.remove(stranger)
  lb.weightChanged(stranger)
  lb.add(servers[0]!) // already in the group
  lb.remove(servers[1]!)
  lb.remove(servers[1]!)
  lb.weightChanged(servers[1]!)
  t.same(countPicks(() => lb.pick({}), 10), { s1: 10 })
})

t.test('saturated servers are skipped and put back in their place', async (t) => {
  const { servers, lb } = build([1, 1, 1], { maxconn: 1 })
  t.same(pickNames(() => lb.pick({}), 1), ['s1'])
  servers[1]!.served = 1
  t.same(pickNames(() => lb.pick({}), 4), ['s3', 's1', 's3', 's1'])
  servers[1]!.served = 0
  t.same(pickNames(() => lb.pick({}), 6), ['s2', 's3', 's1', 's2', 's3', 's1'])
  t.same(countPicks(() => lb.pick({}), 300), { s1: 100, s2: 100, s3: 100 })
})

t.test('a server with a non-empty own queue is saturated', async (t) => {
  const { servers, lb } = build([1, 1], { maxconn: 5 })
  servers[0]!.queued = 1
  t.same(pickNames(() => lb.pick({}), 3), ['s2', 's2', 's2'])
})

t.test('saturation uses the effective limit from the context', async (t) => {
  const context = makeContext({ limitOf: (s) => (s.name === 's1' ? 2 : s.maxconn) })
  const { servers, lb } = build([1, 1], { maxconn: 10 }, context)
  servers[0]!.served = 2
  t.same(pickNames(() => lb.pick({}), 2), ['s2', 's2'])
  servers[0]!.served = 1
  t.same(countPicks(() => lb.pick({}), 4), { s1: 2, s2: 2 })
})

t.test('all saturated → undefined, and the schedule survives', async (t) => {
  const { servers, lb } = build([1, 2], { maxconn: 1 })
  t.same(pickNames(() => lb.pick({}), 3), ['s2', 's2', 's1'])
  for (const s of servers) s.served = 1
  t.equal(lb.pick({}), undefined)
  t.equal(lb.pick({}), undefined)
  for (const s of servers) s.served = 0
  t.same(countPicks(() => lb.pick({}), 300), { s1: 100, s2: 200 })
})

t.test('saturation across a round switch requeues the skipped servers by weight', async (t) => {
  const { servers, lb } = build([1, 1], { maxconn: 1 })
  // Run to the end of the round so that the next pick switches rounds.
  pickNames(() => lb.pick({}), 31)
  servers[0]!.served = 1
  servers[1]!.served = 1
  t.equal(lb.pick({}), undefined)
  servers[0]!.served = 0
  t.same(pickNames(() => lb.pick({}), 2), ['s1', 's1'])
  servers[1]!.served = 0
  t.same(countPicks(() => lb.pick({}), 64), { s1: 32, s2: 32 })
})

t.test('avoid: the server to avoid is skipped when another candidate exists', async (t) => {
  const { servers, lb } = build([1, 1, 1])
  t.equal(lb.pick({ avoid: servers[0]! })?.name, 's2')
  // s1 was put back as if it had been consumed: the rotation goes on after it.
  t.same(pickNames(() => lb.pick({}), 6), ['s3', 's1', 's2', 's3', 's1', 's2'])
})

t.test('avoid: used when it is the only candidate', async (t) => {
  const { servers, lb } = build([1])
  t.equal(lb.pick({ avoid: servers[0]! })?.name, 's1')
  t.equal(lb.pick({ avoid: servers[0]! })?.name, 's1')
})

t.test('avoid: used when every other candidate is saturated', async (t) => {
  const { servers, lb } = build([1, 1, 1], { maxconn: 1 })
  servers[1]!.served = 1
  servers[2]!.served = 1
  t.equal(lb.pick({ avoid: servers[0]! })?.name, 's1')
  servers[0]!.served = 1
  t.equal(lb.pick({ avoid: servers[0]! }), undefined)
  for (const s of servers) s.served = 0
  t.same(countPicks(() => lb.pick({}), 30), { s1: 10, s2: 10, s3: 10 })
})

t.test('10,000 servers: picks are proportional to the weights', async (t) => {
  const weights = Array.from({ length: 10_000 }, (_, i) => (i % 4) + 1)
  const { lb } = build(weights)
  const counts = countPicks(() => lb.pick({}), 25_000)
  let wrong = 0
  for (let i = 0; i < weights.length; i++) if (counts[`s${i + 1}`] !== weights[i]) wrong++
  t.equal(wrong, 0, 'every server picked exactly `weight` times in Σweights picks')
})

t.test('long-run proportions over random weights', async (t) => {
  // Tolerance: each server within max(2, 0.5%) of weight × rounds.
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const random = seededRandom(seed)
    const weights = Array.from({ length: 30 }, () => 1 + Math.floor(random() * 256))
    const total = weights.reduce((a, b) => a + b, 0)
    const { lb } = build(weights)
    const counts = countPicks(() => lb.pick({}), total * 5)
    const outside: string[] = []
    for (let i = 0; i < weights.length; i++) {
      const expected = weights[i]! * 5
      const got = counts[`s${i + 1}`] ?? 0
      if (Math.abs(got - expected) > Math.max(2, expected * 0.005)) outside.push(`s${i + 1}: ${got} vs ${expected}`)
    }
    t.same(outside, [], `seed ${seed}: ${total * 5} picks within tolerance`)
  }
})

t.test('random churn: never a saturated, removed or avoidable-avoided server; undefined only when all are saturated', async (t) => {
  const random = seededRandom(11)
  const servers = Array.from({ length: 40 }, (_, i) => new ServerRecord({ name: `s${i + 1}`, address: 'a', weight: 1 + Math.floor(random() * 20), maxconn: 2 }, i, i + 1))
  const lb = createRoundRobin(servers, config, makeContext())
  const inGroup = new Set(servers)
  const free = (s: ServerRecord): boolean => s.served < s.maxconn
  const problems: string[] = []
  let picked = 0
  let none = 0
  for (let step = 0; step < 20_000; step++) {
    const s = servers[Math.floor(random() * servers.length)]!
    const r = random()
    if (r < 0.02) {
      if (inGroup.delete(s)) lb.remove(s)
      else {
        inGroup.add(s)
        lb.add(s)
      }
    } else if (r < 0.04) {
      setWeight(lb, s, 1 + Math.floor(random() * 256))
    } else if (r < 0.5) {
      if (s.served > 0) s.served--
    } else {
      const avoid = r < 0.55 ? s : undefined
      const got = lb.pick(avoid === undefined ? {} : { avoid }) as ServerRecord | undefined
      const candidates = [...inGroup].filter(free)
      if (got === undefined) {
        none++
        if (candidates.length > 0) problems.push(`step ${step}: undefined with ${candidates.length} free`)
        continue
      }
      picked++
      if (!inGroup.has(got)) problems.push(`step ${step}: ${got.name} is not in the group`)
      if (!free(got)) problems.push(`step ${step}: ${got.name} is saturated`)
      if (got === avoid && candidates.some((c) => c !== avoid)) problems.push(`step ${step}: ${got.name} should have been avoided`)
      got.served++
    }
  }
  t.same(problems.slice(0, 5), [])
  t.ok(picked > 1000 && none > 10, `${picked} picks, ${none} with every server saturated`)
})
