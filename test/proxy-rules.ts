import t, { type Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { createProxy, type Proxy, type ProxyOptions } from '../lib/proxy.js'
import { isSwitchyardError } from '../lib/errors.js'
import type { HttpLogEntry } from '../lib/adapters/types.js'
import { FakeClock } from './fixtures/fake-clock.js'
import { echo, listen, send, upstream, until, type Reply } from './fixtures/http.js'

/** Starts `proxy` on 127.0.0.1:0 and closes it at teardown. */
async function start(t: Test, proxy: Proxy): Promise<number> {
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close())
  return (server.address() as AddressInfo).port
}

/** A proxy with `rules` in front of one echo server `s1`; returns its port. */
async function ruled(t: Test, options: ProxyOptions, clock?: FakeClock): Promise<{ port: number; proxy: Proxy }> {
  const proxy = createProxy(options, clock === undefined ? {} : { clock, scheduler: clock })
  proxy.addBackend('web').addServer('s1', { address: await upstream(t, echo('s1')) })
  return { port: await start(t, proxy), proxy }
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return isSwitchyardError(err) ? `${err.code}: ${err.message}` : `not a SwitchyardError: ${String(err)}`
  }
  return 'no error'
}

function seen(reply: Reply): { url: string; headers: Record<string, string>; raw: string[] } {
  return JSON.parse(reply.body) as { url: string; headers: Record<string, string>; raw: string[] }
}

t.test('rules options are validated when the proxy is created, naming the offending value', (t) => {
  t.match(codeOf(() => createProxy({ rules: { request: [{ action: 'deny', if: { kind: 'src', networks: ['10.0.0.300/8'] } }] } })), /SWY_ERR_INVALID_OPTION: Invalid options for createProxy: rules: .*request\[0\]\.if.*10\.0\.0\.300\/8/)
  t.match(codeOf(() => createProxy({ rules: { request: [{ action: 'deny', if: { kind: 'path', match: { op: 'regex', values: '(' } } }] } })), /SWY_ERR_INVALID_OPTION: .*request\[0\]\.if\.match.*`\(`/)
  t.match(codeOf(() => createProxy({ rules: { request: 'deny' } as never })), /SWY_ERR_INVALID_OPTION: .*`rules\.request`.*got `"deny"`/)
  t.match(codeOf(() => createProxy({ rules: { reqest: [] } as never })), /unknown option `rules\.reqest`/)
  t.match(codeOf(() => createProxy({ trustedProxies: ['10.0.0.0/33'] })), /SWY_ERR_INVALID_OPTION: .*trustedProxies.*10\.0\.0\.0\/33/)
  t.match(codeOf(() => createProxy({ rules: { request: [{ action: 'explode' } as never] } })), /request\[0\]\.action.*explode/)
  t.match(codeOf(() => createProxy({ rules: { tarpitTimeout: -1 } })), /`rules\.tarpitTimeout`.*got `-1`/)
  t.match(codeOf(() => createProxy({ rules: { request: [{ action: 'deny', if: { kind: 'and', all: 5 } as never }] } })), /`request\[0\]\.if\.all`: expected an array of conditions, got `5`/)
  t.equal(createProxy().rules, undefined, 'no rules: nothing compiled')
  t.equal(createProxy({ rules: {} }).rules, undefined, 'an empty rule set is dropped (zero cost on the request path)')
  t.same(createProxy().ruleStats(), {})
  t.end()
})

t.test('use-backend names are checked when listening', async (t) => {
  const proxy = createProxy({ rules: { request: [{ action: 'use-backend', backend: 'api', if: { kind: 'path', match: { op: 'prefix', values: '/api' } } }] } })
  proxy.addBackend('web')
  t.match(codeOf(() => proxy.listen(0)), /SWY_ERR_UNKNOWN_BACKEND: No backend named "api"/)
  const other = createProxy({ rules: { defaultBackend: 'nope' } })
  other.addBackend('web')
  t.match(codeOf(() => other.listen(0)), /SWY_ERR_UNKNOWN_BACKEND: No backend named "nope"/)
  // Mounted without listen(): an unknown name is answered 503 at request time.
  const app = http.createServer(proxy.handler)
  const port = await listen(t, app)
  t.teardown(() => proxy.close())
  const reply = await send(port, { path: '/api/x' })
  t.equal(reply.status, 503)
})

t.test('nbsrv() reads the proxy’s backends, including ones added after the rules', async (t) => {
  const { port, proxy } = await ruled(t, {
    rules: {
      request: [
        { action: 'return', status: 200, body: 'no such backend', if: { kind: 'nbsrv', backend: 'ghost', compare: { op: 'eq', value: 0 } }, unless: { kind: 'path', match: { op: 'exact', values: '/web' } } },
        { action: 'deny', status: 503, if: { kind: 'nbsrv', backend: 'web', compare: { op: 'lt', value: 1 } } },
      ],
    },
  })
  t.equal((await send(port)).body, 'no such backend')
  t.equal((await send(port, { path: '/web' })).headers['x-server'], 's1')
  proxy.getBackend('web').setState('s1', 'maint')
  t.equal((await send(port, { path: '/web' })).status, 503)
})

t.test('allowlist by CIDR: allowed clients pass, others get 403', async (t) => {
  const deny = await ruled(t, { rules: { request: [{ action: 'deny', unless: { kind: 'src', networks: ['10.0.0.0/8', '2001:db8::/32'] } }] } })
  const refused = await send(deny.port)
  t.equal(refused.status, 403)
  t.match(refused.body, /403 Forbidden/)
  const allow = await ruled(t, { rules: { request: [{ action: 'deny', unless: { kind: 'src', networks: ['127.0.0.0/8'] } }] } })
  const ok = await send(allow.port)
  t.equal(ok.status, 200)
  t.equal(ok.headers['x-server'], 's1')
})

t.test('deny with a chosen status, a body, reply headers, and pages for statuses switchyard has none for', async (t) => {
  const { port } = await ruled(t, {
    rules: {
      request: [
        { action: 'deny', status: 401, if: { kind: 'path', match: { op: 'exact', values: '/401' } } },
        { action: 'deny', status: 404, if: { kind: 'path', match: { op: 'exact', values: '/404' } } },
        { action: 'deny', status: 503, if: { kind: 'path', match: { op: 'exact', values: '/503' } } },
        { action: 'deny', status: 418, body: 'short and stout', contentType: 'text/x-tea', headers: { 'x-why': { format: '%[path]' } }, if: { kind: 'path', match: { op: 'exact', values: '/418' } } },
        { action: 'return', status: 200, body: 'pong', if: { kind: 'path', match: { op: 'exact', values: '/ping' } } },
      ],
    },
  })
  const r401 = await send(port, { path: '/401' })
  t.equal(r401.status, 401)
  t.match(r401.body, /401 Unauthorized/)
  const r404 = await send(port, { path: '/404' })
  t.equal(r404.status, 404)
  t.equal(r404.body, '<html><body><h1>404 Not Found</h1>\n</body></html>\n')
  const r503 = await send(port, { path: '/503' })
  t.equal(r503.status, 503)
  t.match(r503.body, /503 Service Unavailable/)
  const r418 = await send(port, { path: '/418' })
  t.equal(r418.status, 418)
  t.equal(r418.body, 'short and stout')
  t.equal(r418.headers['content-type'], 'text/x-tea')
  t.equal(r418.headers['x-why'], '/418')
  const pong = await send(port, { path: '/ping' })
  t.equal(pong.status, 200)
  t.equal(pong.body, 'pong')
  t.equal(pong.headers['content-type'], 'text/plain')
  t.equal(pong.headers['x-server'], undefined, 'answered by the proxy')
})

t.test('a reply header Node cannot send turns into a 500', async (t) => {
  const { port } = await ruled(t, { rules: { request: [{ action: 'deny', headers: { 'x-bad': 'snow\u2603man' } }] } })
  const reply = await send(port)
  t.equal(reply.status, 500)
  t.match(reply.body, /500 Internal Server Error/)
})

t.test('redirects: location, prefix, scheme, with codes', async (t) => {
  const { port } = await ruled(t, {
    rules: {
      request: [
        { action: 'redirect', type: 'location', value: 'https://example.com/moved', code: 301, if: { kind: 'path', match: { op: 'exact', values: '/old' } } },
        { action: 'redirect', type: 'prefix', value: 'https://new.example.com', code: 308, if: { kind: 'path', match: { op: 'prefix', values: '/p/' } } },
        { action: 'redirect', type: 'scheme', value: 'https', unless: { kind: 'secure' } },
      ],
    },
  })
  const moved = await send(port, { path: '/old' })
  t.equal(moved.status, 301)
  t.equal(moved.headers.location, 'https://example.com/moved')
  t.equal(moved.body, '')
  t.equal(moved.headers['content-length'], '0')
  const prefixed = await send(port, { path: '/p/a?b=1' })
  t.equal(prefixed.status, 308)
  t.equal(prefixed.headers.location, 'https://new.example.com/p/a?b=1')
  const scheme = await send(port, { path: '/x?y', headers: { host: 'shop.example' } })
  t.equal(scheme.status, 302)
  t.equal(scheme.headers.location, 'https://shop.example/x?y')
})

t.test('set/add/del header edits reach the server; the proxy’s own forwarding header survives a delete', async (t) => {
  const proxy = createProxy({
    rules: {
      request: [
        { action: 'set-header', name: 'x-client', value: { format: '%[src]' } },
        { action: 'add-header', name: 'x-tag', value: 'two' },
        { action: 'del-header', name: 'x-secret' },
        { action: 'del-header', name: 'x-forwarded-for' },
      ],
    },
  })
  proxy.addBackend('web', { forwardFor: true }).addServer('s1', { address: await upstream(t, echo('s1')) })
  const port = await start(t, proxy)
  const got = seen(await send(port, { headers: ['Host', 'example', 'X-Client', 'spoof', 'X-Tag', 'one', 'X-Secret', 'hush', 'X-Forwarded-For', '6.6.6.6'] }))
  const pairs: string[] = []
  for (let i = 0; i < got.raw.length; i += 2) if (got.raw[i]!.startsWith('x-')) pairs.push(`${got.raw[i]}=${got.raw[i + 1]}`)
  t.same(pairs, ['x-tag=one', 'x-client=127.0.0.1', 'x-tag=two', 'x-forwarded-for=127.0.0.1'])
})

t.test('replace-path: the server receives the rewritten path with the query', async (t) => {
  const { port } = await ruled(t, { rules: { request: [{ action: 'replace-path', regex: '^/api/(.*)$', replacement: '/v2/\\1' }] } })
  t.equal(seen(await send(port, { path: '/api/users?id=7' })).url, '/v2/users?id=7')
  t.equal(seen(await send(port, { path: '/other?id=7' })).url, '/other?id=7')
})

t.test('use-backend routes by rule; defaultBackend otherwise', async (t) => {
  const proxy = createProxy({
    rules: {
      request: [{ action: 'use-backend', backend: 'api', if: { kind: 'path', match: { op: 'prefix', values: '/api' } } }],
      defaultBackend: 'static',
    },
  })
  proxy.addBackend('web').addServer('w', { address: await upstream(t, echo('web')) })
  proxy.addBackend('api').addServer('a', { address: await upstream(t, echo('api')) })
  proxy.addBackend('static').addServer('s', { address: await upstream(t, echo('static')) })
  const port = await start(t, proxy)
  t.equal((await send(port, { path: '/api/1' })).headers['x-server'], 'api')
  t.equal((await send(port, { path: '/index.html' })).headers['x-server'], 'static')
})

t.test('priority class from rules orders the queue (maxconn 1 server)', async (t) => {
  const order: string[] = []
  const held: http.ServerResponse[] = []
  const address = await upstream(t, (req, res) => {
    order.push(req.url!)
    if (req.url === '/first') held.push(res)
    else res.end('ok')
  })
  const proxy = createProxy({
    rules: {
      request: [
        { action: 'set-priority-class', value: 10, if: { kind: 'header', name: 'x-prio', match: { op: 'exact', values: 'low' } } },
        { action: 'set-priority-class', value: -10, if: { kind: 'header', name: 'x-prio', match: { op: 'exact', values: 'high' } } },
        { action: 'set-priority-offset', value: 0 },
      ],
    },
  })
  const web = proxy.addBackend('web')
  web.addServer('s1', { address, maxconn: 1 })
  const port = await start(t, proxy)
  const first = send(port, { path: '/first' })
  await until(() => held.length === 1)
  const replies = [send(port, { path: '/low1', headers: { 'x-prio': 'low' } })]
  await until(() => web.counters().waiting === 1)
  replies.push(send(port, { path: '/plain' }))
  await until(() => web.counters().waiting === 2)
  replies.push(send(port, { path: '/high', headers: { 'x-prio': 'high' } }))
  await until(() => web.counters().waiting === 3)
  held[0]!.end('done')
  await first
  await Promise.all(replies)
  t.same(order, ['/first', '/high', '/plain', '/low1'])
})

t.test('tarpit holds the request for the tarpit timeout (fake clock), then 500; a client leaving ends it', async (t) => {
  const clock = new FakeClock()
  const entries: HttpLogEntry[] = []
  const { port, proxy } = await ruled(t, {
    log: (e) => entries.push(e),
    rules: {
      tables: { per_ip: { size: 10, expire: 60_000 } },
      request: [
        { action: 'track', key: 'src', table: 'per_ip' },
        { action: 'tarpit', if: { kind: 'path', match: { op: 'exact', values: '/bot' } } },
      ],
    },
  }, clock)
  const table = proxy.rules!.tables.get('per_ip')!
  const pending = clock.pending
  let done = false
  const reply = send(port, { path: '/bot' }).then((r) => {
    done = true
    return r
  })
  await until(() => clock.pending === pending + 1)
  clock.advance(4_999)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(done, false, 'still held before timeout connect (5000 ms)')
  t.equal(table.get('127.0.0.1', clock.now())?.connCur, 1)
  clock.advance(1)
  const r = await reply
  t.equal(r.status, 500)
  t.equal(table.get('127.0.0.1', clock.now())?.connCur, 0)
  await until(() => entries.length === 1)
  t.match(entries[0], { status: 500, termination: 'PT--', backend: '<NOBACKEND>', server: '<NOSRV>' })

  // A client that leaves while held: the timer is cancelled and the entry released.
  const req = http.request({ host: '127.0.0.1', port, path: '/bot', agent: false })
  req.on('error', () => {})
  req.end()
  await until(() => clock.pending === pending + 1)
  t.equal(table.get('127.0.0.1', clock.now())?.connCur, 1)
  req.destroy()
  await until(() => clock.pending === pending)
  t.equal(table.get('127.0.0.1', clock.now())?.connCur, 0)
  await until(() => entries.length === 2)
  t.match(entries[1], { status: -1, termination: 'CT--' })
})

t.test('tarpitTimeout from the rules; 0 answers at once', async (t) => {
  const { port } = await ruled(t, { rules: { tarpitTimeout: 0, request: [{ action: 'tarpit', status: 403 }] } })
  t.equal((await send(port)).status, 403)
})

t.test('response rules: set-header, del-header, set-status with and without a reason', async (t) => {
  const { port } = await ruled(t, {
    rules: {
      response: [
        { action: 'set-header', name: 'x-frame-options', value: 'DENY' },
        { action: 'del-header', name: 'x-server' },
        { action: 'set-status', status: 203, reason: 'Rewritten', if: { kind: 'path', match: { op: 'exact', values: '/reason' } } },
        { action: 'set-status', status: 202, if: { kind: 'path', match: { op: 'exact', values: '/plain' } } },
      ],
    },
  })
  const statusText = (path: string) =>
    new Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode!, text: res.statusMessage!, headers: res.headers }))
      }).on('error', reject)
    })
  const a = await statusText('/reason')
  t.same([a.status, a.text, a.headers['x-frame-options'], a.headers['x-server']], [203, 'Rewritten', 'DENY', undefined])
  const b = await statusText('/plain')
  t.same([b.status, b.text], [202, 'Accepted'])
  const c = await statusText('/other')
  t.same([c.status, c.text, c.headers['x-frame-options']], [200, 'OK', 'DENY'])
})

t.test('rate limit: 429 with Retry-After past the threshold, back after the window (fake clock)', async (t) => {
  const clock = new FakeClock(1_000)
  const { port, proxy } = await ruled(t, {
    rules: {
      tables: { per_ip: { size: 100, expire: 60_000, httpReqRate: 10_000 } },
      request: [
        { action: 'track', key: 'src', table: 'per_ip' },
        { action: 'deny', status: 429, if: { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 2 } } },
      ],
    },
  }, clock)
  t.equal((await send(port)).status, 200)
  t.equal((await send(port)).status, 200)
  const limited = await send(port)
  t.equal(limited.status, 429)
  t.match(limited.body, /429 Too Many Requests/)
  t.equal(limited.headers['retry-after'], '14', 'seconds until the rate falls back under the threshold (computed by the rules)')
  t.match(proxy.ruleStats(), { per_ip: { entries: 1, inUse: 0, evictions: 0, failed: 0 } })
  clock.advance(14_000)
  t.equal((await send(port)).status, 200, 'served again after Retry-After')
})

t.test('a spoofed X-Forwarded-For never changes the source unless trustedProxies lists the peer', async (t) => {
  const rules = { request: [{ action: 'deny' as const, unless: { kind: 'src' as const, networks: '10.1.2.3' } }] }
  const spoof = { 'x-forwarded-for': '10.1.2.3' }
  const untrusted = await ruled(t, { rules })
  t.equal((await send(untrusted.port, { headers: spoof })).status, 403)
  const trusted = await ruled(t, { rules, trustedProxies: ['127.0.0.1'] })
  t.equal((await send(trusted.port, { headers: spoof })).status, 200)
  t.equal((await send(trusted.port)).status, 403)
  const onlyTrusted = await ruled(t, { trustedProxies: '127.0.0.1' })
  t.equal(onlyTrusted.proxy.rules, undefined, 'trusted proxies alone are no rules')
  t.equal((await send(onlyTrusted.port, { headers: spoof })).status, 200)
})

t.test('a throwing user predicate answers 500 and the proxy keeps serving', async (t) => {
  const { port, proxy } = await ruled(t, {
    rules: {
      tables: { per_ip: { size: 10, expire: 60_000 } },
      request: [
        { action: 'track', key: 'src', table: 'per_ip' },
        { action: 'deny', if: { kind: 'predicate', test: (r) => { if (r.url === '/boom') throw new Error('user bug'); return false } } },
      ],
    },
  })
  t.equal((await send(port, { path: '/boom' })).status, 500)
  t.match(proxy.rules!.tables.get('per_ip')!.get('127.0.0.1', 0), { connCur: 0, httpReqCnt: 1 }, 'the tracked entry was released')
  t.equal((await send(port, { path: '/fine' })).status, 200)
})

t.test('WebSocket upgrades are subject to the rules', async (t) => {
  const upstreamServer = http.createServer()
  const wss = new WebSocketServer({ server: upstreamServer })
  const tags: string[] = []
  wss.on('connection', (socket, req) => {
    tags.push(`${req.url} ${String(req.headers['x-tag'])}`)
    socket.on('message', (data) => socket.send(`echo:${String(data)}`))
  })
  const upstreamPort = await listen(t, upstreamServer)
  t.teardown(() => wss.close())
  const proxy = createProxy({
    rules: {
      request: [
        { action: 'deny', status: 429, retryAfter: 7, if: { kind: 'path', match: { op: 'exact', values: '/limited' } } },
        { action: 'deny', if: { kind: 'predicate', test: (r) => { if (r.url === '/boom') throw new Error('user bug'); return false } } },
        { action: 'set-header', name: 'x-tag', value: 'ruled' },
        { action: 'set-path', value: '/chat' },
      ],
    },
  })
  proxy.addBackend('ws').addServer('w1', { address: `127.0.0.1:${upstreamPort}` })
  const port = await start(t, proxy)
  const refused = (path: string) =>
    new Promise<{ status: number; retryAfter: string | undefined }>((resolve, reject) => {
      const client = new WebSocket(`ws://127.0.0.1:${port}${path}`)
      client.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined }))
      client.on('open', () => reject(new Error('opened')))
      client.on('error', () => {})
    })
  t.same(await refused('/limited'), { status: 429, retryAfter: '7' })
  t.same(await refused('/boom'), { status: 500, retryAfter: undefined })
  const client = new WebSocket(`ws://127.0.0.1:${port}/anything`)
  const reply = await new Promise<string>((resolve, reject) => {
    client.on('open', () => client.send('hello'))
    client.on('message', (data) => resolve(String(data)))
    client.on('error', reject)
  })
  client.close()
  t.equal(reply, 'echo:hello')
  t.same(tags, ['/chat ruled'])
})
