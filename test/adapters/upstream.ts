import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import t from 'tap'
import { Upstream, parseServerAddress } from '../../lib/adapters/upstream.js'
import { DEFAULT_SERVER_TRANSPORT, resolveServerTransport } from '../../lib/adapters/resolve.js'
import { selfSignedCert } from '../fixtures/faults.js'
import { echo, listen, proxy, send, until } from '../fixtures/http.js'

t.test('server addresses', async (t) => {
  t.same(parseServerAddress('http://127.0.0.1:8080', false), { origin: 'http://127.0.0.1:8080', secure: false })
  t.same(parseServerAddress('127.0.0.1:8080', false), { origin: 'http://127.0.0.1:8080', secure: false })
  t.same(parseServerAddress('https://Example.com', false), { origin: 'https://example.com', secure: true })
  t.same(parseServerAddress('http://[::1]:81/', true), { origin: 'https://[::1]:81', secure: true }, 'ssl forces TLS')
  for (const bad of ['ftp://h:1', 'http://h:1/path', 'http://h:1?q', 'http://h:1#f', 'http://u@h:1', 'http://u:p@h:1', 'http://h:99999', '::::']) {
    t.throws(() => parseServerAddress(bad, false), { code: 'SWY_ERR_INVALID_OPTION', details: { field: 'address', value: bad } }, bad)
  }
})

t.test('TLS upstreams: verify required/none, ca, sni, ssl over an http:// address', async (t) => {
  const { key, cert } = selfSignedCert()
  const names: (string | false)[] = []
  const server = https.createServer({ key, cert }, echo('tls'))
  server.on('secureConnection', (socket: TLSSocket) => names.push((socket as TLSSocket & { servername: string | false }).servername))
  const port = await listen(t, server as unknown as http.Server)
  const address = `https://127.0.0.1:${port}`

  const strict = await proxy(t, [address], { retries: 0 })
  t.equal((await send(strict.port)).status, 503, 'self-signed certificate refused by default')
  t.same(strict.source.releases, [{ server: 's1', outcome: 'connect-error', status: undefined }])

  const none = await proxy(t, [address], { server: { verify: 'none' } })
  t.equal((await send(none.port)).headers['x-server'], 'tls')

  const trusted = await proxy(t, [address], { server: { ca: cert, sni: 'localhost' } })
  t.equal((await send(trusted.port)).headers['x-server'], 'tls')
  t.equal(names.at(-1), 'localhost', 'SNI sent')

  const forced = await proxy(t, [`http://127.0.0.1:${port}`], { server: { ssl: true, ca: [cert] } })
  t.equal((await send(forced.port)).headers['x-server'], 'tls', 'ssl on an http:// address; the IP SAN verifies')
})

t.test('source: outgoing connections bind to the given local address', async (t) => {
  const server = http.createServer((req, res) => res.end(req.socket.remoteAddress))
  const port = await listen(t, server)
  const p = await proxy(t, [`http://127.0.0.1:${port}`], { server: { source: '127.0.0.2' } })
  t.equal((await send(p.port)).body, '127.0.0.2')
})

t.test('idle pooled connections close after idleTimeout; 0 disables reuse', async (t) => {
  let opened = 0
  let closed = 0
  const server = http.createServer(echo('a'))
  server.keepAliveTimeout = 10_000
  server.on('connection', (socket) => {
    opened++
    socket.on('close', () => closed++)
  })
  const port = await listen(t, server)
  const pooled = await proxy(t, [`http://127.0.0.1:${port}`], { idleTimeout: 60 })
  await send(pooled.port)
  await send(pooled.port)
  t.equal(opened, 1)
  const started = performance.now()
  await until(() => closed === 1)
  t.ok(performance.now() - started < 1000, 'closed by switchyard well before the server timeout')

  opened = 0
  const unpooled = await proxy(t, [`http://127.0.0.1:${port}`], { idleTimeout: 0 })
  await send(unpooled.port)
  await send(unpooled.port)
  t.equal(opened, 2, 'one connection per request')
})

t.test('Upstream: origin, no connect timeout, close', async (t) => {
  const u = new Upstream('127.0.0.1:1', { transport: resolveServerTransport({}, DEFAULT_SERVER_TRANSPORT), connectTimeout: 0, idleTimeout: 1000, connections: 0 })
  t.equal(u.origin, 'http://127.0.0.1:1')
  t.equal(u.address, '127.0.0.1:1')
  await u.close()
  t.ok(u.pool.closed)
  const port = (await new Promise<AddressInfo>((resolve) => {
    const s = http.createServer()
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as AddressInfo
      s.close(() => resolve(a))
    })
  })).port
  const p = await proxy(t, [`http://127.0.0.1:${port}`], { retries: 0, timeouts: { connect: 0 } })
  t.equal((await send(p.port)).status, 503, 'refused without a connect timer')
})
