import t, { type Test } from 'tap'
import type { Socket } from 'node:net'
import type { TcpTimeouts } from '../../lib/adapters/tcp-types.js'
import type { LeaseOutcome } from '../../lib/queue/types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { client, collect, startProxy, startServer, tcpBackend, until, type TestProxy, type TestServer } from '../fixtures/tcp.js'

interface Connected {
  proxy: TestProxy
  upstream: TestServer
  c: Socket
  clock: FakeClock
  released: LeaseOutcome[]
}

/** A proxy with `timeouts` and one connected client, its upstream socket accepted. */
async function connected(t: Test, timeouts: TcpTimeouts, onConnection: Parameters<typeof startServer>[0] = () => {}): Promise<Connected> {
  const clock = new FakeClock()
  const upstream = await startServer(onConnection)
  const backend = tcpBackend(clock, [upstream.port])
  const released: LeaseOutcome[] = []
  backend.on('lease:release', (_l, outcome) => released.push(outcome))
  const proxy = await startProxy(backend, clock, { timeouts })
  t.teardown(async () => {
    await proxy.close()
    await upstream.close()
  })
  const c = await client(proxy.port)
  await until(() => upstream.sockets.length === 1 && proxy.handler.counters().servers.length === 1, 'connected')
  // The proxy reports DATA once its own 'connect' fired: wait for a relayed byte.
  c.write('.')
  await until(() => upstream.data(0).length === 1, 'first byte relayed')
  return { proxy, upstream, c, clock, released }
}

t.test('timeout client in the data phase: cD, both sides closed', async (t) => {
  const { proxy, upstream, c, clock, released } = await connected(t, { client: 1000, server: 5000 })
  const closed = collect(c)
  clock.advance(999)
  t.equal(proxy.logs.length, 0)
  clock.advance(1)
  t.match(await proxy.entry(), { termination: 'cD', Tt: 1000 })
  await closed
  await until(() => upstream.sockets[0]!.readableEnded, 'server side closed')
  t.same(released, ['client-abort'])
  t.match(proxy.handler.counters(), { clientAborts: 1, servers: [{ clientAborts: 1 }] })
  t.equal(clock.pending, 0)
})

t.test('timeout server shorter than timeout client: sD, outcome response-timeout', async (t) => {
  const { proxy, clock, released } = await connected(t, { client: 5000, server: 500 })
  clock.advance(500)
  t.match(await proxy.entry(), { termination: 'sD' })
  t.same(released, ['response-timeout'])
  t.match(proxy.handler.counters(), { serverAborts: 1, responseErrors: 0 })
})

t.test('traffic in either direction defers the idle timeout', async (t) => {
  const { proxy, upstream, c, clock } = await connected(t, { client: 1000, server: 1000 })
  clock.advance(600)
  upstream.sockets[0]!.write('from the server')
  await until(() => proxy.handler.counters().bytesOut === 15, 'relayed to the client')
  clock.advance(600)
  t.equal(proxy.logs.length, 0, 'alive 1200 ms after the start')
  c.write('from the client')
  await until(() => upstream.data(0).length === 16, 'relayed to the server')
  clock.advance(999)
  t.equal(proxy.logs.length, 0)
  clock.advance(1)
  t.match(await proxy.entry(), { termination: 'cD', Tt: 2200 })
})

t.test('timeout tunnel replaces client and server once connected', async (t) => {
  const { proxy, clock } = await connected(t, { client: 1000, server: 1000, tunnel: 10_000 })
  clock.advance(9999)
  t.equal(proxy.logs.length, 0, 'neither client nor server timeout applies')
  clock.advance(1)
  t.match(await proxy.entry(), { termination: 'cD', Tt: 10_000 })
})

t.test('no timeout at all: no timer runs in the data phase', async (t) => {
  const { proxy, c, clock } = await connected(t, { client: 0, server: 0 })
  t.equal(clock.pending, 0)
  clock.advance(3_600_000)
  c.end()
  await until(() => proxy.logs.length === 0 && c.writableFinished, 'FIN sent')
  t.equal(proxy.logs.length, 0)
})

t.test('timeout client-fin: the client left half-open after the server FIN', async (t) => {
  let server: Socket | undefined
  const { proxy, c, clock } = await connected(t, { client: 10_000, server: 10_000, clientFin: 200 }, (s) => (server = s))
  const got = collect(c)
  server!.end('bye')
  t.equal((await got).toString(), 'bye')
  clock.advance(199)
  t.equal(proxy.logs.length, 0)
  clock.advance(1)
  t.match(await proxy.entry(), { termination: 'cD' })
})

t.test('timeout server-fin: the server left half-open after the client FIN', async (t) => {
  const { proxy, upstream, c, clock } = await connected(t, { client: 10_000, server: 10_000, tunnel: 20_000, serverFin: 300 })
  c.end()
  await until(() => upstream.sockets[0]!.readableEnded, 'FIN relayed')
  clock.advance(299)
  t.equal(proxy.logs.length, 0)
  clock.advance(1)
  t.match(await proxy.entry(), { termination: 'sD' })
})

t.test('half-closed without *-fin timeouts: the side timeouts still apply', async (t) => {
  const { proxy, upstream, c, clock } = await connected(t, { client: 0, server: 400 })
  c.end()
  await until(() => upstream.sockets[0]!.readableEnded, 'FIN relayed')
  clock.advance(400)
  t.match(await proxy.entry(), { termination: 'sD' })
})

t.test('a deadline that fires early (fake timer skew) re-arms for the rest', async (t) => {
  const { proxy, c, clock } = await connected(t, { client: 1000, server: 1000 })
  // Activity right before the deadline: the first expiry finds 600 ms of idleness and waits 400 more.
  clock.advance(400)
  c.write('x')
  await until(() => proxy.handler.counters().bytesIn === 2, 'relayed')
  clock.advance(600)
  t.equal(proxy.logs.length, 0)
  t.equal(clock.pending, 1, 're-armed')
  clock.advance(400)
  t.match(await proxy.entry(), { termination: 'cD', Tt: 1400 })
})
