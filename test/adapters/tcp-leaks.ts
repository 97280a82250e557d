import t from 'tap'
import type { Socket } from 'node:net'
import { FakeClock } from '../fixtures/fake-clock.js'
import { client, collect, startProxy, startServer, tcpBackend, until } from '../fixtures/tcp.js'

t.test('no leaked handles after connections ending every way', async (t) => {
  const clock = new FakeClock()
  const upstream = await startServer()
  const backend = tcpBackend(clock, [{ address: `127.0.0.1:${upstream.port}`, maxconn: 3 }], { timeoutQueue: 60_000 })
  const proxy = await startProxy(backend, clock, { timeouts: { client: 5000, server: 5000 } })
  const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
  const baseline = sockets()
  const clients: Array<{ c: Socket; port: number; done: Promise<Buffer> }> = []
  for (let i = 0; i < 12; i++) {
    const c = await client(proxy.port)
    const done = collect(c)
    c.write(`#${i}`)
    clients.push({ c, port: c.localPort!, done })
  }
  await until(() => upstream.sockets.length === 3 && backend.counters().waiting === 9, 'three served, nine queued')
  clients[0]!.c.end()
  await until(() => upstream.data(3).length === 2, '#3 connected')
  clients[1]!.c.resetAndDestroy()
  await until(() => upstream.data(4).length === 2, '#4 connected')
  clients[5]!.c.resetAndDestroy()
  await until(() => proxy.logs.length === 3, 'three ended')
  // Every other connection idles out at once: the served ones in data, the queued ones while
  // queued, three of them in the very tick their slot is granted.
  clock.advance(5000)
  await until(() => proxy.logs.length === 12, 'all twelve ended')
  const byPort = new Map(proxy.logs.map((e) => [e.clientPort, e.termination]))
  t.same(
    clients.map((x) => byPort.get(x.port)),
    ['--', 'CD', 'cD', 'cD', 'cD', 'CQ', 'cQ', 'cQ', 'cQ', 'cQ', 'cQ', 'cQ'],
  )
  for (const { c, done } of clients) {
    await done
    c.destroy()
  }
  await until(() => upstream.active === 0, 'every server connection closed')
  await until(() => sockets() === baseline, 'socket handles back to the baseline')
  t.equal(proxy.handler.counters().active, 0)
  t.match(backend.counters(), { served: 0, waiting: 0, beconn: 0, total: 8 })
  // The backend's own queue timer may still be armed for the waiters that left; it runs out.
  clock.advance(60_000)
  t.equal(clock.pending, 0, 'no timer left')
  await proxy.close()
  await upstream.close()
})
