import t from 'tap'
import { createConsistentHash } from '../../lib/balance/chash.js'
import { avalanche, sdbm } from '../../lib/balance/hash-fn.js'
import { HashRing } from '../../lib/balance/hash-ring.js'
import type { BalanceConfig, HashKeySpec, ServerView } from '../../lib/balance/types.js'
import { isSwitchyardError } from '../../lib/errors.js'
import { makeContext, makeServers, pickNames } from '../fixtures/servers.js'

function config(key: HashKeySpec = { kind: 'uri' }, balanceFactor = 0): BalanceConfig {
  return { algorithm: 'hash', key, type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor }
}

const URIS = ['/', '/index.html', '/a', '/b', '/c', '/images/logo.png', '/api/v1/users?id=5', '/api/v2/orders', '/static/app.js', '/login']

t.test('balancer properties', async (t) => {
  const servers = makeServers([1, 1])
  const b = createConsistentHash(servers, config(), makeContext({ servers }))
  t.equal(b.name, 'chash')
  t.equal(b.dynamic, true)
  t.equal(b.skipsSaturated, false)
})

t.test('§2.9 example: 3 equal servers, sdbm + avalanche; s2 in maintenance moves only its keys', async (t) => {
  const servers = makeServers([1, 1, 1])
  const b = createConsistentHash(servers, config(), makeContext({ servers }))
  t.same(URIS.map((uri) => b.pick({ uri })!.name), ['s2', 's3', 's2', 's2', 's1', 's1', 's3', 's2', 's1', 's2'])
  b.remove(servers[1]!)
  t.same(URIS.map((uri) => b.pick({ uri })!.name), ['s1', 's3', 's1', 's3', 's1', 's1', 's3', 's3', 's1', 's3'])
  b.add(servers[1]!)
  t.same(URIS.map((uri) => b.pick({ uri })!.name), ['s2', 's3', 's2', 's2', 's1', 's1', 's3', 's2', 's1', 's2'], 'back up: same mapping')
})

t.test('removing a server moves only its keys (1000 keys)', async (t) => {
  const servers = makeServers([1, 1, 1, 1])
  const b = createConsistentHash(servers, config(), makeContext({ servers }))
  const uris = Array.from({ length: 1000 }, (_, i) => `/item/${i}`)
  const before = uris.map((uri) => b.pick({ uri }))
  const onS3 = before.filter((s) => s === servers[2]).length
  t.ok(onS3 > 100 && onS3 < 400, `s3 holds a share of the keys (${onS3})`)
  b.remove(servers[2]!)
  const after = uris.map((uri) => b.pick({ uri }))
  let moved = 0
  for (let i = 0; i < uris.length; i++) {
    if (before[i] === servers[2]) {
      moved++
      if (after[i] === servers[2]) t.fail(`${uris[i]} still on the removed server`)
    } else if (after[i] !== before[i]) {
      t.fail(`${uris[i]} moved from ${before[i]!.name} to ${after[i]!.name}`)
    }
  }
  t.equal(moved, onS3, 'exactly the keys of s3 moved')
  b.add(servers[2]!)
  t.same(uris.map((uri) => b.pick({ uri })), before, 'adding it back restores the mapping')
})

t.test('weight changes add and remove points immediately', async (t) => {
  const servers = makeServers([1, 1, 1])
  const b = createConsistentHash(servers, config(), makeContext({ servers }))
  const uris = Array.from({ length: 1000 }, (_, i) => `/w/${i}`)
  const before = uris.map((uri) => b.pick({ uri }))
  const count = (list: Array<ServerView | undefined>, s: ServerView) => list.filter((x) => x === s).length
  servers[0]!.weight = 4
  servers[0]!.eweight = 64
  b.weightChanged(servers[0]!)
  const heavier = uris.map((uri) => b.pick({ uri }))
  t.ok(count(heavier, servers[0]!) > count(before, servers[0]!) + 200, `s1 gains keys (${count(before, servers[0]!)} → ${count(heavier, servers[0]!)})`)
  t.ok(uris.every((_, i) => heavier[i] === before[i] || heavier[i] === servers[0]), 'keys only move to s1')
  // Slow start style: a lower eweight than 16 × weight.
  servers[0]!.eweight = 4
  b.weightChanged(servers[0]!)
  const lighter = uris.map((uri) => b.pick({ uri }))
  t.ok(count(lighter, servers[0]!) < count(before, servers[0]!), 'fewer points, fewer keys')
  t.ok(uris.every((_, i) => lighter[i] === before[i] || before[i] === servers[0]), 'keys only leave s1')
  servers[0]!.weight = 1
  servers[0]!.eweight = 16
  b.weightChanged(servers[0]!)
  t.same(uris.map((uri) => b.pick({ uri })), before, 'back to the initial weight: same mapping')
})

t.test('bounded load: worked example (2 servers of weight 1, F = 150, B = 10 → 8 and 9 slots)', async (t) => {
  const servers = makeServers([1, 1])
  const b = createConsistentHash(servers, config({ kind: 'uri' }, 150), makeContext({ servers, backendServed: () => 10 }))
  const uris = Array.from({ length: 20 }, (_, i) => `/k/${i}`)
  const u1 = uris.find((uri) => b.pick({ uri }) === servers[0])!
  const u2 = uris.find((uri) => b.pick({ uri }) === servers[1])!
  servers[0]!.served = 7
  t.equal(b.pick({ uri: u1 }), servers[0], 's1 below 8')
  servers[0]!.served = 8
  t.equal(b.pick({ uri: u1 }), servers[1], 's1 at 8 → s2')
  servers[1]!.served = 8
  t.equal(b.pick({ uri: u2 }), servers[1], 's2 below 9')
  servers[1]!.served = 9
  servers[0]!.served = 7
  t.equal(b.pick({ uri: u2 }), servers[0], 's2 at 9 → s1')
})

t.test('avoid: the next server clockwise; hashed servers are returned even when full', async (t) => {
  const servers = makeServers([1, 1, 1], { maxconn: 1 })
  const context = makeContext({ servers })
  const b = createConsistentHash(servers, config(), context)
  const ring = new HashRing(servers, 0, context)
  for (const uri of URIS) {
    const hashed = b.pick({ uri })!
    const other = b.pick({ uri, avoid: hashed })!
    t.not(other, hashed, `${uri}: avoided`)
    t.equal(other, ring.lookup(avalanche(sdbm(uri.split('?')[0]!)), hashed), `${uri}: clockwise`)
  }
  for (const s of servers) s.served = 1
  t.same(URIS.map((uri) => b.pick({ uri })!.name), ['s2', 's3', 's2', 's2', 's1', 's1', 's3', 's2', 's1', 's2'], 'saturation is ignored')
})

t.test('one usable server: no hashing', async (t) => {
  const servers = makeServers([1, 1], { maxconn: 1 })
  const b = createConsistentHash(servers, config({ kind: 'url_param', name: 'id' }), makeContext({ servers }))
  b.remove(servers[0]!)
  servers[1]!.served = 1
  t.equal(b.pick({ uri: '/?id=1' }), servers[1])
  t.equal(b.pick({ uri: '/' }), servers[1], 'missing key, saturated: still the only server')
  t.equal(b.pick({ uri: '/?id=1', avoid: servers[1] }), servers[1], 'avoided: still the only server')
})

t.test('missing key: ring walk, one point per request, skipping saturated servers', async (t) => {
  const servers = makeServers([1, 2, 1], { maxconn: 2 })
  const context = makeContext({ servers })
  const b = createConsistentHash(servers, config({ kind: 'hdr', name: 'x-user' }), context)
  const ring = new HashRing(servers, 0, context)
  const expected = pickNames(() => ring.next(undefined), 64)
  t.same(pickNames(() => b.pick({ headers: {} }), 64), expected, 'the ring order')
  const counts = { s1: 0, s2: 0, s3: 0 } as Record<string, number>
  for (const name of pickNames(() => b.pick({}), 64)) counts[name]!++
  t.same(counts, { s1: 16, s2: 32, s3: 16 }, 'one turn is weight-proportional')
  servers[1]!.served = 2
  t.notOk(pickNames(() => b.pick({}), 40).includes('s2'), 'saturated s2 skipped')
  servers[0]!.served = 2
  servers[2]!.queued = 1
  t.equal(b.pick({}), undefined, 'all saturated → undefined (backend queue)')
  servers[0]!.served = 0
  t.same(new Set(pickNames(() => b.pick({ avoid: servers[0] }), 20)), new Set(['s1']), 'avoided but the only unsaturated one')
  t.equal(b.pick({ headers: { 'x-user': 'alice' } })!.name, b.pick({ headers: { 'x-user': 'alice' } })!.name, 'a key is hashed')
})

t.test('source keys through the ring', async (t) => {
  const servers = makeServers([1, 1, 1])
  const b = createConsistentHash(servers, config({ kind: 'source' }), makeContext({ servers }))
  const ring = new HashRing(servers, 0, makeContext({ servers }))
  t.equal(b.pick({ source: '127.0.0.1' }), ring.lookup(avalanche(2130706433), undefined))
  t.equal(b.pick({ source: '::ffff:127.0.0.1' }), b.pick({ source: '127.0.0.1' }))
})

t.test('a non-hash configuration is refused', async (t) => {
  const servers = makeServers([1])
  let caught: unknown
  try {
    createConsistentHash(servers, { algorithm: 'roundrobin' }, makeContext({ servers }))
  } catch (err) {
    caught = err
  }
  t.ok(isSwitchyardError(caught))
  t.match(caught, { code: 'SWY_ERR_INVALID_OPTION', details: { algorithm: 'roundrobin' } })
})
