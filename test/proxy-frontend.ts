import t from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { createProxy } from '../lib/proxy.js'
import type { HttpLogEntry } from '../lib/adapters/types.js'
import { echo, listen, send, upstream } from './fixtures/http.js'
import { rawRequest } from './fixtures/raw-client.js'

const portOf = (server: http.Server): number => (server.address() as AddressInfo).port

t.test('two frontends share one backend: one round robin, one set of counters', async (t) => {
  const proxy = createProxy()
  t.teardown(() => proxy.close())
  const web = proxy.addBackend('web')
  for (const name of ['s1', 's2']) web.addServer(name, { address: await upstream(t, echo(name)) })
  const logA: HttpLogEntry[] = []
  const a = proxy.frontend('a', { defaultBackend: 'web', log: (e) => logA.push(e) })
  const b = proxy.frontend('b', { defaultBackend: 'web', monitorUri: '/alive' })
  t.equal(a.name, 'a')
  const pa = portOf(await a.listen())
  const pb = portOf(await b.listen(0, '127.0.0.1'))
  const seen: string[] = []
  for (const port of [pa, pb, pa, pb]) seen.push((await send(port)).headers['x-server'] as string)
  t.same(seen, ['s1', 's2', 's1', 's2'], 'the backend balances across both frontends')
  t.equal(web.counters().total, 4)
  t.equal((await send(pb, { path: '/alive' })).status, 200, 'monitor-uri of frontend b')
  t.equal((await send(pa, { path: '/alive' })).headers['x-server'], 's1', 'frontend a has no monitor-uri: forwarded')
  t.equal(logA.length, 3, 'only frontend a logs')
  t.equal(a.options.monitorUri, undefined)
  t.equal(b.options.monitorUri, '/alive')
  t.end()
})

t.test('a backend added later is seen by existing frontends; rules route per frontend', async (t) => {
  const proxy = createProxy()
  t.teardown(() => proxy.close())
  proxy.addBackend('one').addServer('s1', { address: await upstream(t, echo('one')) })
  const fe = proxy.frontend('fe', {
    defaultBackend: 'one',
    rules: { request: [{ action: 'use-backend', backend: 'two', if: { kind: 'path', match: { op: 'prefix', values: '/two' } } }] },
  })
  t.throws(() => fe.listen(), { code: 'SWY_ERR_UNKNOWN_BACKEND' }, 'a rule naming an unknown backend is refused at listen')
  const port = portOf(await (async () => {
    // Handlers built before the backend existed are rebuilt once it is added.
    const server = http.createServer(fe.handler)
    await listen(t, server)
    return server
  })())
  t.equal((await send(port, { path: '/one' })).headers['x-server'], 'one')
  proxy.addBackend('two').addServer('s2', { address: await upstream(t, echo('two')) })
  t.equal((await send(port, { path: '/two' })).headers['x-server'], 'two')
  t.equal((await send(port, { path: '/other' })).headers['x-server'], 'one')
  t.end()
})

t.test('no default backend: 503; invalid options name the frontend', async (t) => {
  const proxy = createProxy()
  t.teardown(() => proxy.close())
  proxy.addBackend('web')
  const fe = proxy.frontend('bare')
  const port = portOf(await fe.listen())
  t.equal((await send(port)).status, 503)
  t.throws(() => proxy.frontend('bad', { monitorUri: 'x' }), /frontend "bad".*monitorUri/)
  t.throws(() => proxy.frontend('bad', { rules: { defaultBackend: 'web', request: [{ action: 'nope' }] as never } }), { code: 'SWY_ERR_INVALID_OPTION' })
  t.throws(() => proxy.frontend('x', { defaultBackend: 'missing' }).listen(), { code: 'SWY_ERR_UNKNOWN_BACKEND' })
  t.equal(proxy.frontend('trusting', { defaultBackend: 'web', trustedProxies: ['10.0.0.0/8'] }).name, 'trusting', 'trusted proxies without rules')
  const withTable = proxy.frontend('tp', { defaultBackend: 'web', trustedProxies: '10.0.0.0/8', rules: { defaultBackend: 'web' } })
  t.ok(withTable.handler)
  t.end()
})

t.test('closing the proxy closes its frontends: 503 on the handler and on upgrades', async (t) => {
  const proxy = createProxy()
  const wss = new WebSocketServer({ noServer: true })
  const up = http.createServer()
  up.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(m))))
  const upPort = await listen(t, up)
  proxy.addBackend('ws').addServer('s1', { address: `127.0.0.1:${upPort}` })
  const fe = proxy.frontend('fe', { defaultBackend: 'ws' })
  const server = await fe.listen()
  const port = portOf(server)
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send('hello')
  t.equal(String(await new Promise((resolve) => ws.once('message', resolve))), 'hello', 'upgrades go through a frontend')
  ws.close()
  // An application server mounting the frontend's handlers outlives the proxy's close.
  const own = http.createServer(fe.handler)
  own.on('upgrade', fe.upgrade)
  const ownPort = await listen(t, own)
  await proxy.close()
  t.equal(server.listening, false, 'the frontend server was closed')
  t.equal((await send(ownPort)).status, 503)
  const raw = await new Promise<string>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: ownPort, headers: { connection: 'upgrade', upgrade: 'websocket' } })
    req.on('response', (res) => resolve(String(res.statusCode)))
    req.on('upgrade', () => resolve('upgraded'))
    req.end()
  })
  t.equal(raw, '503')
  t.end()
})

t.test('spreadChecks is proxy-wide: validated by createProxy, ignored by frontend()', (t) => {
  t.throws(() => createProxy({ spreadChecks: 60 }), { code: 'SWY_ERR_INVALID_OPTION', message: /spreadChecks/ })
  const proxy = createProxy({ spreadChecks: 10 })
  t.equal(proxy.frontend('fe', { spreadChecks: 99 }).name, 'fe')
  t.end()
})

t.test('a frontend listener refuses CONNECT with 400 and closes the connection', async (t) => {
  const proxy = createProxy()
  t.teardown(() => proxy.close())
  proxy.addBackend('web').addServer('a', { address: await upstream(t, echo('a')) })
  const front = proxy.frontend('f', { defaultBackend: 'web' })
  const port = portOf(await front.listen())
  const res = await rawRequest(port, 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n')
  t.same(res.responses.map((r) => r.status), [400])
  t.equal(res.closed, true)
})
