import t from 'tap'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createTcpHandler, listenTcp } from '../../lib/adapters/tcp.js'
import type { TcpLogEntry } from '../../lib/adapters/tcp-types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { client, collect, startProxy, startServer, tcpBackend, until } from '../fixtures/tcp.js'

t.test('monitor-net: probes are closed at once, never forwarded, logged nor counted', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const logged: TcpLogEntry[] = []
  const proxy = await startProxy(tcpBackend(clock, [upstream.port]), clock, { monitorNet: ['10.0.0.0/8', '127.0.0.0/8'], log: (e) => logged.push(e) })
  const probes: string[] = []
  proxy.handler.events.on('connection:monitor', (address) => probes.push(address))
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.write('hello?')
  t.equal((await got).length, 0, 'closed with nothing sent back')
  t.same(probes, ['127.0.0.1'])
  t.equal(upstream.sockets.length, 0)
  t.same(logged, [])
  t.match(proxy.handler.counters(), { connections: 0, active: 0, bytesIn: 0, servers: [] })
})

t.test('monitor-net does not match other clients (a single network given as a string)', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const proxy = await startProxy(tcpBackend(clock, [upstream.port]), clock, { monitorNet: '::1' })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.end('through')
  t.equal((await got).toString(), 'through')
})

t.test('close(): a connection in the data phase ends as KD, its lease released', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [upstream.port])
  const proxy = await startProxy(backend, clock)
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  const got = collect(c)
  c.write('x')
  await until(() => proxy.handler.counters().bytesOut === 1, 'echoed')
  proxy.handler.close()
  t.match(await proxy.entry(), { termination: 'KD', bytesIn: 1, bytesOut: 1 })
  await got
  t.equal(backend.counters().served, 0)
  t.equal(clock.pending, 0)
  proxy.handler.close()
  t.equal(proxy.logs.length, 1, 'closing twice changes nothing')
})

t.test('the log hook gets each entry; a throwing hook is ignored; no hook, no listener: nothing built', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [upstream.port])
  const seen: string[] = []
  const handler = createTcpHandler(backend, {
    deps: { clock, scheduler: clock },
    log: (e) => {
      seen.push(e.termination)
      throw new Error('a broken logger')
    },
  })
  const server = await listenTcp(handler, { port: 0, host: '127.0.0.1' })
  const quiet = createTcpHandler(backend, { deps: { clock, scheduler: clock } })
  const quietServer = await listenTcp(quiet, { port: 0, host: '127.0.0.1' })
  t.teardown(async () => {
    server.close()
    quietServer.close()
    await upstream.close()
  })
  for (const s of [server, quietServer]) {
    const c = await client((s.address() as AddressInfo).port)
    const got = collect(c)
    c.end('z')
    t.equal((await got).toString(), 'z')
  }
  await until(() => quiet.counters().active === 0 && handler.counters().active === 0, 'both ended')
  t.same(seen, ['--'])
  t.equal(quiet.counters().connections, 1)
})

t.test('listenTcp rejects when the address is taken', async (t) => {
  const clock = new FakeClock()
  const handler = createTcpHandler(tcpBackend(clock, [1]), { deps: { clock, scheduler: clock } })
  const first = await listenTcp(handler, { port: 0, host: '127.0.0.1' })
  t.teardown(() => first.close())
  const port = (first.address() as AddressInfo).port
  await t.rejects(listenTcp(handler, { port, host: '127.0.0.1' }), { code: 'EADDRINUSE' })
})

t.test('listenTcp: a later error on the listening server (a failed accept) is an event, not a crash', async (t) => {
  const clock = new FakeClock()
  const handler = createTcpHandler(tcpBackend(clock, [1]), { deps: { clock, scheduler: clock } })
  const server = await listenTcp(handler, { port: 0, host: '127.0.0.1' })
  t.teardown(() => server.close())
  const seen: string[] = []
  handler.events.on('listener:error', (error) => seen.push((error as NodeJS.ErrnoException).code ?? '?'))
  server.emit('error', Object.assign(new Error('accept ENFILE'), { code: 'ENFILE', syscall: 'accept' }))
  t.same(seen, ['ENFILE'])
  t.equal(server.listening, true)
})

t.test('listenTcp serves half-open clients (allowHalfOpen)', async (t) => {
  const clock = new FakeClock()
  const handler = createTcpHandler(tcpBackend(clock, [1]), { deps: { clock, scheduler: clock } })
  const server = await listenTcp(handler, { port: 0, host: '127.0.0.1' })
  t.teardown(() => server.close())
  t.equal((server as unknown as { allowHalfOpen: boolean }).allowHalfOpen, true)
  const [accepted, c] = await Promise.all([once(server, 'connection'), client((server.address() as AddressInfo).port)])
  t.equal((accepted as [{ allowHalfOpen: boolean }])[0].allowHalfOpen, true)
  handler.close()
  c.destroy()
})

t.test('the default deps: real timers (unref’d) and the system clock', async (t) => {
  const upstream = await startServer()
  const clock = new FakeClock()
  const handler = createTcpHandler(tcpBackend(clock, [upstream.port]), { timeouts: { client: 20, server: 20 } })
  const server = await listenTcp(handler, { port: 0, host: '127.0.0.1' })
  t.teardown(async () => {
    server.close()
    await upstream.close()
  })
  const ended = new Promise<TcpLogEntry>((resolve) => handler.events.once('connection:end', resolve))
  const c = await client((server.address() as AddressInfo).port)
  c.write('idle after this')
  const entry = await ended
  c.destroy()
  t.equal(entry.termination, 'cD')
  t.ok(entry.Tt >= 20, `closed after ${entry.Tt} ms of real time`)
})
