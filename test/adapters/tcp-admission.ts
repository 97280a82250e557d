import t from 'tap'
import type { Socket } from 'node:net'
import type { TcpLeaseSource } from '../../lib/adapters/tcp-types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { client, collect, payload, startProxy, startServer, tcpBackend, until } from '../fixtures/tcp.js'

/** A source with only `acquire` (no synchronous fast path). */
function acquireOnly(source: TcpLeaseSource): TcpLeaseSource {
  return { name: source.name, acquire: (request) => source.acquire(request) }
}

t.test('maxconn 2: five connections, never more than two at the server, the rest queued in order', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [{ address: '', maxconn: 2 }].map(() => ({ address: `127.0.0.1:${upstream.port}`, maxconn: 2 })), { timeoutQueue: 10_000 })
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const clients: Socket[] = []
  const replies: Promise<Buffer>[] = []
  for (let i = 0; i < 5; i++) {
    const c = await client(proxy.port)
    replies.push(collect(c))
    c.write(`client ${i};`)
    clients.push(c)
  }
  await until(() => upstream.sockets.length === 2 && backend.counters().waiting === 3, 'two served, three queued')
  t.equal(upstream.active, 2)
  for (let i = 0; i < 5; i++) {
    clients[i]!.end()
    t.equal((await replies[i]!).toString(), `client ${i};`, `client ${i} served`)
    await until(() => upstream.sockets.length === Math.min(5, i + 3), `connection ${i + 3}`)
  }
  await until(() => proxy.logs.length === 5, 'all logged')
  t.equal(upstream.maxActive, 2, 'the server never saw more than maxconn')
  t.same(
    upstream.received.map((chunks) => Buffer.concat(chunks).toString()),
    ['client 0;', 'client 1;', 'client 2;', 'client 3;', 'client 4;'],
    'queued connections reached the server in arrival order, with their early bytes',
  )
  t.same(proxy.logs.map((e) => e.termination), ['--', '--', '--', '--', '--'])
  t.match(backend.counters(), { served: 0, waiting: 0, maxServed: 2, total: 5 })
})

t.test('queue timeout: sQ, nothing reaches a server', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer(() => {})
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 1 }], { timeoutQueue: 3000 })
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  await client(proxy.port)
  await until(() => upstream.sockets.length === 1, 'first served')
  const second = await client(proxy.port)
  const closed = collect(second)
  await until(() => backend.counters().waiting === 1, 'second queued')
  clock.advance(3000)
  t.match(await proxy.entry(), { termination: 'sQ', server: '<NOSRV>', Tw: 3000, Tc: -1, Tt: 3000 })
  await closed
  t.equal(upstream.sockets.length, 1)
})

t.test('a client leaving while queued: CQ, its waiter is removed', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer(() => {})
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 1 }])
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  await client(proxy.port)
  await until(() => upstream.sockets.length === 1, 'first served')
  const second = await client(proxy.port)
  await until(() => backend.counters().waiting === 1, 'second queued')
  clock.advance(250)
  second.resetAndDestroy()
  t.match(await proxy.entry(), { termination: 'CQ', server: '<NOSRV>', Tw: 250 })
  t.match(backend.counters(), { waiting: 0, aborts: 1 })
})

t.test('a client timing out while queued: cQ', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer(() => {})
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 1 }], { timeoutQueue: 60_000 })
  // The connected first client is under `tunnel`; the queued one under `client`.
  const proxy = await startProxy(backend, clock, { timeouts: { client: 2000, tunnel: 100_000 } })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const first = await client(proxy.port)
  first.write('keeps the first connection busy')
  await until(() => upstream.sockets.length === 1, 'first served')
  const second = await client(proxy.port)
  await until(() => backend.counters().waiting === 1, 'second queued')
  clock.advance(1000)
  second.write('activity')
  await until(() => proxy.handler.counters().bytesIn === 31 + 8, 'bytes held')
  clock.advance(1999)
  t.equal(proxy.logs.length, 0, 'activity restarted the client timeout')
  clock.advance(1)
  t.match(await proxy.entry(), { termination: 'cQ', Tw: 3000, bytesIn: 8 })
})

t.test('maxqueue reached: SQ without waiting', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer(() => {})
  // A hashing algorithm sends every connection to its server's own queue.
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 1, maxqueue: 1 }], {
    balance: { algorithm: 'hash', key: { kind: 'source' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 },
  })
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  await client(proxy.port)
  await until(() => upstream.sockets.length === 1, 'first served')
  await client(proxy.port)
  await until(() => backend.counters().waiting === 1, 'second queued')
  await client(proxy.port)
  t.match(await proxy.entry(), { termination: 'SQ', server: '<NOSRV>', Tw: 0 })
})

t.test('no usable server, or a closed backend: SC at once', async (t) => {
  const clock = new FakeClock()
  const backend = tcpBackend(clock, [{ address: '127.0.0.1:1', operational: 'down' }])
  const proxy = await startProxy(backend, clock)
  t.teardown(() => proxy.close())
  await client(proxy.port)
  t.match(await proxy.entry(0), { termination: 'SC', server: '<NOSRV>' })
  backend.close()
  await client(proxy.port)
  t.match(await proxy.entry(1), { termination: 'SC', server: '<NOSRV>' })
})

t.test('a source without tryAcquire: every refusal still maps to its state', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer(() => {})
  const hashed = { algorithm: 'hash', key: { kind: 'source' }, type: 'map-based', function: 'sdbm', avalanche: false, balanceFactor: 0 } as const
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 1, maxqueue: 1 }], { balance: hashed, timeoutQueue: 500 })
  const proxy = await startProxy(acquireOnly(backend), clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const first = await client(proxy.port)
  const echoed = collect(first)
  await until(() => upstream.sockets.length === 1, 'first served')
  await client(proxy.port)
  await until(() => backend.counters().waiting === 1, 'second queued')
  await client(proxy.port)
  t.match(await proxy.entry(0), { termination: 'SQ' })
  clock.advance(500)
  t.match(await proxy.entry(1), { termination: 'sQ' })
  backend.setOperational('s1', 'down')
  await client(proxy.port)
  t.match(await proxy.entry(2), { termination: 'SC' })
  first.end()
  upstream.sockets[0]!.end()
  await echoed
  t.match(await proxy.entry(3), { termination: '--', server: 's1' })
})

t.test('close() while queued: KQ; a slot granted in the same tick is given back', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer(() => {})
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 1 }])
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const first = await client(proxy.port)
  await until(() => upstream.sockets.length === 1, 'first served')
  await client(proxy.port)
  await client(proxy.port)
  await until(() => backend.counters().waiting === 2, 'two queued')
  const released: string[] = []
  backend.on('lease:release', (_lease, outcome) => {
    released.push(outcome)
    // The freed slot already went to the next waiter: close before its promise settles.
    if (released.length === 1) proxy.handler.close()
  })
  first.resetAndDestroy()
  await until(() => proxy.logs.length === 3, 'all ended')
  t.same(proxy.logs.map((e) => e.termination).sort(), ['CD', 'KQ', 'KQ'])
  t.same(released, ['client-abort', 'client-abort'], 'the granted slot went back at once')
  t.match(backend.counters(), { served: 0, waiting: 0 })
  t.equal(upstream.sockets.length, 1, 'nothing else reached the server')
  // Connections after close() are closed at once and not counted.
  const late = await client(proxy.port)
  await collect(late)
  t.equal(proxy.handler.counters().connections, 3)
})

t.test('backups take the connections when the active servers are down', async (t) => {
  const clock = new FakeClock()
  const active = await startServer()
  const backup = await startServer()
  const backend = tcpBackend(clock, [
    { address: `127.0.0.1:${active.port}`, operational: 'down' },
    { address: `127.0.0.1:${backup.port}`, backup: true },
  ])
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await active.close()
    await backup.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.end('to the backup')
  t.equal((await got).toString(), 'to the backup')
  t.match(await proxy.entry(), { server: 's2' })
  t.equal(active.sockets.length, 0)
})

t.test('bytes and a FIN sent while queued are held (the client paused past bufferSize), then forwarded in order', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 1 }])
  const proxy = await startProxy(backend, clock, { bufferSize: 1024 })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const first = await client(proxy.port)
  const firstDone = collect(first)
  await until(() => upstream.sockets.length === 1, 'first served')
  const second = await client(proxy.port)
  const got = collect(second)
  const head = Buffer.from('head;')
  second.write(head)
  await until(() => proxy.handler.counters().bytesIn === head.length, 'first bytes held')
  const data = payload(256 * 1024, 3)
  second.end(data)
  await until(() => proxy.accepted[1]?.isPaused() === true, 'the queued client is paused')
  const held = proxy.handler.counters().bytesIn
  t.ok(held >= 1024 && held < data.length, `held ${held} bytes, not the whole upload`)
  first.end()
  await firstDone
  const echoed = await got
  const sent = Buffer.concat([head, data])
  t.equal(echoed.length, sent.length)
  t.ok(echoed.equals(sent), 'the whole upload arrived in order, then the FIN')
  t.match(await proxy.entry(1), { termination: '--', bytesIn: sent.length, bytesOut: sent.length })
  t.match(proxy.handler.counters().servers, [{ bytesIn: sent.length, bytesOut: sent.length }])
})

t.test('a client paused for held bytes resumes as soon as they are written to the server', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 1 }])
  const proxy = await startProxy(backend, clock, { bufferSize: 128 })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const first = await client(proxy.port)
  const firstDone = collect(first)
  await until(() => upstream.sockets.length === 1, 'first served')
  const second = await client(proxy.port)
  const got = collect(second)
  second.write(payload(200, 5))
  await until(() => proxy.accepted[1]?.isPaused() === true, 'paused past 128 bytes')
  first.end()
  await firstDone
  await until(() => proxy.accepted[1]?.isPaused() === false, 'resumed once connected')
  second.end('tail')
  const echoed = await got
  t.ok(echoed.equals(Buffer.concat([payload(200, 5), Buffer.from('tail')])))
})

t.test('a source rejecting with something else than a SwitchyardError: SC', async (t) => {
  const clock = new FakeClock()
  const source: TcpLeaseSource = { name: 'odd', acquire: () => Promise.reject(new Error('boom')) }
  const proxy = await startProxy(source, clock)
  t.teardown(() => proxy.close())
  await client(proxy.port)
  t.match(await proxy.entry(), { termination: 'SC', backend: 'odd', server: '<NOSRV>', Tw: 0 })
})
