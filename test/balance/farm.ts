import t from 'tap'
import { Farm } from '../../lib/balance/farm.js'
import type { BalanceConfig, ServerView } from '../../lib/balance/types.js'
import { isSwitchyardError } from '../../lib/errors.js'
import { seededRandom } from '../fixtures/seeded-random.js'

const rr: BalanceConfig = { algorithm: 'roundrobin' }

function farmOf(weights: number[], options: { balance?: BalanceConfig; allbackups?: boolean; backups?: number[] } = {}) {
  const farm = new Farm({ balance: options.balance ?? rr, allbackups: options.allbackups, random: seededRandom(1) })
  weights.forEach((weight, i) => farm.add({ name: `s${i + 1}`, address: `127.0.0.1:${8000 + i}`, weight }))
  for (const [i, weight] of (options.backups ?? []).entries()) {
    farm.add({ name: `b${i + 1}`, address: `127.0.0.1:${9000 + i}`, weight, backup: true })
  }
  return farm
}

const seq = (farm: Farm, n: number): string => Array.from({ length: n }, () => farm.pick({})?.name ?? '-').join(' ')
const server = (farm: Farm, name: string): ServerView => farm.get(name)!

t.test('ids default to declaration position and can be overridden; duplicates are refused', (t) => {
  const farm = new Farm({ balance: rr, random: Math.random })
  t.equal(farm.add({ name: 'a', address: 'x' }).id, 1)
  t.equal(farm.add({ name: 'b', address: 'x', id: 3 }).id, 3)
  t.equal(farm.add({ name: 'c', address: 'x' }).id, 4, 'skips ids in use')
  t.throws(() => farm.add({ name: 'a', address: 'x' }), { code: 'SWY_ERR_DUPLICATE_SERVER' })
  t.throws(() => farm.add({ name: 'd', address: 'x', id: 3 }), { code: 'SWY_ERR_DUPLICATE_SERVER' })
  t.same(farm.servers.map((s) => s.name), ['a', 'b', 'c'])
  t.equal(farm.get('zzz'), undefined)
  t.end()
})

t.test('the usable rule: up or starting, admin ready, eweight > 0', (t) => {
  const farm = farmOf([1, 1, 1])
  const [s1, s2, s3] = farm.servers as [ServerView, ServerView, ServerView]
  t.equal(farm.activeUsable, 3)
  farm.setOperational(s1, 'down')
  farm.setAdmin(s2, 'drain')
  t.equal(farm.activeUsable, 1)
  t.equal(seq(farm, 3), 's3 s3 s3')
  farm.setAdmin(s2, 'maint')
  farm.setOperational(s1, 'stopping')
  t.equal(s1.usable, false, 'stopping (NOLB) takes no balanced traffic')
  farm.setOperational(s1, 'starting')
  t.equal(s1.usable, true, 'starting (slow start) is usable')
  farm.setWeight(s3, 0)
  t.equal(s3.usable, false, 'weight 0 leaves balancing')
  t.equal(seq(farm, 2), 's1 s1')
  farm.setAdmin(s2, 'ready')
  farm.setWeight(s3, 1)
  t.equal(farm.activeUsable, 3)
  t.equal(farm.hasUsable(), true)
  t.end()
})

t.test('no servers, all weight 0, all down: no pick and not usable', (t) => {
  const empty = farmOf([])
  t.equal(empty.pick({}), undefined)
  t.equal(empty.hasUsable(), false)
  const zero = farmOf([0, 0])
  t.equal(zero.pick({}), undefined)
  t.equal(zero.hasUsable(), false)
  const down = farmOf([1, 2])
  for (const s of down.servers) down.setOperational(s, 'down')
  t.equal(down.pick({}), undefined)
  t.equal(down.hasUsable(), false)
  t.end()
})

t.test('backups: only when no active is usable, and then only the first usable one (§6.3)', (t) => {
  const farm = farmOf([1, 1], { backups: [1, 2] })
  t.equal(farm.backupUsable, 2)
  t.equal(seq(farm, 4), 's1 s2 s1 s2')
  farm.setOperational(server(farm, 's1'), 'down')
  farm.setWeight(server(farm, 's2'), 0)
  t.equal(seq(farm, 3), 'b1 b1 b1', 'first backup takes everything')
  farm.setAdmin(server(farm, 'b1'), 'maint')
  t.equal(seq(farm, 2), 'b2 b2')
  farm.setAdmin(server(farm, 'b1'), 'ready')
  t.equal(seq(farm, 2), 'b1 b1', 'an earlier backup coming back replaces the current one')
  farm.setOperational(server(farm, 's1'), 'up')
  t.equal(seq(farm, 2), 's1 s1', 'actives take over again')
  t.end()
})

t.test('inCurrentGroup: usable actives; backups only while no active is usable (first one, or all with allbackups)', (t) => {
  const farm = farmOf([1, 1], { backups: [1, 1] })
  const group = () => farm.servers.filter((s) => farm.inCurrentGroup(s)).map((s) => s.name).join(' ')
  t.equal(group(), 's1 s2')
  farm.setAdmin(server(farm, 's2'), 'drain')
  t.equal(group(), 's1')
  farm.setOperational(server(farm, 's1'), 'down')
  t.equal(group(), 'b1')
  const all = farmOf([1], { backups: [1, 1], allbackups: true })
  t.equal(all.servers.filter((s) => all.inCurrentGroup(s)).length, 1)
  all.setOperational(server(all, 's1'), 'down')
  t.same(all.servers.filter((s) => all.inCurrentGroup(s)).map((s) => s.name), ['b1', 'b2'])
  t.end()
})

t.test('allbackups balances over every usable backup with weights', (t) => {
  const farm = farmOf([1], { backups: [1, 2], allbackups: true })
  farm.setOperational(server(farm, 's1'), 'down')
  t.equal(seq(farm, 3), 'b2 b2 b1', 'observed on HAProxy: backups 1 and 2 → s4 s4 s3')
  farm.setAdmin(server(farm, 'b2'), 'maint')
  t.equal(seq(farm, 2), 'b1 b1')
  t.end()
})

t.test('a saturated single backup: load-aware algorithms queue, hashing still returns it', (t) => {
  const farm = new Farm({ balance: rr, random: Math.random })
  farm.add({ name: 's1', address: 'x', operational: 'down' })
  const b = farm.add({ name: 'b1', address: 'y', backup: true, maxconn: 1 })
  farm.take(b)
  t.equal(farm.pick({}), undefined)
  const hashed = new Farm({
    balance: { algorithm: 'hash', key: { kind: 'source' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 },
    random: Math.random,
  })
  hashed.add({ name: 's1', address: 'x', admin: 'maint' })
  const hb = hashed.add({ name: 'b1', address: 'y', backup: true, maxconn: 1 })
  hashed.take(hb)
  t.equal(hashed.pick({ source: '10.0.0.1' }), hb)
  t.equal(hashed.skipsSaturated, false)
  t.equal(hashed.dynamic, false)
  t.end()
})

t.test('static algorithms accept only 0 or the configured weight', (t) => {
  const farm = farmOf([2, 4], { balance: { algorithm: 'static-rr' } })
  const s1 = server(farm, 's1')
  t.equal(farm.dynamic, false)
  const err = t.throws(() => farm.setWeight(s1, 3)) as unknown
  t.ok(isSwitchyardError(err) && err.code === 'SWY_ERR_INVALID_OPTION' && /static/.test(err.message), 'names the static algorithm')
  farm.setWeight(s1, 0)
  t.equal(seq(farm, 2), 's2 s2')
  farm.setWeight(s1, 2)
  t.equal(seq(farm, 3), 's1 s2 s2', 'GCD 2 → table s1 s2 s2')
  t.end()
})

t.test('weights are validated as integers 0..256', (t) => {
  const farm = farmOf([1])
  const s1 = server(farm, 's1')
  for (const bad of [-1, 257, 1.5, Number.NaN]) t.throws(() => farm.setWeight(s1, bad), { code: 'SWY_ERR_INVALID_OPTION' }, String(bad))
  farm.setWeight(s1, 1) // unchanged weight is a no-op
  farm.setWeight(s1, 256)
  t.equal(s1.eweight, 256 * 16)
  t.end()
})

t.test('dynamic weight changes reach the balancer without a rebuild', (t) => {
  const farm = farmOf([1, 1])
  t.equal(seq(farm, 4), 's1 s2 s1 s2')
  farm.setWeight(server(farm, 's1'), 3)
  const counts = { s1: 0, s2: 0 } as Record<string, number>
  for (let i = 0; i < 400; i++) counts[farm.pick({})!.name]!++
  t.same(counts, { s1: 300, s2: 100 })
  t.end()
})

t.test('slow-start scale sets eweight in sixteenths', (t) => {
  const farm = farmOf([4, 4])
  const s1 = server(farm, 's1')
  farm.setWeightScale(s1, 4)
  t.equal(s1.eweight, 16)
  farm.setWeightScale(s1, 0)
  t.equal(s1.eweight, 4, 'clamped to at least 1/16')
  farm.setWeightScale(s1, 99)
  t.equal(s1.eweight, 64, 'clamped to 16/16')
  farm.setWeightScale(s1, 16)
  t.equal(s1.eweight, 64)
  t.end()
})

t.test('take / release / enqueued / dequeued keep counts and feed leastconn', (t) => {
  const farm = farmOf([1, 1], { balance: { algorithm: 'leastconn' } })
  const [s1, s2] = farm.servers as [ServerView, ServerView]
  t.equal(farm.pick({}), s1)
  farm.take(s1)
  t.equal(farm.served, 1)
  t.equal(farm.pick({}), s2, 'leastconn sees the taken slot')
  farm.take(s2)
  farm.enqueued(s2)
  t.equal(s2.queued, 1)
  t.equal(farm.pick({}), s1, 's2 has served + queued = 2')
  farm.dequeued(s2)
  farm.release(s2)
  farm.release(s1)
  t.equal(farm.served, 0)
  t.equal(s1.served + s2.served + s2.queued, 0)
  // bookkeeping on a non-usable server does not reach the balancer
  farm.setAdmin(s1, 'maint')
  farm.take(s1)
  farm.enqueued(s1)
  farm.dequeued(s1)
  farm.release(s1)
  t.equal(s1.served, 0)
  t.end()
})

t.test('limits: normalisation and runtime changes', (t) => {
  const farm = new Farm({ balance: rr, random: Math.random })
  const a = farm.add({ name: 'a', address: 'x', maxconn: 10 })
  t.same([a.minconn, a.maxconn], [10, 10], 'only maxconn → static limit')
  const b = farm.add({ name: 'b', address: 'x', minconn: 5 })
  t.same([b.minconn, b.maxconn], [5, 5], 'only minconn → maxconn = minconn')
  const c = farm.add({ name: 'c', address: 'x', minconn: 8, maxconn: 4 })
  t.same([c.minconn, c.maxconn], [8, 8], 'minconn > maxconn → maxconn = minconn')
  farm.setLimits(a, { maxconn: 20 })
  t.same([a.minconn, a.maxconn], [20, 20], 'a static limit moves as a whole')
  const d = farm.add({ name: 'd', address: 'x', minconn: 2, maxconn: 10 })
  farm.setLimits(d, { maxconn: 30 })
  t.same([d.minconn, d.maxconn], [2, 30], 'a dynamic limit keeps minconn')
  farm.setLimits(d, { minconn: 0, maxqueue: 7 })
  t.same([d.minconn, d.maxconn, d.maxqueue], [30, 30, 7])
  farm.setLimits(d, { minconn: 40 })
  t.same([d.minconn, d.maxconn], [40, 40])
  t.equal(farm.limitOf(d), 40)
  t.equal(farm.isSaturated(d), false)
  t.end()
})

t.test('a custom limitOf drives saturation', (t) => {
  const farm = new Farm({ balance: rr, random: Math.random, limitOf: () => 1 })
  const s1 = farm.add({ name: 's1', address: 'x', maxconn: 10 })
  const s2 = farm.add({ name: 's2', address: 'x', maxconn: 10 })
  farm.take(s1)
  t.equal(farm.isSaturated(s1), true)
  t.equal(farm.pick({}), s2)
  farm.take(s2)
  t.equal(farm.pick({}), undefined)
  t.end()
})

t.test('remove: leaves balancing, frees name and id; unknown names are refused', (t) => {
  const farm = farmOf([1, 1, 1])
  t.equal(seq(farm, 3), 's1 s2 s3')
  const removed = farm.remove('s2')
  t.equal(removed.name, 's2')
  t.equal(farm.activeUsable, 2)
  t.equal(seq(farm, 4), 's1 s3 s1 s3')
  t.throws(() => farm.remove('s2'), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  t.throws(() => farm.setWeight(removed, 2), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  t.equal(farm.add({ name: 's2', address: 'x', id: 2 }).id, 2)
  farm.setAdmin(server(farm, 's1'), 'maint')
  farm.remove('s1') // removing a non-usable server
  t.equal(farm.activeUsable, 2)
  t.end()
})

t.test('the GCD divisor follows servers added and removed (static tables rebuild)', (t) => {
  const farm = farmOf([2, 4], { balance: { algorithm: 'static-rr' } })
  t.equal(seq(farm, 3), 's1 s2 s2')
  farm.add({ name: 's3', address: 'x', weight: 1 })
  t.equal(seq(farm, 7), 's1 s2 s2 s1 s2 s2 s3', 'divisor 1 now: the table of weights 2,4,1, from slot 0')
  farm.remove('s3')
  t.equal(seq(farm, 3), 's1 s2 s2')
  const backups = farmOf([1], { balance: { algorithm: 'static-rr' }, backups: [2, 4], allbackups: true })
  backups.setAdmin(server(backups, 's1'), 'maint')
  t.equal(seq(backups, 3), 'b1 b2 b2')
  backups.remove('s1') // divisor 1 → 2: the backup table is rebuilt too
  t.equal(seq(backups, 3), 'b1 b2 b2')
  const rrFarm = farmOf([2, 4])
  t.equal(seq(rrFarm, 3), 's2 s2 s1', 'FWRR 2,4 behaves as 1,2')
  rrFarm.add({ name: 's3', address: 'x', weight: 3 })
  t.equal(rrFarm.activeUsable, 3)
  t.end()
})

t.test('bounded-load hashing sees the backend-wide served count', (t) => {
  const config = (balanceFactor: number): BalanceConfig => ({
    algorithm: 'hash', key: { kind: 'uri' }, type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor,
  })
  const plain = farmOf([1, 1], { balance: config(0) })
  const bounded = farmOf([1, 1], { balance: config(150) })
  const home = plain.pick({ uri: '/k' })!
  t.equal(bounded.pick({ uri: '/k' })!.name, home.name, 'an idle backend keeps the hashed server')
  for (let i = 0; i < 4; i++) {
    plain.take(plain.get(home.name)!)
    bounded.take(bounded.get(home.name)!)
  }
  t.equal(plain.pick({ uri: '/k' })!.name, home.name, 'without a factor the key never moves')
  t.not(bounded.pick({ uri: '/k' })!.name, home.name, 'with factor 150 an overloaded home server is passed over')
  t.equal(bounded.served, 4)
  t.end()
})
