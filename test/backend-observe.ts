import t from 'tap'
import { Backend, type BackendOptions } from '../lib/backend.js'
import { Farm } from '../lib/balance/farm.js'
import type { Lease } from '../lib/queue/types.js'
import { FakeClock } from './fixtures/fake-clock.js'
import { seededRandom } from './fixtures/seeded-random.js'

function backend(balance: BackendOptions['balance'], servers = ['s1', 's2']) {
  const clock = new FakeClock(1000)
  const b = new Backend('b', { balance, servers: servers.map((name) => ({ name, address: name })) }, { clock, scheduler: clock, random: seededRandom(1) })
  return { b, clock }
}

function grantedAt(lease: Lease): number {
  return (lease as unknown as { grantedAt: number }).grantedAt
}

t.test('a latency-aware backend times leases and feeds the balancer on release', (t) => {
  const { b, clock } = backend({ algorithm: 'peak-ewma', decay: 10_000, failurePenalty: 1000 })
  const first = b.tryAcquire()
  if (first.status !== 'ok') throw new Error('expected a slot')
  t.equal(grantedAt(first.lease), 1000)
  clock.advance(40)
  first.lease.release('ok')
  // The server that answered in 40 ms costs 40; the other is idle and untried (cost 0): it wins every pick.
  const other = first.lease.server.name === 's1' ? 's2' : 's1'
  for (let i = 0; i < 5; i++) {
    const a = b.tryAcquire()
    if (a.status !== 'ok') throw new Error('expected a slot')
    t.equal(a.lease.server.name, other)
    a.lease.release('client-abort')
  }
  t.end()
})

t.test('algorithms that do not observe are not timed', (t) => {
  const { b } = backend({ algorithm: 'roundrobin' })
  const a = b.tryAcquire()
  if (a.status !== 'ok') throw new Error('expected a slot')
  t.equal(grantedAt(a.lease), 0)
  a.lease.release()
  t.end()
})

t.test('Farm.observe: the observes trait; unusable servers are not observed', (t) => {
  const farm = new Farm({ balance: { algorithm: 'peak-ewma', decay: 1000, failurePenalty: 100 }, random: seededRandom(2), clock: new FakeClock() })
  t.equal(farm.observes, true)
  t.equal(new Farm({ balance: { algorithm: 'least-request', choiceCount: 2, activeRequestBias: 1 }, random: seededRandom(2) }).observes, false)
  const s1 = farm.add({ name: 's1', address: 'x' })
  const s2 = farm.add({ name: 's2', address: 'y' })
  farm.pick({})
  farm.observe(s1, 500, true) // s1 costs 500
  farm.setAdmin(s2, 'maint')
  farm.observe(s2, 9000, true) // not usable: ignored
  farm.setAdmin(s2, 'ready')
  t.equal(farm.pick({}), s2, 's2 rejoined without an estimate and wins against s1')
  t.end()
})

t.test('outcomes: ok unless an error outcome or a 5xx status; client aborts are not observed', (t) => {
  const observed: Array<[number, boolean]> = []
  const { b, clock } = backend({ algorithm: 'peak-ewma', decay: 1000, failurePenalty: 0 }, ['s1'])
  const original = Farm.prototype.observe
  Farm.prototype.observe = function (server, latency, ok) {
    observed.push([latency, ok])
    original.call(this, server, latency, ok)
  }
  try {
    const cases: Array<[Parameters<Lease['release']>, number]> = [
      [['ok'], 10],
      [['ok', 200], 11],
      [['ok', 503], 12],
      [['bad-response'], 13],
      [['connect-error'], 14],
      [['client-abort'], 15],
      [[], 16],
    ]
    for (const [args, ms] of cases) {
      const a = b.tryAcquire()
      if (a.status !== 'ok') throw new Error('expected a slot')
      t.equal(grantedAt(a.lease), clock.now(), 'granted now')
      clock.advance(ms)
      a.lease.release(...args)
    }
  } finally {
    Farm.prototype.observe = original
  }
  t.same(observed, [
    [10, true],
    [11, true],
    [12, false],
    [13, false],
    [14, false],
    [16, true],
  ])
  t.end()
})
