import t from 'tap'
import { Backend } from '../lib/backend.js'
import { isSwitchyardError } from '../lib/errors.js'
import { codeOf, flush, makeBackend, track } from './fixtures/backend.js'
import { FakeClock } from './fixtures/fake-clock.js'

t.test('the guide’s arithmetic: 3 servers × maxconn 4, 3,000 waiting, 10 ms each → last served at 2.49 s', async (t) => {
  const { backend, clock } = makeBackend({ servers: [{ maxconn: 4 }, { maxconn: 4 }, { maxconn: 4 }] })
  let peak = 0
  let lastServedAt = -1
  backend.on('lease:acquire', (lease) => {
    peak = Math.max(peak, lease.server.served)
    lastServedAt = clock.now()
    clock.schedule(10, () => lease.release())
  })
  const all = Array.from({ length: 3000 }, () => track(backend.acquire()))
  const counters = backend.counters()
  t.equal(counters.served, 12)
  t.equal(counters.queued, 2988, 'the rest waits in the backend queue')
  t.equal(counters.waiting, 2988)
  t.equal(counters.beconn, 3000)
  while (clock.runNext()) {
    if (backend.counters().servers.some((s) => s.served > 4)) t.fail('more than 4 in flight')
  }
  await flush()
  t.equal(lastServedAt, 2490, '250 rounds of 12: the last one starts at 2.49 s')
  t.equal(clock.now(), 2500, 'and ends at 2.5 s')
  t.equal(peak, 4, 'never more than 4 in flight on a server')
  t.ok(all.every((x) => x.state === 'ok'))
  t.equal(all[2999]!.lease!.queuedFor, 2490)
  t.equal(all[0]!.lease!.queuedFor, 0)
  const end = backend.counters()
  t.same([end.served, end.queued, end.waiting, end.beconn, end.total, end.maxQueued, end.maxServed], [0, 0, 0, 0, 3000, 2988, 12])
  t.same(end.servers.map((s) => s.total), [1000, 1000, 1000])
  t.same(end.servers.map((s) => s.maxServed), [4, 4, 4])
})

t.test('§3.4 verified: fullconn 20, minconn 2, maxconn 10, six 1 s requests → never more than 2 in service', async (t) => {
  const { backend, clock } = makeBackend({ fullconn: 20, servers: [{ minconn: 2, maxconn: 10 }] })
  const done: number[] = []
  let peak = 0
  backend.on('lease:acquire', (lease) => {
    peak = Math.max(peak, lease.server.served)
    clock.schedule(1000, () => {
      lease.release()
      done.push(clock.now())
    })
  })
  const limits: number[] = []
  for (let i = 0; i < 6; i++) {
    void backend.acquire()
    limits.push(backend.limitOf(backend.servers[0]!))
  }
  t.same(limits, [2, 2, 2, 2, 2, 3], 'the sixth arrival raises the limit to 3, yet it was queued (FIFO fairness)')
  t.equal(backend.servers[0]!.served, 2)
  while (clock.runNext());
  t.equal(peak, 2)
  t.same(done, [1000, 1000, 2000, 2000, 3000, 3000])
})

t.test('leastconn has no FIFO-fairness rule: the raised limit admits the sixth arrival at once', async (t) => {
  const { backend } = makeBackend({ balance: { algorithm: 'leastconn' }, fullconn: 20, servers: [{ minconn: 2, maxconn: 10 }] })
  for (let i = 0; i < 6; i++) void backend.acquire()
  t.equal(backend.servers[0]!.served, 3)
  t.equal(backend.counters().queued, 3)
})

t.test('dynamic limit table through the backend: (minconn, maxconn, fullconn, beconn) → limit', async (t) => {
  const rows: [number, number, number, number, number][] = [
    [2, 10, 20, 0, 2],
    [2, 10, 20, 6, 3],
    [2, 10, 20, 10, 5],
    [2, 10, 20, 19, 9],
    [2, 10, 20, 25, 10],
    [10, 10, 20, 5, 10],
    [1, 100, 1000, 999, 99],
  ]
  for (const [minconn, maxconn, fullconn, beconn, limit] of rows) {
    // s2 is unlimited and carries the load; s1 is the server under test.
    const { backend } = makeBackend({ fullconn, servers: [{ minconn, maxconn }, { maxconn: 0 }] })
    const s2 = backend.servers[1]!
    for (let i = 0; i < beconn; i++) void backend.acquire({ pinned: s2 })
    t.equal(backend.counters().beconn, beconn)
    t.equal(backend.limitOf(backend.servers[0]!), limit, `min ${minconn} max ${maxconn} full ${fullconn} beconn ${beconn}`)
  }
  // default fullconn: ceil(backend maxconn / 10); none without a backend maxconn
  t.equal(makeBackend({ maxconn: 200 }).backend.fullconn, 20)
  t.equal(makeBackend({ maxconn: 5 }).backend.fullconn, 1)
  t.equal(makeBackend().backend.fullconn, 0)
  t.equal(makeBackend({ fullconn: 7, maxconn: 200 }).backend.fullconn, 7)
  const { backend } = makeBackend({ servers: [{ minconn: 2, maxconn: 10 }] })
  t.equal(backend.limitOf(backend.servers[0]!), 10, 'without fullconn the limit is static')
})

t.test('§3.7 verified: maxconn 1, timeout queue 1 s, three 2.5 s requests → 200, 503, 503 at 1 s', async (t) => {
  const stackTraceLimit = Error.stackTraceLimit
  const { backend, clock } = makeBackend({ timeoutQueue: 1000, timeoutConnect: 5000, servers: [{ maxconn: 1 }] })
  const timeouts: [string | undefined, number, number][] = []
  backend.on('queue:timeout', (server, queuedFor) => {
    // emitted after the state is committed
    timeouts.push([server?.name, queuedFor, backend.counters().waiting])
  })
  backend.on('lease:acquire', (lease) => clock.schedule(2500, () => lease.release()))
  t.equal(backend.timeoutQueue, 1000)
  const [a, b, c] = [track(backend.acquire()), track(backend.acquire()), track(backend.acquire())]
  clock.advance(999)
  await flush()
  t.same([a.state, b.state, c.state], ['ok', 'pending', 'pending'])
  clock.advance(1)
  await flush()
  t.same([b.state, c.state], ['error', 'error'])
  t.equal(codeOf(b), 'SWY_ERR_QUEUE_TIMEOUT')
  t.ok(isSwitchyardError(b.error) && b.error.statusCode === 503)
  t.same((b.error as { details: unknown }).details, { backend: 'be', queuedFor: 1000 })
  t.equal((b.error as Error).stack, `SwitchyardError: ${(b.error as Error).message}`, 'no stack frames: raised from a timer')
  t.equal(Error.stackTraceLimit, stackTraceLimit, 'the global limit is restored')
  t.same(timeouts, [[undefined, 1000, 1], [undefined, 1000, 0]])
  t.equal(backend.counters().timeouts, 2)
  clock.advance(1500)
  t.equal(backend.counters().served, 0)
  t.equal(clock.pending, 0, 'no timer left')
})

t.test('timeout queue falls back to timeout connect; no timeout waits without limit', async (t) => {
  const connect = makeBackend({ timeoutConnect: 300, servers: [{ maxconn: 1 }] })
  t.equal(connect.backend.timeoutQueue, 300)
  void connect.backend.acquire()
  const waiting = track(connect.backend.acquire())
  connect.clock.advance(300)
  await flush()
  t.equal(codeOf(waiting), 'SWY_ERR_QUEUE_TIMEOUT')

  const none = makeBackend({ timeoutQueue: 0, servers: [{ maxconn: 1 }] })
  t.equal(none.backend.timeoutQueue, 0)
  void none.backend.acquire()
  const forever = track(none.backend.acquire())
  none.clock.advance(10_000_000)
  await flush()
  t.equal(forever.state, 'pending')
  t.equal(none.clock.pending, 0, 'no timer is armed')
})

t.test('one timer serves every waiter: re-armed for the next oldest, in a server queue too', async (t) => {
  const { backend, clock } = makeBackend({ timeoutQueue: 1000, servers: [{ maxconn: 1 }, { maxconn: 1 }] })
  const s1 = backend.servers[0]!
  const held = await backend.acquire({ pinned: s1 })
  const first = track(backend.acquire({ pinned: s1 })) // s1's queue, t=0
  clock.advance(400)
  const second = track(backend.acquire({ pinned: s1 })) // t=400
  t.equal(clock.pending, 1)
  held.release() // first is served at 400; the timer still points at 1000
  clock.advance(600)
  await flush()
  t.equal(first.state, 'ok')
  t.equal(first.lease!.queuedFor, 400)
  t.equal(second.state, 'pending', 'the timer fired at 1000 and re-armed for 1400')
  t.equal(clock.pending, 1)
  const events: [string | undefined, number][] = []
  backend.on('queue:timeout', (server, queuedFor) => events.push([server?.name, queuedFor]))
  clock.advance(400)
  await flush()
  t.equal(codeOf(second), 'SWY_ERR_QUEUE_TIMEOUT')
  t.same((second.error as { details: unknown }).details, { backend: 'be', server: 's1', queuedFor: 1000 })
  t.same(events, [['s1', 1000]])
  t.equal(backend.counters().servers[0]!.timeouts, 1)
})

t.test('a timer firing early (real timers may) re-arms for the remainder', async (t) => {
  const clock = new FakeClock()
  let early: (() => void) | undefined
  const scheduler = {
    schedule: (delay: number, fn: () => void) => {
      if (early === undefined) {
        early = fn
        return { cancel() {} }
      }
      return clock.schedule(delay, fn)
    },
  }
  const backend = new Backend('be', { balance: { algorithm: 'roundrobin' }, timeoutQueue: 100, servers: [{ name: 's1', address: 'a', maxconn: 1 }] }, { clock, scheduler, random: () => 0 })
  void backend.acquire()
  const waiting = track(backend.acquire())
  clock.advance(50)
  early!() // fires 50 ms too early
  await flush()
  t.equal(waiting.state, 'pending')
  clock.advance(50)
  await flush()
  t.equal(codeOf(waiting), 'SWY_ERR_QUEUE_TIMEOUT')
})

t.test('maxqueue: persistence without redispatch → 503; with redispatch → rebalanced; hashing → always 503', async (t) => {
  const servers = [{ maxconn: 1, maxqueue: 1 }, { maxconn: 1 }]
  const plain = makeBackend({ servers })
  const s1 = plain.backend.servers[0]!
  const full: [string, number][] = []
  plain.backend.on('queue:full', (server, depth) => full.push([server.name, depth]))
  t.equal(plain.backend.tryAcquire({ pinned: s1 }).status, 'ok')
  const queued = track(plain.backend.acquire({ pinned: s1 }))
  const admission = plain.backend.tryAcquire({ pinned: s1 })
  t.same(admission, { status: 'full', server: s1 })
  const refused = track(plain.backend.acquire({ pinned: s1 }))
  await flush()
  t.equal(queued.state, 'pending')
  t.equal(codeOf(refused), 'SWY_ERR_QUEUE_FULL')
  t.same((refused.error as { details: unknown }).details, { backend: 'be', server: 's1' })
  t.same(full, [['s1', 1], ['s1', 1]])
  t.equal(plain.backend.counters().full, 2)
  t.equal(plain.backend.counters().servers[0]!.full, 2)
  t.equal(plain.backend.counters().beconn, 2, 'refusals are not counted as attached')

  const redispatch = makeBackend({ servers, redispatch: true })
  const r1 = redispatch.backend.servers[0]!
  void redispatch.backend.acquire({ pinned: r1 })
  void redispatch.backend.acquire({ pinned: r1 })
  const moved = track(redispatch.backend.acquire({ pinned: r1 }))
  await flush()
  t.equal(moved.lease?.server.name, 's2', 'persistence dropped, balanced to s2')
  t.equal(redispatch.backend.counters().redispatched, 1)
  const again = track(redispatch.backend.acquire({ pinned: r1 }))
  await flush()
  t.equal(codeOf(again), undefined)
  t.equal(again.state, 'pending', 'rebalanced into the backend queue when every server is full')

  const hashed = makeBackend({
    servers: [{ maxconn: 1, maxqueue: 1 }],
    redispatch: true,
    balance: { algorithm: 'hash', key: { kind: 'uri' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 },
  })
  const request = { uri: '/a' }
  void hashed.backend.acquire(request)
  const waits = hashed.backend.tryAcquire(request)
  t.same(waits, { status: 'queued', server: hashed.backend.servers[0] }, 'a hashed request waits on its server’s queue')
  void hashed.backend.acquire(request)
  const no = track(hashed.backend.acquire(request))
  await flush()
  t.equal(codeOf(no), 'SWY_ERR_QUEUE_FULL', 're-hashing gives the same server, so redispatch cannot help')
})

t.test('hashing waits on the hashed server even when another server is idle', async (t) => {
  const { backend } = makeBackend({
    servers: [{ maxconn: 1 }, { maxconn: 1 }],
    balance: { algorithm: 'hash', key: { kind: 'uri' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 },
  })
  const first = await backend.acquire({ uri: '/x' })
  const second = track(backend.acquire({ uri: '/x' }))
  await flush()
  t.equal(second.state, 'pending')
  t.equal(first.server.queued, 1)
  t.equal(backend.counters().queued, 0, 'not in the backend queue')
  first.release()
  await flush()
  t.equal(second.lease?.server, first.server)
})

t.test('§3.3 verified priority order: B C D E F queued → served D, E, B, F, C', async (t) => {
  const { backend, clock } = makeBackend({ servers: [{ maxconn: 1 }] })
  const long = await backend.acquire()
  const order: string[] = []
  const requests: [string, number, number][] = [['B', 0, 0], ['C', 5, 0], ['D', -1, 0], ['E', 0, -5000], ['F', 0, 5000]]
  for (const [name, priorityClass, priorityOffset] of requests) {
    clock.advance(1)
    void backend.acquire({ priorityClass, priorityOffset }).then((lease) => {
      order.push(name)
      lease.release()
    })
  }
  long.release()
  for (let i = 0; i < 5; i++) await flush()
  t.same(order, ['D', 'E', 'B', 'F', 'C'])
})

t.test('§3.5: own queue vs backend queue — class, then time; an exact tie goes to the own queue', async (t) => {
  const cases: [string, { priorityClass?: number; priorityOffset?: number }, { priorityClass?: number; priorityOffset?: number }, string][] = [
    ['tie → own', {}, {}, 'own'],
    ['lower class in the backend queue wins', {}, { priorityClass: -1 }, 'backend'],
    ['lower class in the own queue wins', { priorityClass: -1 }, {}, 'own'],
    ['earlier time in the backend queue wins', {}, { priorityOffset: -10 }, 'backend'],
    ['earlier time in the own queue wins', { priorityOffset: -10 }, {}, 'own'],
  ]
  for (const [name, own, shared, winner] of cases) {
    const { backend } = makeBackend({ servers: [{ maxconn: 1 }] })
    const s1 = backend.servers[0]!
    const held = await backend.acquire()
    // backend queue first in arrival order, so that the tie is decided by the queue, not by arrival
    const fromBackend = track(backend.acquire(shared))
    const fromOwn = track(backend.acquire({ ...own, pinned: s1 }))
    t.equal(backend.counters().queued, 1)
    t.equal(s1.queued, 1)
    held.release()
    await flush()
    t.equal(fromOwn.state === 'ok' ? 'own' : 'backend', winner, name)
    t.equal([fromOwn, fromBackend].filter((x) => x.state === 'ok').length, 1)
  }
})

t.test('abort while queued: rejects with signal.reason, nothing reaches a server, removal keeps the others’ order', async (t) => {
  const { backend, clock } = makeBackend({ timeoutQueue: 1000, servers: [{ maxconn: 1 }] })
  const aborts: [string | undefined, number][] = []
  backend.on('queue:abort', (server, queuedFor) => aborts.push([server?.name, queuedFor]))
  const acquired: string[] = []
  backend.on('lease:acquire', (lease) => acquired.push(lease.server.name))
  const held = await backend.acquire()
  const controllers = Array.from({ length: 5 }, () => new AbortController())
  const order: number[] = []
  const waiting = controllers.map((c, i) => {
    const promise = backend.acquire({ signal: c.signal })
    promise.then(() => order.push(i), () => {})
    return track(promise)
  })
  clock.advance(10)
  const reason = new Error('client went away')
  controllers[2]!.abort(reason)
  controllers[0]!.abort()
  await flush()
  t.equal(waiting[2]!.error, reason)
  t.equal((waiting[0]!.error as Error).name, 'AbortError')
  t.same(aborts, [[undefined, 10], [undefined, 10]])
  t.equal(backend.counters().waiting, 3)
  t.equal(backend.counters().aborts, 2)
  t.equal(backend.counters().beconn, 4)
  t.same(acquired, ['s1'])
  // the others are served in order
  held.release()
  await flush()
  waiting[1]!.lease!.release()
  await flush()
  waiting[3]!.lease!.release()
  await flush()
  t.same(order, [1, 3, 4])
  t.same(acquired, ['s1', 's1', 's1', 's1'])
  // aborting after being served changes nothing
  controllers[1]!.abort()
  t.equal(backend.counters().aborts, 2)
  t.equal(waiting[1]!.state, 'ok')
})

t.test('abort in a server queue; already-aborted signals are refused before admission', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }] })
  const s1 = backend.servers[0]!
  await backend.acquire()
  const controller = new AbortController()
  const pinned = track(backend.acquire({ pinned: s1, signal: controller.signal }))
  t.equal(s1.queued, 1)
  controller.abort()
  await flush()
  t.equal(pinned.state, 'error')
  t.equal(s1.queued, 0)
  t.equal(backend.counters().servers[0]!.aborts, 1)
  const gone = track(backend.acquire({ signal: AbortSignal.abort('late') }))
  await flush()
  t.equal(gone.error, 'late')
  t.equal(backend.counters().beconn, 1, 'never counted')
})

t.test('tryAcquire: ok, queued (server or backend queue), nosrv, closed — and nothing leaks when the caller does not wait', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }, { maxconn: 1 }] })
  const [s1, s2] = backend.servers as [never, never]
  const a = backend.tryAcquire()
  t.equal(a.status, 'ok')
  const b = backend.tryAcquire()
  t.equal(b.status, 'ok')
  t.same(backend.tryAcquire(), { status: 'queued', server: undefined })
  t.same(backend.tryAcquire({ pinned: s1 }), { status: 'queued', server: s1 })
  const c = backend.counters()
  t.same([c.beconn, c.waiting, c.queued, c.served], [2, 0, 0, 2], 'a queued decision reserves nothing')
  if (a.status === 'ok') a.lease.release()
  t.same(backend.tryAcquire({ pinned: s1 }).status, 'ok')
  backend.setAdmin(s1, 'maint')
  backend.setAdmin(s2, 'maint')
  const nosrv: number[] = []
  backend.on('nosrv', () => nosrv.push(backend.counters().beconn))
  t.same(backend.tryAcquire(), { status: 'nosrv' })
  const rejected = track(backend.acquire())
  await flush()
  t.equal(codeOf(rejected), 'SWY_ERR_NO_SERVER')
  t.same(nosrv, [2, 2])
  t.equal(backend.counters().noServer, 2)
  backend.close()
  t.same(backend.tryAcquire(), { status: 'closed' })
})

t.test('a lease releases once; the second call is a no-op', async (t) => {
  const { backend } = makeBackend({ servers: [{ maxconn: 1 }] })
  const released: [string, string, number | undefined][] = []
  backend.on('lease:release', (lease, outcome, status) => released.push([lease.server.name, outcome, status]))
  const lease = await backend.acquire()
  const next = track(backend.acquire())
  lease.release('bad-response', 502)
  lease.release()
  await flush()
  t.equal(next.state, 'ok')
  t.equal(backend.servers[0]!.served, 1)
  t.same(released, [['s1', 'bad-response', 502]])
  next.lease!.release()
  t.same(released[1], ['s1', 'ok', undefined])
  t.equal((lease as unknown as { released: boolean }).released, true)
})

t.test('close rejects every waiter with SWY_ERR_CLOSED; leases may still be released; closing twice is harmless', async (t) => {
  const { backend, clock } = makeBackend({ timeoutQueue: 1000, servers: [{ maxconn: 1 }, { maxconn: 1 }] })
  const s2 = backend.servers[1]!
  const lease = await backend.acquire()
  await backend.acquire()
  const waiting = [track(backend.acquire()), track(backend.acquire({ pinned: s2 }))]
  let closedEvents = 0
  backend.on('backend:close', () => closedEvents++)
  backend.close()
  backend.close()
  t.equal(backend.closed, true)
  t.equal(closedEvents, 1)
  const after = track(backend.acquire())
  await flush()
  t.same(waiting.map(codeOf), ['SWY_ERR_CLOSED', 'SWY_ERR_CLOSED'])
  t.equal(codeOf(after), 'SWY_ERR_CLOSED')
  t.equal(clock.pending, 0)
  t.equal(s2.queued, 0)
  lease.release()
  backend.processQueue('s1')
  const c = backend.counters()
  t.same([c.served, c.waiting, c.beconn], [1, 0, 1])
})

t.test('errors: unknown servers and invalid limits', async (t) => {
  const { backend } = makeBackend()
  const other = makeBackend().backend.servers[0]!
  t.throws(() => backend.setAdmin('nope', 'drain'), { code: 'SWY_ERR_UNKNOWN_SERVER' })
  t.throws(() => backend.setAdmin(other, 'drain'), { code: 'SWY_ERR_UNKNOWN_SERVER' }, 'a same-named server of another backend')
  t.throws(() => backend.setMaxconn('s1', -1), { code: 'SWY_ERR_INVALID_OPTION' })
  t.throws(() => backend.setMaxqueue('s1', 1.5), { code: 'SWY_ERR_INVALID_OPTION' })
  t.throws(() => backend.addServer({ name: 's1', address: 'x' }), { code: 'SWY_ERR_DUPLICATE_SERVER' })
  t.equal(backend.server('s1'), backend.servers[0])
  t.equal(backend.server('nope'), undefined)
})
