import t from 'tap'
import { SwitchyardError } from '../../lib/errors.js'
import { detectAfter, type HealthDriverFactory } from '../../lib/sim/health.js'
import { algorithmLabel, drainTime, niceInterval, simulate, type SimResult } from '../../lib/sim/simulate.js'

const GUIDE_SURGE = {
  name: 'guide chapter 7',
  backend: { balance: 'roundrobin', maxconn: 10000, timeoutConnect: 60000 },
  servers: ['railsA', 'railsB', 'railsC'].map((name) => ({ name, maxconn: 4, service: 10 })),
  arrivals: [{ kind: 'burst', count: 3000 }],
}

function ended(r: SimResult): number {
  const q = r.requests
  return q.served + q.failed + q.timedOut + q.full + q.noServer + q.unfinished
}

t.test("the guide's surge: 3,000 requests on 3 servers × maxconn 4 × 10 ms end at 2.5 s", async (t) => {
  const r = await simulate(GUIDE_SURGE)
  t.equal(r.endedAt, 2500, 'last request served at 3000 / 3 / 4 × 10 ms')
  t.equal(r.latency.max, 2500)
  t.equal(r.latency.min, 10)
  t.equal(r.requests.served, 3000)
  t.same(r.servers.map((s) => s.attempts), [1000, 1000, 1000])
  t.same(r.servers.map((s) => s.maxServed), [4, 4, 4], 'maxconn respected')
  t.equal(r.backend.maxQueued, 2988, 'everything beyond the 12 slots waited in the backend queue')
  t.equal(r.queue.interval, 10, 'about 200 samples over the expected 2.5 s')
  t.equal(r.servers[0]!.busy, 10_000)
  t.equal(r.algorithm, 'roundrobin')
  t.end()
})

t.test('minconn/maxconn: under the surge the dynamic limit rises to maxconn', async (t) => {
  const servers = ['a', 'b', 'c'].map((name) => ({ name, minconn: 4, maxconn: 12, service: 10 }))
  const r = await simulate({ ...GUIDE_SURGE, servers })
  // fullconn = ceil(10000 / 10) = 1000. While ≥ 1000 requests are attached (beconn), each server
  // has 12 slots: the first 2000 take 2000 / 36 × 10 ≈ 556 ms. Then the limit is 12 × beconn / 1000:
  // beconn decays as e^(−0.0036 t) down to 333 (limit 4 = minconn) in ln(3) / 0.0036 ≈ 305 ms,
  // and the last 333 take 333 / 12 × 10 ≈ 278 ms: about 1139 ms in all (discrete steps add a little).
  t.same(r.servers.map((s) => s.maxServed), [12, 12, 12])
  const expected = (2000 / 36) * 10 + Math.log(3) / 0.0036 + (1000 / 3 / 12) * 10
  t.ok(Math.abs(r.endedAt - expected) / expected < 0.05, `ended at ${r.endedAt}, expected about ${expected}`)
  t.ok(r.endedAt < 2500, 'faster than with maxconn 4')
  const light = await simulate({ ...GUIDE_SURGE, servers, arrivals: [{ kind: 'burst', count: 30 }] })
  t.same(light.servers.map((s) => s.maxServed), [4, 4, 4], 'at low load minconn applies')
  t.end()
})

t.test('D/D/1 below capacity: no wait, latency = service time', async (t) => {
  const r = await simulate({
    servers: [{ name: 'a', maxconn: 1, service: 8 }],
    arrivals: [{ kind: 'constant', rate: 100, count: 500 }],
  })
  t.equal(r.wait.max, 0)
  t.equal(r.latency.min, 8)
  t.equal(r.latency.max, 8)
  t.equal(r.backend.maxQueued, 0)
  t.equal(r.endedAt, 499 * 10 + 8)
  t.end()
})

t.test('M/D/1: mean wait matches ρ / (2μ(1 − ρ))', async (t) => {
  // μ = 1 / 10 ms, λ = 70 / s → ρ = 0.7; Wq = 0.7 / (2 × 0.1 × 0.3) = 11.67 ms.
  const r = await simulate({
    seed: 42,
    servers: [{ name: 'a', maxconn: 1, service: 10 }],
    arrivals: [{ kind: 'poisson', rate: 70, count: 200_000 }],
  })
  const expected = 0.7 / (2 * 0.1 * 0.3)
  t.ok(Math.abs(r.wait.mean - expected) / expected < 0.03, `mean wait ${r.wait.mean} vs ${expected}`)
  t.ok(Math.abs(r.latency.mean - (expected + 10)) / (expected + 10) < 0.03, 'latency = wait + service')
  t.end()
})

t.test('M/M/1 through server workers: mean time in system 1 / (μ − λ)', async (t) => {
  // μ = 100/s (mean 10 ms), λ = 50/s → W = 1 / 50 s = 20 ms. The balancer does not limit; the server queues.
  const r = await simulate({
    seed: 9,
    servers: [{ name: 'a', workers: 1, service: { kind: 'exponential', mean: 10 } }],
    arrivals: [{ kind: 'poisson', rate: 50, count: 200_000 }],
  })
  t.ok(Math.abs(r.latency.mean - 20) / 20 < 0.04, `mean latency ${r.latency.mean}`)
  t.equal(r.wait.max, 0, 'no balancer queue')
  t.end()
})

const MESSY = {
  name: 'messy',
  seed: 5,
  backend: { balance: 'leastconn', timeoutQueue: 50, redispatch: true },
  servers: [
    { name: 'a', maxconn: 2, maxqueue: 3, service: { kind: 'exponential', mean: 5 } },
    { name: 'b', maxconn: 2, service: { kind: 'lognormal', median: 4, sigma: 0.8 }, errorRate: 0.05 },
    { name: 'c', maxconn: 3, workers: 1, service: { kind: 'uniform', min: 1, max: 9 } },
  ],
  arrivals: [
    { kind: 'poisson', rate: 600, duration: 2000 },
    { kind: 'burst', at: 500, count: 200, spacing: 0.5 },
    { kind: 'trace', requests: [{ at: 30 }, { at: 10, key: 'x' }] },
  ],
  failures: [
    { server: 'a', at: 300, duration: 400 },
    { server: 'b', at: 900, duration: 300, mode: 'errors', errorRate: 0.5, errorTime: 0.5 },
    { server: 'c', at: 1500, duration: 100, errorTime: { kind: 'constant', value: 2 } },
  ],
  slowdowns: [{ server: 'c', at: 100, duration: 500, factor: 3 }],
  changes: [
    { at: 1000, server: 'a', admin: 'drain' },
    { at: 1100, server: 'a', admin: 'ready', weight: '50%', maxconn: 4 },
  ],
  retries: { count: 2 },
  detect: 20,
}

t.test('conservation: every request ends exactly once', async (t) => {
  const r = await simulate(MESSY)
  t.equal(r.requests.total, 1200 + 200 + 2)
  t.equal(ended(r), r.requests.total)
  t.equal(r.requests.unfinished, 0)
  t.ok(r.requests.timedOut > 0, `timeouts ${r.requests.timedOut}`)
  t.ok(r.requests.retries > 0 && r.requests.retriedRequests > 0 && r.requests.retriedRequests <= r.requests.retries)
  t.ok(r.requests.failed > 0)
  const attempts = r.servers.reduce((n, s) => n + s.attempts, 0)
  const outcomes = r.servers.reduce((n, s) => n + s.served + s.failed, 0)
  t.equal(attempts, outcomes, 'every attempt ended once')
  t.equal(r.servers.reduce((n, s) => n + s.served, 0), r.requests.served)
  t.same(
    r.health.map((h) => [h.at, h.server, h.operational, h.admin]),
    [
      [320, 'a', 'down', 'ready'],
      [720, 'a', 'up', 'ready'],
      [1000, 'a', 'up', 'drain'],
      [1100, 'a', 'up', 'ready'],
      [1520, 'c', 'down', 'ready'],
      [1620, 'c', 'up', 'ready'],
    ],
    'failures detected after 20 ms, admin changes at their time',
  )
  t.end()
})

t.test('maxqueue: requests hashed to a full server queue are refused', async (t) => {
  const r = await simulate({
    backend: { balance: { algorithm: 'uri' } },
    servers: [{ name: 'a', maxconn: 1, maxqueue: 2, service: 10 }, { name: 'b', service: 10 }],
    arrivals: [{ kind: 'burst', count: 10, keys: 1 }],
  })
  // The one key "/k0" hashes to a (sdbm, map-based over 2 servers).
  t.same(r.servers.map((s) => s.attempts), [3, 0])
  t.equal(r.requests.full, 7, '1 in service + 2 queued, 7 refused')
  t.equal(r.requests.served, 3)
  t.equal(ended(r), 10)
  t.end()
})

t.test('determinism: same seed, identical JSON; another seed differs', async (t) => {
  const a = JSON.stringify(await simulate(MESSY))
  const b = JSON.stringify(await simulate(MESSY))
  t.equal(a, b)
  const c = JSON.stringify(await simulate({ ...MESSY, seed: 6 }))
  t.not(a, c)
  t.end()
})

t.test('a dead server fails what it serves at once, and what reaches it before detection', async (t) => {
  const r = await simulate({
    backend: { balance: 'roundrobin' },
    servers: [
      { name: 'a', service: 100 },
      { name: 'b', service: 100 },
    ],
    arrivals: [{ kind: 'constant', rate: 100, count: 10 }],
    failures: [{ server: 'a', at: 15 }],
    detect: 30,
  })
  // a gets t=0, 20, 40 (roundrobin); dies at 15 → the t=0 request fails; t=20 and t=40 reach it
  // before detection (45) and fail after errorTime 1 ms; from 45 on only b serves. No recovery.
  t.same(r.servers.map((s) => [s.name, s.attempts, s.failed]), [['a', 3, 3], ['b', 7, 0]])
  t.equal(r.requests.failed, 3)
  t.same(r.health.map((h) => [h.at, h.operational]), [[45, 'down']])
  t.end()
})

t.test('retries: redispatch avoids the failed server; same-server retries wait the turn-around delay', async (t) => {
  const base = {
    servers: [
      { name: 'bad', service: 10, errorRate: 1, errorTime: 2 },
      { name: 'good', service: 10 },
    ],
    arrivals: [{ kind: 'burst', count: 1 }, { kind: 'burst', count: 0 }],
  }
  const redispatch = await simulate({ ...base, retries: { count: 1 } })
  t.equal(redispatch.requests.served, 1)
  t.equal(redispatch.latency.max, 12, 'failed in 2 ms on bad, served in 10 ms on good')
  const same = await simulate({ ...base, retries: { count: 2, redispatch: false, delay: 100 } })
  t.equal(same.requests.failed, 1)
  t.equal(same.requests.retries, 2)
  t.equal(same.endedAt, 2 + 100 + 2 + 100 + 2, 'three attempts on the same server')
  t.same(same.servers.map((s) => s.attempts), [3, 0])
  t.end()
})

t.test('unfinished: a request waiting forever for a server that never comes back', async (t) => {
  const r = await simulate({
    servers: [{ name: 'a', maxconn: 1, service: 10, errorRate: 1 }, { name: 'b', maxconn: 1, service: 10 }],
    arrivals: [{ kind: 'burst', count: 2 }],
    changes: [{ at: 0.5, server: 'b', admin: 'maint' }],
    failures: [{ server: 'a', at: 0.5 }],
    retries: { count: 1, redispatch: false, delay: 5 },
  })
  // Request 1 on a fails (a died), its retry is pinned to the dead a; request 2 on b is in service
  // when b goes to maintenance and completes. With a down and b in maint, nothing is usable.
  t.equal(ended(r), 2)
  t.equal(r.requests.served, 1)
  t.end()
})

t.test('no usable server: refused; a queue timeout without a usable server', async (t) => {
  const r = await simulate({
    servers: [{ name: 'a', service: 10 }],
    arrivals: [{ kind: 'burst', at: 10, count: 3 }],
    changes: [{ at: 5, server: 'a', admin: 'maint' }],
  })
  t.equal(r.requests.noServer, 3)
  t.equal(r.latency.count, 0)
  t.equal(r.latency.p99, 0)
  t.end()
})

t.test('requests pinned to a dead server wait for it without a timeout: unfinished', async (t) => {
  const r = await simulate({
    servers: [{ name: 'a', maxconn: 1, service: 10, errorRate: 1 }, { name: 'b', maxconn: 1, service: 1000 }],
    arrivals: [{ kind: 'burst', count: 1 }],
    failures: [{ server: 'a', at: 1 }],
    retries: { count: 1, redispatch: false, delay: 5 },
  })
  // The request fails on a (errorTime 1 ms) just as a dies; its retry is pinned to a, which is
  // down: persistence then falls back to balancing, so it is served by b.
  t.equal(r.requests.served, 1)
  t.equal(ended(r), 1)
  t.end()
})

t.test('overlapping windows: slow factors multiply, error windows take the highest rate', async (t) => {
  const r = await simulate({
    servers: [{ name: 'a', service: 10 }],
    arrivals: [{ kind: 'trace', requests: [{ at: 0 }, { at: 100 }, { at: 200 }, { at: 300 }] }],
    slowdowns: [
      { server: 'a', at: 50, duration: 200, factor: 2 },
      { server: 'a', at: 150, factor: 3 },
    ],
    failures: [
      { server: 'a', at: 290, duration: 5, mode: 'errors', errorRate: 1 },
      { server: 'a', at: 280, duration: 100, mode: 'errors', errorRate: 0 },
      { server: 'a', at: 295, mode: 'down', errorTime: 7 },
      { server: 'a', at: 296, duration: 1, mode: 'down' },
    ],
    detect: 1000,
  })
  // 0 → 10 ms; 100 → ×2 = 20; 200 → ×2×3 = 60 (ends at 260); 300 → dead since 295: fails in 7 ms.
  t.same(r.cdf.slice(0, 1), [10])
  t.equal(r.requests.served, 3)
  t.equal(r.requests.failed, 1)
  t.equal(r.latency.p50, 20)
  t.equal(r.latency.max, 60)
  t.equal(r.endedAt, 307)
  t.end()
})

t.test('a health driver can replace the default', async (t) => {
  const seen: Array<[string, boolean, number]> = []
  const driver: HealthDriverFactory = (control) => ({
    changed(server, healthy) {
      seen.push([server.name, healthy, control.clock.now()])
      t.equal(control.healthy(server.name), healthy)
      t.equal(typeof control.random(), 'number')
      control.scheduler.schedule(0, () => control.backend.setOperational(server, healthy ? 'up' : 'down'))
    },
  })
  const r = await simulate(
    { servers: [{ name: 'a', service: 1 }], arrivals: [{ kind: 'burst', count: 1 }], failures: [{ server: 'a', at: 5, duration: 5 }] },
    { health: driver },
  )
  t.same(seen, [['a', false, 5], ['a', true, 10]])
  t.same(r.health.map((h) => h.operational), ['down', 'up'])
  t.equal(detectAfter(0).length, 1)
  t.end()
})

t.test('unexpected errors surface; scenario errors name the field', async (t) => {
  const closing: HealthDriverFactory = (control) => ({ changed: () => control.backend.close() })
  await t.rejects(
    simulate(
      { servers: [{ name: 'a', maxconn: 1, service: 50 }], arrivals: [{ kind: 'burst', count: 2 }], failures: [{ server: 'a', at: 10 }] },
      { health: closing },
    ),
    { code: 'SWY_ERR_CLOSED' },
  )
  await t.rejects(simulate({ servers: [{ name: 'a', service: -1 }], arrivals: [{ kind: 'burst', count: 1 }] }), SwitchyardError)
  await t.rejects(
    simulate({ backend: { balance: 'static-rr' }, servers: [{ name: 'a', service: 1 }], arrivals: [{ kind: 'burst', count: 1 }], changes: [{ at: 0, server: 'a', weight: 7 }] }),
    { code: 'SWY_ERR_INVALID_OPTION' },
  )
  t.end()
})

t.test('options.balance overrides the scenario; labels', async (t) => {
  const r = await simulate(GUIDE_SURGE, { balance: { algorithm: 'random', draws: 3 } })
  t.equal(r.algorithm, 'random(3)')
  t.equal(algorithmLabel({ algorithm: 'hash', key: { kind: 'uri' }, type: 'consistent', function: 'sdbm', avalanche: true, balanceFactor: 0 }), 'hash(uri, consistent)')
  t.equal(algorithmLabel({ algorithm: 'hash', key: { kind: 'source' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 }), 'hash(source)')
  const keyed = await simulate({
    backend: { balance: { algorithm: 'uri', hashType: 'consistent' } },
    servers: [{ name: 'a', service: 1 }, { name: 'b', service: 1 }],
    arrivals: [{ kind: 'constant', rate: 1000, count: 100, keys: 1 }],
  })
  t.equal(Math.max(...keyed.servers.map((s) => s.attempts)), 100, 'one key: one server')
  t.end()
})

t.test('sampling: explicit interval; helpers', async (t) => {
  const r = await simulate({ sample: 5, servers: [{ name: 'a', service: 10 }], arrivals: [{ kind: 'constant', rate: 100, count: 3 }] })
  t.same(r.queue.time, [0, 5, 10, 15, 20, 25, 30])
  t.same(r.queue.inService['a'], [0, 1, 1, 1, 1, 1, 0])
  t.same(r.queue.servers['a'], [0, 0, 0, 0, 0, 0, 0])
  t.equal(niceInterval(0), 1)
  t.equal(niceInterval(0.5), 1)
  t.equal(niceInterval(12.5), 10)
  t.equal(niceInterval(27), 20)
  t.equal(niceInterval(40), 50)
  t.equal(niceInterval(80), 100)
  t.equal(drainTime([{ name: 'a', weight: 1, maxconn: 0, minconn: 0, maxqueue: 0, backup: false, workers: 0, service: { kind: 'constant', value: 1 }, errorRate: 0, errorTime: { kind: 'constant', value: 1 } }], 10), 0)
  t.end()
})

/** Three servers, 50 requests/s for 60 s from 20 sticky clients (Zipf popularity). */
const STICKY = {
  seed: 3,
  backend: { balance: 'roundrobin', redispatch: true },
  servers: [
    { name: 'a', service: 20 },
    { name: 'b', service: 20 },
    { name: 'c', service: 20 },
  ],
  arrivals: [{ kind: 'poisson', rate: 50, duration: 60_000 }],
  persistence: { clients: 20, skew: 1 },
  retries: { count: 1, redispatch: true },
}

t.test('sticky sessions: each client sticks to the server of its first response; popular clients skew the load', async (t) => {
  const r = await simulate(STICKY)
  t.equal(r.requests.total, 3000)
  t.same(r.persistence, { clients: 20, hits: 2980, misses: 0, fresh: 20, redispatched: 0, cookiesSet: 20 })
  // First visits alternate a, b, c: a and b get 7 clients each, c 6; after that the clients' popularity decides.
  t.same(r.servers.map((s) => s.attempts), [1071, 1334, 595], 'stickiness: skewed load')
  const plain = await simulate({ ...STICKY, persistence: undefined })
  t.same(plain.servers.map((s) => s.attempts), [1000, 1000, 1000], 'without cookies roundrobin is even')
  t.equal(plain.persistence, undefined)
  t.end()
})

t.test('the sticky server fails: its clients fail until checks notice, then get a new server and cookie', async (t) => {
  const failing = { ...STICKY, failures: [{ server: 'a', at: 30_000 }], health: { inter: 1000, rise: 2, fall: 3 } }
  const r = await simulate(failing)
  // a's clients hit it until the 3rd failed check (32 s); each failure is retried elsewhere (redispatch),
  // which breaks persistence: the retry's response gives the client a new cookie. Of a's 7 clients, 6
  // moved that way; the 7th sent nothing in between: its next request names a DOWN server, a miss.
  t.same(r.health.map((h) => [h.at, h.server, h.operational]), [[32_000, 'a', 'down']])
  t.same(r.servers.map((s) => [s.name, s.attempts, s.served, s.failed]), [
    ['a', 529, 523, 6],
    ['b', 1621, 1621, 0],
    ['c', 856, 856, 0],
  ])
  t.same(r.requests, { total: 3000, served: 3000, failed: 0, timedOut: 0, full: 0, noServer: 0, unfinished: 0, retries: 6, retriedRequests: 6 })
  t.same(r.persistence, { clients: 20, hits: 2979, misses: 1, fresh: 20, redispatched: 6, cookiesSet: 27 })
  // Without retries, the 26 requests that reached a in those 2 s fail, and the next request of each of
  // a's 7 clients, naming a DOWN server, is a miss: balanced, new cookie (20 + 7 cookies in all).
  const noRetry = await simulate({ ...failing, retries: { count: 0 } })
  t.same(noRetry.persistence, { clients: 20, hits: 2973, misses: 7, fresh: 20, redispatched: 0, cookiesSet: 27 })
  t.equal(noRetry.requests.failed, 26)
  t.equal(noRetry.servers[0]!.failed, 26)
  t.end()
})

t.test('option persist: a cookie naming a DOWN server still reaches it', async (t) => {
  const base = {
    backend: { balance: 'roundrobin' },
    servers: [
      { name: 'a', service: 10 },
      { name: 'b', service: 10 },
    ],
    // One client, a request every 100 ms; it sticks to a (first roundrobin pick).
    arrivals: [{ kind: 'constant', rate: 10, count: 20 }],
    changes: [{ at: 550, server: 'a', admin: 'maint' }],
    persistence: { clients: 1 },
  }
  const balanced = await simulate(base)
  t.same(balanced.servers.map((s) => s.attempts), [6, 14], 'maintenance: the cookie is a miss, the client moves to b')
  t.same(balanced.persistence, { clients: 1, hits: 18, misses: 1, fresh: 1, redispatched: 0, cookiesSet: 2 })
  const persist = await simulate({ ...base, persistence: { clients: 1, persist: true } })
  t.same(persist.servers.map((s) => s.attempts), [20, 0], 'option persist: it stays on a')
  t.same(persist.persistence, { clients: 1, hits: 19, misses: 0, fresh: 1, redispatched: 0, cookiesSet: 1 })
  t.end()
})

t.test('priority classes: a later high-priority burst overtakes the queued backlog', async (t) => {
  const r = await simulate({
    backend: { timeoutQueue: 5000 },
    servers: [{ name: 'a', maxconn: 2, service: 10 }],
    arrivals: [
      { kind: 'burst', count: 300 },
      { kind: 'burst', at: 1, count: 50, priorityClass: -1 },
    ],
  })
  // At 1 ms 2 requests are in service and 298 wait. The class −1 burst goes first: 25 rounds of 2 from
  // 10 ms, done at 260 ms; the class-0 backlog takes 298 / 2 × 10 ms more: the last ends at 1750 ms.
  t.same(
    r.classes!.map((c) => [c.priorityClass, c.total, c.served, c.unfinished, c.latency.min, c.latency.max]),
    [
      [-1, 50, 50, 0, 19, 259],
      [0, 300, 300, 0, 10, 1750],
    ],
  )
  t.equal(r.endedAt, 1750)
  const flat = await simulate({
    backend: { timeoutQueue: 5000 },
    servers: [{ name: 'a', maxconn: 2, service: 10 }],
    arrivals: [
      { kind: 'burst', count: 300 },
      { kind: 'burst', at: 1, count: 50 },
    ],
  })
  t.equal(flat.classes, undefined, 'no priorities: no per-class results')
  t.end()
})

t.test('priority offsets and per-class outcomes: timeouts, refusals, failures', async (t) => {
  const r = await simulate({
    backend: { timeoutQueue: 100 },
    servers: [{ name: 'a', maxconn: 1, service: 10, errorRate: 0.2 }],
    arrivals: [
      { kind: 'burst', count: 40, priorityOffset: 50 },
      { kind: 'burst', count: 40, priorityClass: 1 },
      { kind: 'burst', at: 500, count: 5, priorityClass: 2 },
    ],
    changes: [{ at: 499, server: 'a', admin: 'maint' }],
  })
  const byClass = Object.fromEntries(r.classes!.map((c) => [c.priorityClass, c]))
  const sum = (k: 'served' | 'failed' | 'timedOut' | 'noServer' | 'full' | 'unfinished'): number => r.classes!.reduce((n, c) => n + c[k], 0)
  t.equal(byClass[2]!.noServer, 5, 'class 2 arrives while the only server is in maintenance')
  t.equal(byClass[1]!.served + byClass[1]!.failed, 0, 'class 1 always ranks behind class 0: it times out')
  t.equal(byClass[1]!.timedOut, 40)
  t.ok(byClass[0]!.served > 0 && byClass[0]!.failed > 0 && byClass[0]!.timedOut > 0, 'class 0: served, failed and timed out')
  t.same([sum('served'), sum('failed'), sum('timedOut'), sum('noServer'), sum('full'), sum('unfinished')], [r.requests.served, r.requests.failed, r.requests.timedOut, r.requests.noServer, r.requests.full, 0])
  t.equal(byClass[1]!.latency.count, 0)
  const full = await simulate({
    backend: { balance: { algorithm: 'uri' } },
    servers: [{ name: 'a', maxconn: 1, maxqueue: 2, service: 10 }],
    arrivals: [
      { kind: 'burst', count: 5, keys: 1, priorityClass: 1 },
      { kind: 'burst', count: 1, keys: 1 },
    ],
  })
  t.same(
    full.classes!.map((c) => [c.priorityClass, c.served, c.full]),
    [
      [0, 1, 0],
      [1, 2, 3],
    ],
    'maxqueue refusals are counted per class',
  )
  t.end()
})

t.test('conservation and determinism with checks, persistence, priorities and retries together', async (t) => {
  const scenario = {
    ...MESSY,
    detect: 0,
    arrivals: [
      { kind: 'poisson', rate: 600, duration: 2000, priorityClass: 1 },
      { kind: 'burst', at: 500, count: 200, spacing: 0.5, priorityOffset: -100 },
      { kind: 'trace', requests: [{ at: 30 }, { at: 10, key: 'x' }] },
    ],
    health: { inter: 100, fastinter: 50, rise: 2, fall: 2, failedCheck: 'timeout', timeout: 20, connectTimeout: 30, observe: 'layer7' },
    persistence: { clients: 50, skew: 0.8 },
  }
  const r = await simulate(scenario)
  t.equal(ended(r), r.requests.total)
  t.equal(r.requests.total, 1402)
  t.equal(r.classes!.reduce((n, c) => n + c.total, 0), 1402)
  const attempts = r.servers.reduce((n, s) => n + s.attempts, 0)
  t.equal(attempts, r.servers.reduce((n, s) => n + s.served + s.failed, 0), 'every attempt ended once')
  t.ok(r.health.some((h) => h.reason === 'check'), 'checks made transitions')
  const p = r.persistence!
  t.equal(p.hits + p.misses + p.fresh, r.requests.total, 'every request was decided once')
  t.equal(JSON.stringify(await simulate(scenario)), JSON.stringify(r), 'same seed, same JSON')
  t.end()
})
