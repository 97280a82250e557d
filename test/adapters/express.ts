import type http from 'node:http'
import express from 'express'
import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { expressMiddleware } from '../../lib/adapters/express.js'
import { createHttpBackend } from '../../lib/adapters/http-backend.js'
import { createHttpHandler } from '../../lib/adapters/node-http.js'
import { createRouter } from '../../lib/routing/router.js'
import { echo, listen, send, upstream } from '../fixtures/http.js'
import { FixtureSource } from '../fixtures/lease-source.js'

t.test('Express: matched requests are forwarded with their full URL, others reach the app', async (t) => {
  const a = await upstream(t, echo('api'))
  const backend = createHttpBackend(new FixtureSource('api', [a]))
  t.teardown(() => backend.close())
  const handler = createHttpHandler({ router: createRouter({ rules: [{ backend, if: { pathPrefix: '/api/v1' } }] }) })
  const app = express()
  app.use('/api', expressMiddleware(handler))
  app.use(express.json())
  app.post('/api/local', (req, res) => {
    res.json({ local: true, url: req.url, body: req.body as unknown })
  })
  app.get('/page', (_req, res) => {
    res.send('app page')
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const port = (server.address() as { port: number }).port

  const proxied = await send(port, { method: 'POST', path: '/api/v1/items?x=1', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  t.equal(proxied.headers['x-server'], 'api')
  t.match(JSON.parse(proxied.body), { url: '/api/v1/items?x=1', body: '{"a":1}' }, 'full URL and unparsed body forwarded')
  const local = await send(port, { method: 'POST', path: '/api/local', headers: { 'content-type': 'application/json' }, body: '{"b":2}' })
  t.same(JSON.parse(local.body), { local: true, url: '/api/local', body: { b: 2 } }, 'next(): req.url restored, body parsers still work')
  t.equal((await send(port, { path: '/page' })).body, 'app page')
})

t.test('Express: a body parser in front makes the body unforwardable (500), WebSockets via the upgrade handler', async (t) => {
  const wsServer = (await import('node:http')).createServer()
  const wss = new WebSocketServer({ server: wsServer })
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(`ws:${String(d)}`)))
  t.teardown(() => wss.close())
  const address = `http://127.0.0.1:${await listen(t, wsServer as http.Server)}`
  const backend = createHttpBackend(new FixtureSource('be', [address]))
  t.teardown(() => backend.close())
  const handler = createHttpHandler({ backend })
  const app = express()
  app.use(express.text())
  app.use(expressMiddleware(handler))
  const server = app.listen(0, '127.0.0.1')
  server.on('upgrade', handler.upgrade)
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const port = (server.address() as { port: number }).port
  t.equal((await send(port, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'consumed' })).status, 500)
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
  await new Promise((resolve) => ws.once('open', resolve))
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))))
  ws.send('hi')
  t.equal(await reply, 'ws:hi')
  ws.close()
})

t.test('Connect-style servers without originalUrl', async (t) => {
  const a = await upstream(t, echo('a'))
  const backend = createHttpBackend(new FixtureSource('be', [a]))
  t.teardown(() => backend.close())
  const middleware = expressMiddleware(createHttpHandler({ backend }))
  const port = await listen(t, (await import('node:http')).createServer((req, res) => middleware(req, res, () => res.end('unreachable'))))
  t.match(JSON.parse((await send(port, { path: '/plain' })).body), { url: '/plain' })
})
