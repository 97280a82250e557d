import t from 'tap'
import type { Backend } from '../../lib/backend.js'
import type { TcpLeaseSource } from '../../lib/adapters/tcp-types.js'
import type { LeaseOutcome } from '../../lib/queue/types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { blackhole, client, closedPort, collect, startProxy, startServer, tcpBackend, until } from '../fixtures/tcp.js'

/** Records the backend's lease releases. */
function releases(backend: Backend): Array<[string, LeaseOutcome]> {
  const list: Array<[string, LeaseOutcome]> = []
  backend.on('lease:release', (lease, outcome) => list.push([lease.server.name, outcome]))
  return list
}

t.test('a refused server, then another takes over: redispatch on every retry (redispatch 1)', async (t) => {
  const clock = new FakeClock()
  const dead = await closedPort()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [dead, upstream.port])
  const released = releases(backend)
  const proxy = await startProxy(backend, clock, { redispatch: 1 })
  const redispatches: Array<[string, number, LeaseOutcome]> = []
  proxy.handler.events.on('server:redispatch', (server, retry, outcome) => redispatches.push([server.name, retry, outcome]))
  const attempts: Array<[string, number]> = []
  proxy.handler.events.on('server:connect', (server, attempt) => attempts.push([server.name, attempt]))
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.end('ping')
  t.equal((await got).toString(), 'ping')
  const entry = await proxy.entry()
  t.match(entry, { server: 's2', termination: '--', retries: 1, redispatched: true, Tw: 0 })
  t.same(attempts, [
    ['s1', 0],
    ['s2', 1],
  ])
  t.same(redispatches, [['s1', 1, 'connect-error']])
  t.same(released, [
    ['s1', 'connect-error'],
    ['s2', 'ok'],
  ])
  const counters = proxy.handler.counters()
  t.match(counters, { redispatches: 1, retries: 0, connectErrors: 0 })
  t.match(counters.servers, [
    { name: 's1', connections: 1, active: 0, redispatches: 1, connectErrors: 0 },
    { name: 's2', connections: 1, active: 0 },
  ])
  t.equal(clock.pending, 0)
})

t.test('plain `option redispatch`: same-server retries with the turn-around delay, then the last retry moves', async (t) => {
  const clock = new FakeClock()
  const dead = await closedPort()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [dead, upstream.port])
  const released = releases(backend)
  // Without redispatchEveryRetry (the Backend would move at once: two usable round-robin servers).
  const source: TcpLeaseSource = { name: backend.name, acquire: (r) => backend.acquire(r), tryAcquire: (r) => backend.tryAcquire(r) }
  const proxy = await startProxy(source, clock, { redispatch: true, retries: 2, timeouts: { connect: 300 } })
  const retries: Array<[string, number, LeaseOutcome]> = []
  let attempts = 0
  proxy.handler.events.on('server:connect', () => attempts++)
  proxy.handler.events.on('server:retry', (server, retry, outcome) => {
    retries.push([server.name, retry, outcome])
    // The turn-around delay is min(1 s, timeout connect) = 300 ms.
    clock.advance(299)
    t.equal(attempts, 1, 'no new attempt after 299 ms')
    clock.advance(1)
    t.equal(attempts, 2, 'the same server again after 300 ms')
  })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.end('x')
  t.equal((await got).toString(), 'x')
  const entry = await proxy.entry()
  t.match(entry, { server: 's2', termination: '--', retries: 2, redispatched: true, Tw: 300 })
  t.same(retries, [['s1', 1, 'connect-error']])
  t.same(released, [
    ['s1', 'connect-error'],
    ['s2', 'ok'],
  ])
  t.match(proxy.handler.counters().servers, [{ name: 's1', retries: 1, redispatches: 1 }])
})

t.test('without redispatch the retries stay on the refusing server; exhausted → SC', async (t) => {
  const clock = new FakeClock()
  const dead = await closedPort()
  const backend = tcpBackend(clock, [dead, dead])
  const released = releases(backend)
  const proxy = await startProxy(backend, clock, { retries: 2 })
  proxy.handler.events.on('server:retry', () => clock.advance(1000))
  const attempts: string[] = []
  proxy.handler.events.on('server:connect', (server) => attempts.push(server.name))
  t.teardown(() => proxy.close())
  const c = await client(proxy.port)
  const got = collect(c)
  const entry = await proxy.entry()
  await got
  t.ok(c.readableEnded || c.destroyed, 'the client connection is closed')
  t.match(entry, { server: 's1', termination: 'SC', retries: 2, redispatched: false, Tw: 2000, Tc: -1, bytesOut: 0 })
  t.same(attempts, ['s1', 's1', 's1'])
  t.same(released, [['s1', 'connect-error']])
  t.match(proxy.handler.counters(), { connectErrors: 1, retries: 2, servers: [{ name: 's1', connectErrors: 1, retries: 2, active: 0 }] })
  t.equal(backend.counters().served, 0)
})

t.test('retries 0: the first failure is final', async (t) => {
  const clock = new FakeClock()
  const backend = tcpBackend(clock, [await closedPort()])
  const proxy = await startProxy(backend, clock, { retries: 0, redispatch: true })
  t.teardown(() => proxy.close())
  await client(proxy.port)
  t.match(await proxy.entry(), { termination: 'SC', retries: 0, Tw: 0 })
})

t.test('the backend asks for a redispatch on every retry: several usable actives, no hashing', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [await closedPort(), upstream.port])
  t.equal(backend.redispatchEveryRetry(), true)
  const proxy = await startProxy(backend, clock, { redispatch: true, retries: 3 })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.end('y')
  t.equal((await got).toString(), 'y')
  t.match(await proxy.entry(), { server: 's2', retries: 1, redispatched: true, Tw: 0 })
})

t.test('a lease source may ask for it too', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [await closedPort(), upstream.port])
  let asked = 0
  const source: TcpLeaseSource = {
    name: backend.name,
    acquire: (request) => backend.acquire(request),
    redispatchEveryRetry: () => {
      asked++
      return true
    },
  }
  const proxy = await startProxy(source, clock, { redispatch: true, retries: 3 })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.end('z')
  t.equal((await got).toString(), 'z')
  t.match(await proxy.entry(), { server: 's2', retries: 1, redispatched: true })
  t.equal(asked, 1)
})

t.test('a redispatch in a one-server backend comes back to it after the turn-around delay', async (t) => {
  const clock = new FakeClock()
  const backend = tcpBackend(clock, [await closedPort()])
  const released = releases(backend)
  const proxy = await startProxy(backend, clock, { redispatch: 1, retries: 2, timeouts: { connect: 0 } })
  let redispatches = 0
  proxy.handler.events.on('server:redispatch', () => {
    redispatches++
    // No connect timeout: the turn-around delay is 1 s. Let the re-admission happen first.
    setImmediate(() => clock.advance(1000))
  })
  t.teardown(() => proxy.close())
  await client(proxy.port)
  const entry = await proxy.entry()
  t.match(entry, { server: 's1', termination: 'SC', retries: 2, redispatched: true, Tw: 2000 })
  t.equal(redispatches, 2)
  t.same(released, [
    ['s1', 'connect-error'],
    ['s1', 'connect-error'],
    ['s1', 'connect-error'],
  ])
})

t.test('a server address that is not a TCP address fails like a refused connection', async (t) => {
  const clock = new FakeClock()
  const backend = tcpBackend(clock, ['http://127.0.0.1:80/'])
  const released = releases(backend)
  const proxy = await startProxy(backend, clock, { retries: 0 })
  t.teardown(() => proxy.close())
  await client(proxy.port)
  t.match(await proxy.entry(), { server: 's1', termination: 'SC', Tc: -1 })
  t.same(released, [['s1', 'connect-error']])
})

t.test('timeout connect on a blackhole: retried at once, sC after the retries; each attempt has its own timeout', async (t) => {
  const clock = new FakeClock()
  const hole = await blackhole()
  const backend = tcpBackend(clock, [hole.port])
  const released = releases(backend)
  const proxy = await startProxy(backend, clock, { retries: 1, timeouts: { connect: 2000 } })
  let attempts = 0
  proxy.handler.events.on('server:connect', () => attempts++)
  t.teardown(async () => {
    await proxy.close()
    await hole.close()
  })
  await client(proxy.port)
  await until(() => attempts === 1, 'first attempt')
  clock.advance(1999)
  t.equal(proxy.logs.length, 0, 'still connecting at 1999 ms')
  clock.advance(1)
  // No turn-around delay after a connect timeout (HAProxy 2.6: only after a connection error).
  t.equal(attempts, 2, 'retried at once')
  clock.advance(2000)
  const entry = await proxy.entry()
  t.match(entry, { termination: 'sC', retries: 1, Tw: 0, Tc: -1, Tt: 4000 })
  t.same(released, [['s1', 'connect-timeout']])
  t.match(proxy.handler.counters().servers, [{ connectErrors: 1, retries: 1 }])
})

t.test('timeout connect, then redispatch to a live server', async (t) => {
  const clock = new FakeClock()
  const hole = await blackhole()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [hole.port, upstream.port])
  const released = releases(backend)
  const proxy = await startProxy(backend, clock, { redispatch: 1, timeouts: { connect: 500 } })
  let attempts = 0
  proxy.handler.events.on('server:connect', () => attempts++)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
    await hole.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.write('early bytes, held while connecting;')
  await until(() => attempts === 1, 'first attempt')
  clock.advance(500)
  c.end(' then more')
  t.equal((await got).toString(), 'early bytes, held while connecting; then more')
  t.match(await proxy.entry(), { server: 's2', termination: '--', retries: 1, redispatched: true })
  t.same(released, [
    ['s1', 'connect-timeout'],
    ['s2', 'ok'],
  ])
})

t.test('the client leaving while connecting: CC, the attempt is abandoned', async (t) => {
  const clock = new FakeClock()
  const hole = await blackhole()
  const backend = tcpBackend(clock, [hole.port])
  const released = releases(backend)
  const proxy = await startProxy(backend, clock)
  let attempts = 0
  proxy.handler.events.on('server:connect', () => attempts++)
  t.teardown(async () => {
    await proxy.close()
    await hole.close()
  })
  const c = await client(proxy.port)
  await until(() => attempts === 1, 'attempt')
  // A FIN alone would be a half-close, forwarded once connected: leaving means a reset.
  c.resetAndDestroy()
  t.match(await proxy.entry(), { termination: 'CC', server: 's1', Tc: -1 })
  t.same(released, [['s1', 'client-abort']])
  t.equal(clock.pending, 0, 'connect timer cancelled')
})

t.test('the client leaving during the turn-around delay: CC', async (t) => {
  const clock = new FakeClock()
  const backend = tcpBackend(clock, [await closedPort()])
  const released = releases(backend)
  const proxy = await startProxy(backend, clock)
  let retried = false
  proxy.handler.events.on('server:retry', () => (retried = true))
  t.teardown(() => proxy.close())
  const c = await client(proxy.port)
  await until(() => retried, 'a retry')
  c.resetAndDestroy()
  t.match(await proxy.entry(), { termination: 'CC', retries: 1 })
  t.same(released, [['s1', 'client-abort']])
  t.equal(clock.pending, 0)
})

t.test('the client timing out while connecting: cC', async (t) => {
  const clock = new FakeClock()
  const hole = await blackhole()
  const backend = tcpBackend(clock, [hole.port])
  const proxy = await startProxy(backend, clock, { timeouts: { client: 700, connect: 5000 } })
  let attempts = 0
  proxy.handler.events.on('server:connect', () => attempts++)
  t.teardown(async () => {
    await proxy.close()
    await hole.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  await until(() => attempts === 1, 'attempt')
  clock.advance(700)
  t.match(await proxy.entry(), { termination: 'cC', Tt: 700 })
  await got
  t.equal(clock.pending, 0)
})

t.test('source: outgoing connections bind to 127.0.0.2 (backend default, per-server override, runtime change)', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [upstream.port, upstream.port])
  const proxy = await startProxy(backend, clock, { server: { source: '127.0.0.2' }, servers: { s2: { source: '127.0.0.3' } } })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const roundTrip = async (): Promise<void> => {
    const c = await client(proxy.port)
    const got = collect(c)
    c.end('hi')
    await got
  }
  await roundTrip()
  await roundTrip()
  proxy.handler.setServerOptions('s1', { source: '127.0.0.4' })
  await roundTrip()
  t.same(upstream.peers, ['127.0.0.2', '127.0.0.3', '127.0.0.4'])
})
