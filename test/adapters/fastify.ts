import Fastify from 'fastify'
import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { fastifySwitchyard } from '../../lib/adapters/fastify.js'
import { createHttpBackend } from '../../lib/adapters/http-backend.js'
import { createHttpHandler } from '../../lib/adapters/node-http.js'
import { createRouter } from '../../lib/routing/router.js'
import { echo, listen, send, upstream } from '../fixtures/http.js'
import { FixtureSource } from '../fixtures/lease-source.js'
import http from 'node:http'

t.test('Fastify plugin: bodies are streamed unparsed, unmatched requests get 404, scoped by prefix', async (t) => {
  const a = await upstream(t, echo('api'))
  const backend = createHttpBackend(new FixtureSource('api', [a]))
  t.teardown(() => backend.close())
  const handler = createHttpHandler({ router: createRouter({ rules: [{ backend, if: { pathPrefix: '/api/v1' } }] }), monitorUri: '/api/health' })
  const app = Fastify()
  await app.register(fastifySwitchyard, { handler, prefix: '/api' })
  app.post('/local', async (request) => ({ local: true, body: request.body }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const port = (app.server.address() as { port: number }).port

  const proxied = await send(port, { method: 'POST', path: '/api/v1/x', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  t.equal(proxied.headers['x-server'], 'api')
  t.match(JSON.parse(proxied.body), { url: '/api/v1/x', body: '{"a":1}' })
  t.equal((await send(port, { path: '/api/other' })).status, 404, 'no route: Fastify 404')
  t.equal((await send(port, { path: '/api' })).status, 404)
  t.equal((await send(port, { path: '/api/health' })).status, 200, 'answered by the handler itself')
  const local = await send(port, { method: 'POST', path: '/local', headers: { 'content-type': 'application/json' }, body: '{"b":2}' })
  t.same(JSON.parse(local.body), { local: true, body: { b: 2 } }, 'outside the plugin scope, Fastify parses bodies')
})

t.test('Fastify plugin at the root with upgrade: true tunnels WebSockets', async (t) => {
  const wsServer = http.createServer()
  const wss = new WebSocketServer({ server: wsServer })
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(`ws:${String(d)}`)))
  t.teardown(() => wss.close())
  const address = `http://127.0.0.1:${await listen(t, wsServer)}`
  const plain = await upstream(t, echo('root'))
  const backend = createHttpBackend(new FixtureSource('be', [address]))
  const web = createHttpBackend(new FixtureSource('web', [plain]))
  t.teardown(() => Promise.all([backend.close(), web.close()]))
  const handler = createHttpHandler({ router: createRouter({ rules: [{ backend, if: { header: { name: 'upgrade' } } }], defaultBackend: web }) })
  const app = Fastify()
  await app.register(fastifySwitchyard, { handler, upgrade: true })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const port = (app.server.address() as { port: number }).port
  t.equal((await send(port, { path: '/' })).headers['x-server'], 'root')
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`)
  await new Promise((resolve) => ws.once('open', resolve))
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  ws.send('hi')
  t.equal(await reply, 'ws:hi')
  ws.close()
})
