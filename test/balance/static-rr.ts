import t from 'tap'
import { createStaticRoundRobin } from '../../lib/balance/static-rr.js'
import type { ServerRecord } from '../../lib/server.js'
import { countPicks, makeContext, makeServers, pickNames } from '../fixtures/servers.js'

const config = { algorithm: 'static-rr' } as const

function setup(weights: number[], extra = {}) {
  const servers = makeServers(weights, extra)
  const context = makeContext({ servers })
  const balancer = createStaticRoundRobin(servers, config, context)
  return { servers, balancer }
}

t.test('follows the table and its exact per-period counts', (t) => {
  const { balancer } = setup([1, 2, 3, 4])
  t.equal(balancer.name, 'static-rr')
  t.equal(balancer.dynamic, false)
  t.equal(balancer.skipsSaturated, true)
  t.equal(pickNames(() => balancer.pick({}), 10).join(' '), 's1 s2 s4 s3 s4 s2 s3 s4 s3 s4')
  t.end()
})

t.test('2,2,3,4 over 110 picks gives exactly 20/20/30/40 (§2.2)', (t) => {
  const { balancer } = setup([2, 2, 3, 4])
  t.same(countPicks(() => balancer.pick({}), 110), { s1: 20, s2: 20, s3: 30, s4: 40 })
  t.end()
})

t.test('a server leaving rebuilds the table; the cursor survives when it still fits', (t) => {
  const { servers, balancer } = setup([1, 1, 1])
  t.same(pickNames(() => balancer.pick({}), 2), ['s1', 's2'])
  balancer.remove(servers[1]!)
  // cursor is 2, still inside the new 2-slot table? no: 2 >= 2 → reset to 0
  t.same(pickNames(() => balancer.pick({}), 3), ['s1', 's3', 's1'])
  balancer.add(servers[1]!)
  // cursor at 1 in the rebuilt s1 s2 s3 table
  t.same(pickNames(() => balancer.pick({}), 3), ['s2', 's3', 's1'])
  balancer.remove(servers[0]!)
  balancer.remove(servers[0]!) // removing twice is harmless
  t.same(pickNames(() => balancer.pick({}), 2), ['s3', 's2'])
  t.end()
})

t.test('weight changes rebuild the table', (t) => {
  const { servers, balancer } = setup([1, 1])
  t.same(pickNames(() => balancer.pick({}), 2), ['s1', 's2'])
  servers[0]!.weight = 3
  balancer.weightChanged(servers[0]!)
  t.same(countPicks(() => balancer.pick({}), 40), { s1: 30, s2: 10 })
  t.end()
})

t.test('saturated servers are skipped; all saturated gives undefined', (t) => {
  const { servers, balancer } = setup([1, 1, 1], { maxconn: 1 })
  const s2 = servers[1] as ServerRecord
  s2.served = 1
  t.same(pickNames(() => balancer.pick({}), 4), ['s1', 's3', 's1', 's3'])
  for (const s of servers) s.served = 1
  t.equal(balancer.pick({}), undefined)
  s2.served = 0
  s2.queued = 1 // a non-empty own queue also saturates
  t.equal(balancer.pick({}), undefined)
  t.end()
})

t.test('avoid is skipped unless it is the only candidate', (t) => {
  const { servers, balancer } = setup([1, 1], { maxconn: 1 })
  const [s1, s2] = servers as [ServerRecord, ServerRecord]
  t.equal(balancer.pick({ avoid: s1 })?.name, 's2')
  t.equal(balancer.pick({ avoid: s1 })?.name, 's2')
  s2.served = 1
  t.equal(balancer.pick({ avoid: s1 })?.name, 's1')
  t.end()
})

t.test('servers joining are kept in declaration order', (t) => {
  const servers = makeServers([1, 1, 1, 1])
  const balancer = createStaticRoundRobin([servers[0]!, servers[3]!], config, makeContext({ servers }))
  balancer.add(servers[2]!)
  balancer.add(servers[1]!)
  t.same(pickNames(() => balancer.pick({}), 4), ['s1', 's2', 's3', 's4'])
  t.end()
})
