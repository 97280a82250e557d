import t from 'tap'
import { avalanche } from '../../lib/balance/hash-fn.js'
import { createRandom } from '../../lib/balance/random.js'
import type { BalanceConfig, ServerView } from '../../lib/balance/types.js'
import type { Random } from '../../lib/types.js'
import { countPicks, makeContext, makeServers } from '../fixtures/servers.js'
import { seededRandom } from '../fixtures/seeded-random.js'

function config(draws: number, balanceFactor = 0): BalanceConfig {
  return { algorithm: 'random', draws, balanceFactor }
}

/** A random number that `floor(r × 2^32)` maps exactly onto point 0 of the server (weight ≥ 1). */
function onServer(s: ServerView): number {
  return avalanche(s.id * 4096) / 2 ** 32
}

/**
 * Without a balance factor draws go through the alias table, whose column i
 * (servers in declaration order) holds server i with probability > 0 at its
 * left edge: u = i / n draws server i.
 */
function onAlias(s: ServerView): number {
  return s.index / 2
}

/** A random source replaying `values` in a loop, counting calls. */
function replay(values: readonly number[]): Random & { calls: number } {
  const f = Object.assign(() => values[f.calls++ % values.length]!, { calls: 0 })
  return f
}

t.test('balancer properties', async (t) => {
  const servers = makeServers([1, 1])
  const b = createRandom(servers, config(2), makeContext({ servers }))
  t.equal(b.name, 'random')
  t.equal(b.dynamic, true)
  t.equal(b.skipsSaturated, true)
})

t.test('one draw: picks proportional to weight (alias table: exact weighting)', async (t) => {
  const servers = makeServers([1, 2, 3, 0])
  const b = createRandom(servers, config(1), makeContext({ servers, random: seededRandom(42) }))
  const n = 60000
  const counts = countPicks(() => b.pick({}), n)
  t.equal(counts['s4'], undefined, 'weight 0 is not on the ring')
  for (const [name, share] of [['s1', 1 / 6], ['s2', 2 / 6], ['s3', 3 / 6]] as const) {
    const got = counts[name]! / n
    t.ok(Math.abs(got - share) < 0.01, `${name}: ${got.toFixed(3)} ≈ ${share.toFixed(3)}`)
  }
})

t.test('power of two: the less loaded candidate wins', async (t) => {
  const servers = makeServers([1, 1, 1])
  servers[0]!.served = 10
  const n = 9000
  const single = createRandom(servers, config(1), makeContext({ servers, random: seededRandom(5) }))
  const two = createRandom(servers, config(2), makeContext({ servers, random: seededRandom(5) }))
  const c1 = countPicks(() => single.pick({}), n)['s1'] ?? 0
  const c2 = countPicks(() => two.pick({}), n)['s1'] ?? 0
  t.ok(Math.abs(c1 - n / 3) < 900, `one draw: s1 about a third of the time (${c1})`)
  // s1 only wins when both draws land on it: about 1/9 (ring lumpiness aside).
  t.ok(c2 < n / 9 + 600 && c2 > n / 9 - 600, `two draws: s1 about 1/9 of the time (${c2})`)
})

t.test('comparison: served × eweight cross-multiplied; exact tie keeps the most recent draw', async (t) => {
  const servers = makeServers([1, 2])
  const s1 = servers[0]!
  const s2 = servers[1]!
  const pick = (values: number[]) => createRandom(servers, config(values.length), makeContext({ servers, random: replay(values) })).pick({})
  t.equal(pick([onAlias(s1), onAlias(s2)]), s2, 'idle tie → the latest draw')
  t.equal(pick([onAlias(s2), onAlias(s1)]), s1, 'idle tie → the latest draw (reversed)')
  s1.served = 1
  s2.served = 2 // 1/16 vs 2/32: exact tie
  t.equal(pick([onAlias(s1), onAlias(s2)]), s2, 'weighted tie → the latest draw')
  t.equal(pick([onAlias(s2), onAlias(s1)]), s1, 'weighted tie → the latest draw (reversed)')
  s2.served = 3 // 3/32 > 1/16
  t.equal(pick([onAlias(s1), onAlias(s2)]), s1, 's1 less loaded relative to its weight')
  t.equal(pick([onAlias(s2), onAlias(s1)]), s1)
  s2.served = 1 // 1/32 < 1/16
  t.equal(pick([onAlias(s1), onAlias(s2)]), s2)
  t.equal(pick([onAlias(s2), onAlias(s1), onAlias(s1)]), s2, 'three draws')
})

t.test('draws: at least one; non-random configurations default to 2', async (t) => {
  const servers = makeServers([1, 1])
  for (const [cfg, calls] of [
    [config(0), 1],
    [config(1), 1],
    [config(3), 3],
    [{ algorithm: 'roundrobin' } as BalanceConfig, 2],
  ] as const) {
    const random = replay([0.1, 0.6, 0.3])
    const b = createRandom(servers, cfg, makeContext({ servers, random }))
    b.pick({})
    t.equal(random.calls, calls, `${JSON.stringify(cfg)} → ${calls} draw(s)`)
  }
})

t.test('a saturated final candidate → undefined, no second try', async (t) => {
  const servers = makeServers([1, 1], { maxconn: 1 })
  const [s1, s2] = servers
  const random = replay([onAlias(s1!)])
  const b = createRandom(servers, config(2), makeContext({ servers, random }))
  t.equal(b.pick({}), s1)
  s1!.served = 1
  t.equal(b.pick({}), undefined, 'both draws on full s1 although s2 is free')
  t.equal(random.calls, 4, 'two draws per pick')
  s1!.served = 0
  s1!.queued = 1
  t.equal(b.pick({}), undefined, 'a non-empty own queue saturates too')
  s1!.queued = 0
  const limited = createRandom(servers, config(1), makeContext({ servers, random, limitOf: (s) => (s === s1 ? 0 : 1) }))
  t.equal(limited.pick({}), undefined, 'the effective limit decides')
  t.equal(createRandom(servers, config(1), makeContext({ servers, random: replay([onAlias(s2!)]) })).pick({}), s2, 'an unsaturated candidate is returned')
})

t.test('avoid: draws walk past the avoided server', async (t) => {
  const servers = makeServers([1, 1])
  const [s1, s2] = servers
  const b = createRandom(servers, config(2), makeContext({ servers, random: replay([onAlias(s1!)]) }))
  t.equal(b.pick({}), s1)
  t.equal(b.pick({ avoid: s1 }), s2)
  b.remove(s2!)
  t.equal(b.pick({ avoid: s1 }), s1, 'the only server is used even when avoided')
})

t.test('balance factor applies to every draw', async (t) => {
  const servers = makeServers([1, 1])
  const [s1, s2] = servers
  const b = createRandom(servers, config(1, 150), makeContext({ servers, random: replay([onServer(s1!)]), backendServed: () => 10 }))
  s1!.served = 7
  t.equal(b.pick({}), s1, 's1 below its 8 slots')
  s1!.served = 8
  t.equal(b.pick({}), s2, 's1 at 8 slots → s2')
})

t.test('add, remove and weight changes reach the ring', async (t) => {
  const servers = makeServers([1, 1, 1])
  const b = createRandom([servers[0]!, servers[1]!], config(1), makeContext({ servers, random: seededRandom(9) }))
  t.equal(countPicks(() => b.pick({}), 300)['s3'], undefined)
  b.add(servers[2]!)
  t.ok((countPicks(() => b.pick({}), 300)['s3'] ?? 0) > 50, 'added server picked')
  b.remove(servers[0]!)
  t.equal(countPicks(() => b.pick({}), 300)['s1'], undefined, 'removed server never picked')
  servers[1]!.weight = 9
  servers[1]!.eweight = 144
  b.weightChanged(servers[1]!)
  const c = countPicks(() => b.pick({}), 1000)
  t.ok(c['s2']! > 800, `heavier s2 takes most picks (${c['s2']})`)
  b.remove(servers[1]!)
  b.remove(servers[2]!)
  t.equal(b.pick({}), undefined, 'empty group → undefined')
})
