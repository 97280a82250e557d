import http from 'node:http'
import net from 'node:net'
import { PassThrough } from 'node:stream'
import t from 'tap'
import { createHttpBackend } from '../../lib/adapters/http-backend.js'
import { applyServerTimeouts, createHttpHandler } from '../../lib/adapters/node-http.js'
import type { HttpLogEntry } from '../../lib/adapters/types.js'
import { SwitchyardError } from '../../lib/errors.js'
import { createRouter } from '../../lib/routing/router.js'
import { FixtureSource } from '../fixtures/lease-source.js'
import { echo, listen, proxy, send, until, upstream } from '../fixtures/http.js'

/** Sends raw bytes, resolves with everything received until the server closes (or `ms`). */
function raw(port: number, bytes: string, ms = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
    socket.on('close', () => resolve(text))
    socket.on('error', () => {})
    socket.write(bytes)
    setTimeout(() => socket.destroy(), ms).unref()
  })
}

t.test('round robin through the fixture source, each request balanced', async (t) => {
  const a = await upstream(t, echo('a'))
  const b = await upstream(t, echo('b'))
  const p = await proxy(t, [a, b])
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const seen: string[] = []
  for (let i = 0; i < 4; i++) seen.push((await send(p.port, { agent })).headers['x-server'] as string)
  t.same(seen, ['a', 'b', 'a', 'b'], 'every request of one keep-alive client connection is balanced')
  t.same(p.source.releases, [
    { server: 's1', outcome: 'ok', status: 200 },
    { server: 's2', outcome: 'ok', status: 200 },
    { server: 's1', outcome: 'ok', status: 200 },
    { server: 's2', outcome: 'ok', status: 200 },
  ])
})

t.test('server connections are pooled and reused across clients', async (t) => {
  let connections = 0
  const server = http.createServer(echo('a'))
  server.on('connection', () => connections++)
  const port = await listen(t, server)
  const p = await proxy(t, [`http://127.0.0.1:${port}`])
  for (let i = 0; i < 5; i++) t.equal((await send(p.port)).status, 200)
  t.equal(connections, 1, 'five clients on fresh connections, one server connection')
})

t.test('headers: Host kept, hop-by-hop removed both ways, forwarding headers added', async (t) => {
  const a = await upstream(t, (req, res) => {
    res.setHeader('connection', 'keep-alive, x-hop')
    res.setHeader('x-hop', 'secret')
    res.setHeader('keep-alive', 'timeout=77')
    res.setHeader('set-cookie', ['a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'b=2'])
    echo('a')(req, res)
  })
  const p = await proxy(t, [a], { forwardFor: true, originalTo: true, forwardedProto: true, forwardedHost: true })
  // Raw bytes: node:http would refuse to send a Trailer header itself (node-http-proxy#1647).
  const text = await raw(
    p.port,
    'GET /p?q=1 HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive, X-Private\r\nX-Private: 1\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\n' +
      'Trailer: x-t\r\nUpgrade: h2c\r\nProxy-Authorization: Basic eA==\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n' +
      'X-Forwarded-Host: evil\r\nX-Keep: yes\r\n\r\n',
    300,
  )
  const [head, chunked] = text.split('\r\n\r\n') as [string, string]
  const seen = JSON.parse(chunked.split('\r\n')[1]!) as { url: string; raw: string[] }
  t.equal(seen.url, '/p?q=1')
  t.same(seen.raw, [
    'host', 'example.com',
    'connection', 'keep-alive',
    'x-forwarded-for', '1.2.3.4',
    'x-keep', 'yes',
    'x-forwarded-for', '127.0.0.1',
    'x-original-to', '127.0.0.1',
    'x-forwarded-proto', 'http',
    'x-forwarded-host', 'example.com',
  ])
  t.notMatch(head, /x-hop/i)
  t.notMatch(head, /timeout=77/)
  t.match(head, /\r\nset-cookie: a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\nset-cookie: b=2\r\n/)
})

t.test('forwardfor except and if-none through the proxy', async (t) => {
  const a = await upstream(t, echo('a'))
  const except = await proxy(t, [a], { forwardFor: { except: ['127.0.0.0/8'] } })
  t.notOk('x-forwarded-for' in (JSON.parse((await send(except.port)).body) as { headers: object }).headers)
  const ifNone = await proxy(t, [a], { forwardFor: { header: 'X-Client', ifNone: true } })
  t.same((JSON.parse((await send(ifNone.port, { headers: { 'x-client': 'given' } })).body) as { headers: object }).headers, { host: `127.0.0.1:${ifNone.port}`, connection: 'keep-alive', 'x-client': 'given' })
  t.equal((JSON.parse((await send(ifNone.port)).body) as { headers: Record<string, string> }).headers['x-client'], '127.0.0.1')
})

t.test('monitor-uri answers itself: 200 while a server is usable, 503 otherwise', async (t) => {
  const a = await upstream(t, echo('a'))
  const p = await proxy(t, [a], {}, { monitorUri: '/health' })
  const ok = await send(p.port, { path: '/health' })
  t.equal(ok.status, 200)
  t.equal(ok.body, '<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n')
  t.equal(ok.headers['cache-control'], 'no-cache')
  p.source.setState('s1', 'down')
  const down = await send(p.port, { path: '/health' })
  t.equal(down.status, 503)
  t.match(down.body, /No server is available/)
  t.equal(p.source.releases.length, 0, 'never reached a server')
  // HAProxy 2.6 compares the path with its query string: this one is proxied
  p.source.setState('s1', 'up')
  t.equal((await send(p.port, { path: '/health?full=1' })).headers['x-server'], 'a')
  const custom = await proxy(t, [a], {}, { monitorUri: '/m', monitorFail: () => true, errorPages: { 503: 'down' } })
  t.equal((await send(custom.port, { path: '/m' })).body, 'down')
})

t.test('routing chooses the backend; unmatched requests get 503; a throwing predicate gets 500', async (t) => {
  const a = await upstream(t, echo('api'))
  const b = await upstream(t, echo('web'))
  const api = createHttpBackend(new FixtureSource('api', [a]))
  const web = createHttpBackend(new FixtureSource('web', [b]))
  t.teardown(() => Promise.all([api.close(), web.close()]))
  const logs: HttpLogEntry[] = []
  const router = createRouter({
    rules: [
      { backend: api, if: { pathPrefix: '/api/' } },
      { backend: web, if: { host: 'www.example' } },
      { backend: web, if: { predicate: (r) => r.headers['x-boom'] === undefined ? false : (() => { throw new Error('boom') })() } },
    ],
  })
  const handler = createHttpHandler({ router, log: (e) => logs.push(e), monitorUri: '/m' })
  t.equal(handler.backends.length, 2)
  const port = await listen(t, http.createServer(handler))
  t.equal((await send(port, { path: '/api/x' })).headers['x-server'], 'api')
  t.equal((await send(port, { path: '/x', headers: { host: 'WWW.example:80' } })).headers['x-server'], 'web')
  const none = await send(port, { path: '/x' })
  t.equal(none.status, 503)
  const boom = await send(port, { path: '/x', headers: { 'x-boom': '1' } })
  t.equal(boom.status, 500)
  t.equal((await send(port, { path: '/m' })).status, 200)
  await until(() => logs.length === 4)
  t.match(logs[2], { backend: '<NOBACKEND>', server: '<NOSRV>', status: 503, termination: 'SC--', Tw: -1, Tc: -1, Tr: -1 })
  t.match(logs[3], { backend: '<NOBACKEND>', status: 500, termination: 'IR--' })
  t.equal(logs.length, 4, 'monitor requests are not logged')
})

t.test('createHttpHandler needs exactly one of backend and router', async (t) => {
  t.throws(() => createHttpHandler({}), SwitchyardError)
  const backend = createHttpBackend(new FixtureSource('x', []))
  t.throws(() => createHttpHandler({ backend, router: createRouter({}) }), { code: 'SWY_ERR_INVALID_OPTION' })
})

t.test('refused requests: 431, duplicate Host, bad targets, transfer codings', async (t) => {
  const a = await upstream(t, echo('a'))
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], {}, { maxHeaders: 5, log: (e) => logs.push(e) })
  const many: Record<string, string> = {}
  for (let i = 0; i < 6; i++) many[`x-${i}`] = 'v'
  const tooMany = await send(p.port, { headers: many })
  t.equal(tooMany.status, 431)
  t.match(await raw(p.port, 'GET / HTTP/1.1\r\nConnection: close\r\nHost: a\r\nHost: b\r\n\r\n'), /^HTTP\/1\.1 400 Bad request\r\n/)
  t.match(await raw(p.port, 'GET http://evil.example/x HTTP/1.1\r\nConnection: close\r\nHost: a\r\n\r\n'), /^HTTP\/1\.1 400 /)
  t.match(await raw(p.port, 'POST / HTTP/1.1\r\nConnection: close\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'), /^HTTP\/1\.1 400 /)
  t.match(await raw(p.port, 'GET http://a/abs?x HTTP/1.1\r\nConnection: close\r\nHost: a\r\n\r\n'), /^HTTP\/1\.1 200 [^]*"url":"\/abs\?x"/)
  t.equal(p.source.releases.length, 1, 'only the valid absolute-form request reached a server')
  await until(() => logs.length === 5)
  t.match(logs[0], { status: 431, termination: 'PR--', backend: '<NOBACKEND>', bytesOut: 127 })
  t.match(logs[1], { status: 400, termination: 'PR--', backend: 'be' })
})

t.test('an invalid request closes the connection; requests pipelined behind it never run', async (t) => {
  const a = await upstream(t, echo('a'))
  const p = await proxy(t, [a])
  // Node emits the pipelined request at once; switchyard takes it only after the 400 went out, and the connection is closed by then.
  const text = await raw(p.port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n')
  t.match(text, /^HTTP\/1\.1 400 Bad request\r\n[^]*connection: close\r\n/i)
  t.equal(text.match(/HTTP\/1\.1/g)?.length, 1, 'one answer')
  t.match(await raw(p.port, 'GET / HTTP/1.1\r\nHost: a b\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n'), /^HTTP\/1\.1 400 [^]*connection: close\r\n/i)
  t.equal(p.source.releases.length, 0, 'nothing reached a server')
  // Valid pipelined requests are all answered, in order.
  const ok = await raw(p.port, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')
  t.same([...ok.matchAll(/"url":"(\/\d)"/g)].map((m) => m[1]), ['/1', '/2', '/3'])
})

t.test('CONNECT is refused with 400 and the connection closed', async (t) => {
  const a = await upstream(t, echo('a'))
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], {}, { log: (e) => logs.push(e) })
  t.match(await raw(p.port, 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n'), /^HTTP\/1\.1 400 [^]*connection: close\r\n/)
  await until(() => logs.length === 1)
  t.match(logs[0], { status: 400, termination: 'PR--', method: 'CONNECT' })
  t.equal(p.source.releases.length, 0)
})

t.test('a body already consumed by another layer cannot be forwarded: 500', async (t) => {
  const a = await upstream(t, echo('a'))
  const backend = createHttpBackend(new FixtureSource('be', [a]))
  t.teardown(() => backend.close())
  const handler = createHttpHandler({ backend })
  const port = await listen(
    t,
    http.createServer((req, res) => {
      req.resume()
      req.on('end', () => handler(req, res))
    }),
  )
  t.equal((await send(port, { method: 'POST', body: 'abc' })).status, 500)
})

t.test('the log hook gets HAProxy fields; a throwing hook is ignored', async (t) => {
  const a = await upstream(t, echo('a'))
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], {}, { log: (e) => logs.push(e) })
  await send(p.port, { method: 'POST', path: '/x?y', body: 'hello' })
  await until(() => logs.length === 1)
  const e = logs[0]!
  t.match(e, { clientAddress: '127.0.0.1', backend: 'be', server: 's1', method: 'POST', uri: '/x?y', status: 200, bytesIn: 5, termination: '----', retries: 0, redispatched: false, Tw: 0 })
  t.ok(e.clientPort > 0)
  t.ok(e.bytesOut > 0)
  for (const k of ['Tq', 'Tc', 'Tr', 'Tt'] as const) t.ok(e[k] >= 0, k)
  t.ok(e.Tt >= e.Tr)
  const throwing = await proxy(t, [a], {}, { log: () => { throw new Error('hook') } })
  t.equal((await send(throwing.port)).status, 200)
  t.equal((await send(throwing.port, { headers: { host: 'a', 'x-1': '1' }, path: '/#' })).status, 400)
})

t.test('admission errors map to HAProxy answers', async (t) => {
  const a = await upstream(t, echo('a'))
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], { errorPages: { 503: 'backend says no' } }, { log: (e) => logs.push(e) })
  const table: [unknown, number, string, string][] = [
    [new SwitchyardError('SWY_ERR_NO_SERVER'), 503, 'SC--', 'backend says no'],
    [new SwitchyardError('SWY_ERR_QUEUE_FULL'), 503, 'SQ--', 'backend says no'],
    [new SwitchyardError('SWY_ERR_QUEUE_TIMEOUT'), 503, 'sQ--', 'backend says no'],
    [new SwitchyardError('SWY_ERR_CLOSED'), 503, 'SC--', 'backend says no'],
    [new Error('bug'), 500, 'IQ--', '<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n'],
  ]
  for (const [err, status, termination, body] of table) {
    p.source.failWith = err
    logs.length = 0
    const reply = await send(p.port)
    t.equal(reply.status, status)
    t.equal(reply.body, body)
    await until(() => logs.length === 1)
    t.equal(logs[0]!.termination, termination)
  }
})

t.test('synchronous refusals of tryAcquire are answered without calling acquire', async (t) => {
  const a = await upstream(t, echo('a'))
  const logs: HttpLogEntry[] = []
  const p = await proxy(t, [a], {}, { log: (e) => logs.push(e) })
  for (const [refusal, termination] of [['full', 'SQ--'], ['nosrv', 'SC--'], ['closed', 'SC--']] as const) {
    p.source.refuseWith = refusal
    logs.length = 0
    t.equal((await send(p.port)).status, 503)
    await until(() => logs.length === 1)
    t.equal(logs[0]!.termination, termination, refusal)
  }
  t.equal(p.source.requests.length, 0, 'acquire never called')
})

t.test('a client leaving while queued leaves the queue (abortOnClose), or returns the lease when it comes', async (t) => {
  let hold: (() => void) | undefined
  const a = await upstream(t, (req, res) => {
    hold = () => echo('a')(req, res)
  })
  for (const abortOnClose of [true, false]) {
    const source = new FixtureSource('be', [a], { fastPath: false, maxconn: 1 })
    const logs: HttpLogEntry[] = []
    const p = await proxy(t, [a], {}, { abortOnClose, log: (e) => logs.push(e) }, source)
    const first = send(p.port)
    await until(() => hold !== undefined)
    const queued = http.get({ host: '127.0.0.1', port: p.port, path: '/queued', agent: false })
    queued.on('error', () => {})
    await until(() => source.waiting === 1)
    queued.destroy()
    await until(() => logs.length === 1)
    t.match(logs[0], { termination: 'CQ--', server: '<NOSRV>', status: -1 })
    t.equal(source.waiting, abortOnClose ? 0 : 1)
    hold!()
    hold = undefined
    t.equal((await first).status, 200)
    await until(() => source.releases.length === (abortOnClose ? 1 : 2))
    t.same(source.releases.at(-1), abortOnClose ? { server: 's1', outcome: 'ok', status: 200 } : { server: 's1', outcome: 'client-abort', status: undefined })
    t.equal(source.inflight('s1'), 0)
  }
})

t.test('applyServerTimeouts sets the embedding server timeouts; Node answers 408 to slow headers', async (t) => {
  const server = http.createServer()
  applyServerTimeouts(server, { timeouts: { client: 1, httpRequest: 100, httpKeepAlive: 70 } })
  t.equal(server.headersTimeout, 100)
  t.equal(server.requestTimeout, 0)
  t.equal(server.keepAliveTimeout, 70)
  t.equal((server as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval, 25)
  const off = http.createServer()
  applyServerTimeouts(off, { timeouts: { client: 1, httpRequest: 0, httpKeepAlive: 70 } })
  t.equal((off as http.Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval, 30000)

  const a = await upstream(t, echo('a'))
  const p = await proxy(t, [a], {}, { timeouts: { httpRequest: 100, httpKeepAlive: 50 } })
  const started = performance.now()
  const slow = await raw(p.port, 'GET / HTTP/1.1\r\nHost: a\r\n', 2000)
  // HAProxy's 408 page and status line (conformance scenario timeout-http-request-408), not Node's bare 408
  t.match(slow, /^HTTP\/1\.1 408 Request Time-out\r\n[^]*\r\n\r\n<html><body><h1>408 Request Time-out<\/h1>/)
  t.ok(performance.now() - started < 1000)
  t.match(await raw(p.port, 'BAD\x01 / HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400 Bad request\r\n[^]*<h1>400 Bad request<\/h1>/)
})

t.test('clientError: HAProxy pages (own ones first) while nothing was written, else the connection is dropped', async (t) => {
  const server = http.createServer()
  applyServerTimeouts(server, { timeouts: { client: 1, httpRequest: 100, httpKeepAlive: 70 }, errorPages: { 408: 'slow' } })
  applyServerTimeouts(server, { timeouts: { client: 1, httpRequest: 100, httpKeepAlive: 70 } })
  t.equal(server.listenerCount('clientError'), 1, 'added once')
  const emit = async (code: string, setup: (s: PassThrough & { bytesWritten?: number }) => void = () => {}): Promise<{ text: string; destroyed: boolean }> => {
    const socket: PassThrough & { bytesWritten?: number } = new PassThrough()
    setup(socket)
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
    socket.on('error', () => {})
    server.emit('clientError', Object.assign(new Error(code), { code }), socket)
    await new Promise((r) => setImmediate(r))
    return { text, destroyed: socket.destroyed }
  }
  t.match(await emit('ERR_HTTP_REQUEST_TIMEOUT'), { text: /^HTTP\/1\.1 408 Request Time-out\r\n[^]*connection: close\r\n\r\nslow$/ })
  t.match(await emit('HPE_HEADER_OVERFLOW', (s) => (s.bytesWritten = 0)), { text: /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/ })
  t.match(await emit('HPE_INVALID_METHOD'), { text: /^HTTP\/1\.1 400 Bad request\r\n/ })
  t.equal((await emit('HPE_CHUNK_EXTENSIONS_OVERFLOW')).text, 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n')
  t.same(await emit('ECONNRESET'), { text: '', destroyed: true })
  t.same(await emit('HPE_INVALID_METHOD', (s) => (s.bytesWritten = 10)), { text: '', destroyed: true }, 'a response already started')
  t.same(await emit('HPE_INVALID_METHOD', (s) => s.end()), { text: '', destroyed: true }, 'not writable')
})

t.test('handle(req, res, next): next() instead of 503 when no backend matches', async (t) => {
  const handler = createHttpHandler({ router: createRouter({}) })
  const port = await listen(t, http.createServer((req, res) => handler.handle(req, res, () => res.end('next'))))
  t.equal((await send(port)).body, 'next')
})

t.test('server concurrency never exceeds maxconn, as counted by the servers themselves', async (t) => {
  const peaks = new Map<string, number>()
  const make = (name: string): http.RequestListener => {
    let current = 0
    return (req, res) => {
      current++
      peaks.set(name, Math.max(peaks.get(name) ?? 0, current))
      setTimeout(() => {
        current--
        echo(name)(req, res)
      }, 15)
    }
  }
  const a = await upstream(t, make('a'))
  const b = await upstream(t, make('b'))
  const source = new FixtureSource('be', [a, b], { maxconn: 2 })
  const p = await proxy(t, [a, b], {}, {}, source)
  const replies = await Promise.all(Array.from({ length: 12 }, () => send(p.port)))
  t.same(replies.map((r) => r.status), new Array(12).fill(200))
  t.same([peaks.get('a'), peaks.get('b')], [2, 2])
  t.equal(source.releases.length, 12)
  t.equal(source.inflight('s1') + source.inflight('s2'), 0)
})
