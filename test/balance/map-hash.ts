import t from 'tap'
import { createMapHash } from '../../lib/balance/map-hash.js'
import { sdbm } from '../../lib/balance/hash-fn.js'
import type { BalanceConfig, HashKeySpec } from '../../lib/balance/types.js'
import type { ServerRecord } from '../../lib/server.js'
import { makeContext, makeServers } from '../fixtures/servers.js'

const config = (key: HashKeySpec): BalanceConfig => ({
  algorithm: 'hash', key, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0,
})

function setup(weights: number[], key: HashKeySpec, extra = {}) {
  const servers = makeServers(weights, extra)
  const balancer = createMapHash(servers, config(key), makeContext({ servers }))
  return { servers, balancer }
}

t.test('balance source: 127.0.0.1 = 2130706433 mod table size (§2.8, observed)', (t) => {
  const source = '127.0.0.1'
  t.equal(setup([1, 1], { kind: 'source' }).balancer.pick({ source })?.name, 's2')
  t.equal(setup([1, 1, 1], { kind: 'source' }).balancer.pick({ source })?.name, 's3')
  t.equal(setup([1, 1, 1, 1], { kind: 'source' }).balancer.pick({ source })?.name, 's2')
  t.equal(setup([1, 2, 3, 4], { kind: 'source' }).balancer.pick({ source })?.name, 's3', 'index 3 of s1 s2 s4 s3 …')
  t.end()
})

t.test('balance uri with sdbm over 3 equal servers (§2.8, observed)', (t) => {
  const { balancer } = setup([1, 1, 1], { kind: 'uri' })
  const expected: Record<string, string> = {
    '/': 's3', '/index.html': 's1', '/a': 's1', '/b': 's2', '/c': 's3', '/images/logo.png': 's1',
    '/api/v1/users?id=5': 's3', '/api/v2/orders': 's3', '/static/app.js': 's3', '/login': 's3',
  }
  for (const [uri, server] of Object.entries(expected)) t.equal(balancer.pick({ uri })?.name, server, uri)
  t.equal(balancer.name, 'map-hash')
  t.equal(balancer.dynamic, false)
  t.equal(balancer.skipsSaturated, false)
  t.end()
})

t.test('the hashed server is returned even when full, and avoid is not honoured (§2.8)', (t) => {
  const { servers, balancer } = setup([1, 1, 1], { kind: 'uri' }, { maxconn: 1 })
  ;(servers[2] as ServerRecord).served = 1
  t.equal(balancer.pick({ uri: '/' })?.name, 's3', 'full, still s3: the request queues on it')
  t.equal(balancer.pick({ uri: '/', avoid: servers[2] })?.name, 's3', 'redispatch lands on the same server')
  t.end()
})

t.test('a missing key falls back to a round robin over the table, skipping saturated servers', (t) => {
  const { servers, balancer } = setup([1, 1, 1], { kind: 'url_param', name: 'id' }, { maxconn: 1 })
  const names = () => balancer.pick({ uri: '/no-param' })?.name
  t.same([names(), names(), names(), names()], ['s1', 's2', 's3', 's1'])
  ;(servers[1] as ServerRecord).served = 1
  t.same([names(), names(), names()], ['s3', 's1', 's3'])
  for (const s of servers) s.served = 1
  t.equal(names(), undefined, 'all saturated → backend queue')
  for (const s of servers) s.served = 0
  t.same([names(), names()], ['s1', 's2'], 'a full turn over saturated slots left the cursor in place; now at slot 2')
  balancer.remove(servers[2]!)
  t.equal(names(), 's1', 'the cursor fell outside the 2-slot table: back to slot 0')
  t.end()
})

t.test('one usable server: no hashing at all', (t) => {
  const { balancer } = setup([5], { kind: 'hdr', name: 'x-user' })
  t.equal(balancer.pick({})?.name, 's1')
  t.end()
})

t.test('up/down and weight events rebuild the table; most keys may move', (t) => {
  const { servers, balancer } = setup([1, 1, 1], { kind: 'uri' })
  balancer.remove(servers[1]!)
  balancer.remove(servers[1]!) // twice is harmless
  t.equal(balancer.pick({ uri: '/' })?.name, 's3', '47 mod 2 = 1 → s3')
  t.equal(balancer.pick({ uri: '/b' })?.name, ['s1', 's3'][sdbm('/b') % 2], 'table s1 s3')
  balancer.add(servers[1]!)
  t.equal(balancer.pick({ uri: '/b' })?.name, 's2', 'back to the 3-server table')
  servers[0]!.weight = 0
  balancer.weightChanged(servers[0]!)
  balancer.remove(servers[0]!)
  t.equal(balancer.pick({ uri: '/index.html' })?.name, ['s2', 's3'][858007926 % 2])
  t.end()
})
