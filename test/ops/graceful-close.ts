import t from 'tap'
import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProxy } from '../../lib/proxy.js'
import { send, upstream, until } from '../fixtures/http.js'

t.test('close(): in-flight and queued requests finish within grace; new requests get 503', async (t) => {
  const held: http.ServerResponse[] = []
  const address = await upstream(t, (req, res) => {
    req.resume()
    held.push(res)
  })
  const proxy = createProxy()
  const be = proxy.addBackend('web', { timeouts: { queue: 10_000 } })
  be.addServer('s1', { address, maxconn: 1 })
  const server = await proxy.listen(0)
  const port = (server.address() as AddressInfo).port
  const first = send(port)
  const second = send(port)
  await until(() => held.length === 1 && be.counters().waiting === 1)
  let closed = false
  const closing = proxy.close({ grace: 10_000 }).then(() => (closed = true))
  const late = await new Promise<number>((resolve) => proxy.handler({ url: '/' } as never, { writeHead: () => ({ end: () => resolve(503) }) } as never))
  t.equal(late, 503, 'the handler refuses new work while closing')
  const lateMiddleware = await new Promise<number>((resolve) =>
    proxy.handle({ url: '/' } as never, { writeHead: () => ({ end: () => resolve(503) }) } as never, () => resolve(0)),
  )
  t.equal(lateMiddleware, 503, 'so does the middleware entry point (expressMiddleware, Fastify)')
  const written: string[] = []
  proxy.upgrade({ url: '/' } as never, { end: (text: string) => written.push(text) } as never, Buffer.alloc(0))
  t.match(written[0], /^HTTP\/1\.1 503 Service Unavailable\r\n[\s\S]*connection: close\r\n\r\nService Unavailable: closing\n$/, 'and the upgrade entry point')
  held[0]!.end('one')
  await until(() => held.length === 2)
  t.equal(closed, false, 'still one request in flight')
  held[1]!.end('two')
  t.same([(await first).body, (await second).body], ['one', 'two'])
  await closing
  t.equal(closed, true)
  t.equal(proxy.stats().frontend.status, 'STOP')
  t.equal(proxy.stats().backends[0]!.stot, 2)
})

t.test('close() with grace 0: queued requests are answered 503, in-flight ones finish', async (t) => {
  const held: http.ServerResponse[] = []
  const address = await upstream(t, (req, res) => {
    req.resume()
    held.push(res)
  })
  const proxy = createProxy()
  const be = proxy.addBackend('web', { timeouts: { queue: 10_000 } })
  be.addServer('s1', { address, maxconn: 1 })
  const port = ((await proxy.listen(0)).address() as AddressInfo).port
  const first = send(port)
  const second = send(port)
  await until(() => held.length === 1 && be.counters().waiting === 1)
  const closing = proxy.close()
  t.equal((await second).status, 503)
  held[0]!.end('one')
  t.equal((await first).body, 'one')
  await closing
  t.equal(proxy.close(), closing, 'idempotent: the same promise')
})


t.test('hardStopAfter cuts what is still in flight', async (t) => {
  const address = await upstream(t, (req) => req.resume())
  const proxy = createProxy()
  proxy.addBackend('web').addServer('s1', { address })
  const port = ((await proxy.listen(0)).address() as AddressInfo).port
  const request = send(port).then(
    () => 'answered',
    () => 'cut',
  )
  await until(() => proxy.stats().backends[0]!.scur === 1)
  await proxy.close({ hardStopAfter: 20 })
  t.equal(await request, 'cut')
  t.equal(proxy.stats().backends[0]!.scur, 0)
})
