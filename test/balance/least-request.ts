import t from 'tap'
import { activeRequestWeight, createLeastRequest } from '../../lib/balance/least-request.js'
import type { BalanceConfig } from '../../lib/balance/types.js'
import type { ServerRecord } from '../../lib/server.js'
import { countPicks, makeContext, makeServers, pickNames } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

const CONFIG: BalanceConfig = { algorithm: 'least-request', choiceCount: 2, activeRequestBias: 1 }

function replay(values: readonly number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]!
}

t.test('activeRequestWeight: weight / (active + 1)^bias', (t) => {
  const rows: Array<[number, number, number, number]> = [
    // weight, active, bias, expected
    [16, 0, 1, 16],
    [16, 3, 1, 4],
    [32, 1, 1, 16],
    [16, 5, 0, 16],
    [16, 3, 2, 1],
    [100, 3, 0.5, 50],
  ]
  for (const [w, a, b, expected] of rows) t.equal(activeRequestWeight(w, a, b), expected, `${w} / (${a}+1)^${b}`)
  t.end()
})

t.test('equal weights: the least active of two draws, ties keep the first draw', (t) => {
  const servers = makeServers([1, 1, 1])
  const [s1, s2, s3] = servers as [ServerRecord, ServerRecord, ServerRecord]
  // Draw indices: floor(r × 3).
  const balancer = createLeastRequest(servers, CONFIG, makeContext({ random: replay([0.1, 0.5, 0.9, 0.5]) }))
  t.equal(balancer.pick({}), s1, 's1 vs s2, tie: first draw')
  s2.served = 2
  s3.served = 1
  t.equal(balancer.pick({}), s3, 's3 (1) vs s2 (2)')
  s1.queued = 5
  t.equal(balancer.pick({}), s2, 's1 (5 queued) vs s2 (2)')
  t.end()
})

t.test('equal weights with choiceCount 3 and replacement', (t) => {
  const servers = makeServers([1, 1])
  const [s1, s2] = servers as [ServerRecord, ServerRecord]
  s1.served = 1
  const balancer = createLeastRequest(servers, { ...CONFIG, choiceCount: 3 } as BalanceConfig, makeContext({ random: replay([0, 0, 0.7]) }))
  t.equal(balancer.pick({}), s2, 'the third draw wins')
  t.end()
})

t.test('equal weights spread evenly under sequential load', (t) => {
  const servers = makeServers([1, 1, 1, 1])
  const balancer = createLeastRequest(servers, CONFIG, makeContext({ random: seededRandom(11) }))
  const counts = countPicks(() => balancer.pick({}), 4000)
  for (const name of ['s1', 's2', 's3', 's4']) t.ok(Math.abs(counts[name]! - 1000) < 100, `${name}: ${counts[name]}`)
  t.end()
})

t.test('unequal weights: earliest deadline first with weight / (active + 1)', (t) => {
  // Weights 1 and 3 (eweight 16, 48), idle servers: plain weighted round robin.
  // Deadlines: s1 at 1/16 = 3/48, s2 at 1/48; each pick reschedules at d + 1/w.
  // s2 (1/48), s2 (2/48), then the tie at 3/48 goes to s1 (queued first), s2 (3/48),
  // s2 at 4/48 and 5/48; s2's next deadline sums to just under s1's 6/48 in floating point.
  const servers = makeServers([1, 3])
  const balancer = createLeastRequest(servers, CONFIG, makeContext())
  t.same(pickNames(() => balancer.pick({}), 8), ['s2', 's2', 's1', 's2', 's2', 's2', 's2', 's1'])
  t.end()
})

t.test('active requests slow a server down in the weighted schedule', (t) => {
  const servers = makeServers([1, 3])
  const [, s2] = servers as [ServerRecord, ServerRecord]
  const balancer = createLeastRequest(servers, CONFIG, makeContext())
  s2.served = 5 // weight 48 / 6 = 8 < 16
  const counts = countPicks(() => balancer.pick({}), 60)
  t.ok(counts['s1']! > counts['s2']!, `busy heavy server picked less: ${JSON.stringify(counts)}`)
  const plain = createLeastRequest(makeServers([1, 3]), { ...CONFIG, activeRequestBias: 0 } as BalanceConfig, makeContext())
  t.same(countPicks(() => plain.pick({}), 40), { s1: 10, s2: 30 }, 'bias 0 ignores active requests')
  t.end()
})

t.test('weighted mode: avoid and saturation', (t) => {
  const servers = makeServers([1, 3], { maxconn: 2 })
  const [s1, s2] = servers as [ServerRecord, ServerRecord]
  const balancer = createLeastRequest(servers, CONFIG, makeContext())
  t.equal(balancer.pick({ avoid: s2 }), s1, 'the earliest (s2) is avoided')
  s1.served = 2
  t.equal(balancer.pick({ avoid: s2 }), s2, 'avoid when nothing else is acceptable')
  s2.served = 2
  t.equal(balancer.pick({}), undefined, 'all saturated')
  t.end()
})

t.test('equal weights: avoid, saturation and the walk', (t) => {
  const servers = makeServers([1, 1, 1], { maxconn: 1 })
  const [s1, s2, s3] = servers as [ServerRecord, ServerRecord, ServerRecord]
  // Both draws hit s1.
  const balancer = createLeastRequest(servers, CONFIG, makeContext({ random: replay([0]) }))
  t.equal(balancer.pick({ avoid: s1 }), s2, 'draws avoided: walk takes the least active other')
  s2.served = 1
  t.equal(balancer.pick({ avoid: s1 }), s3)
  s3.queued = 1
  t.equal(balancer.pick({ avoid: s1 }), s1, 'avoid as a last resort')
  s1.served = 1
  t.equal(balancer.pick({}), undefined)
  s1.served = 0
  s2.served = 0
  s3.queued = 0
  s1.queued = 1
  s3.served = 0
  const walk = createLeastRequest(servers, CONFIG, makeContext({ random: replay([0]) }))
  s2.maxconn = 0
  ;(s2 as ServerRecord).served = 4
  t.equal(walk.pick({}), s3, 'walk: the least active acceptable (s3: 0 < s2: 4)')
  t.end()
})

t.test('membership and weight changes switch between the two modes', (t) => {
  const servers = makeServers([2, 2, 2])
  const [s1, s2, s3] = servers as [ServerRecord, ServerRecord, ServerRecord]
  const balancer = createLeastRequest([s1, s2], CONFIG, makeContext({ random: replay([0.9, 0.9]) }))
  t.equal(balancer.pick({}), s2, 'equal weights: sampling')
  balancer.add(s3)
  balancer.add(s3) // no-op
  s3.weight = 6
  s3.eweight = 96
  balancer.weightChanged(s3)
  // Weighted mode: s3's deadline 1/96 is the earliest.
  t.equal(balancer.pick({}), s3)
  balancer.remove(s3)
  balancer.remove(s3) // no-op
  balancer.weightChanged(s3) // not a member: ignored
  t.equal(balancer.pick({}), s2, 'equal weights again')
  balancer.remove(s1)
  t.equal(balancer.pick({}), s2, 'one member left')
  t.end()
})

t.test('defaults when the config is another algorithm', (t) => {
  const balancer = createLeastRequest(makeServers([1, 2]), { algorithm: 'roundrobin' }, makeContext())
  t.equal(balancer.name, 'least-request')
  t.ok(balancer.dynamic && balancer.skipsSaturated)
  t.same(pickNames(() => balancer.pick({}), 3), ['s2', 's1', 's2'])
  t.end()
})
