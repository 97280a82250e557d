import t, { type Test } from 'tap'
import http from 'node:http'
import { connect, createServer, Server, type AddressInfo, type Socket } from 'node:net'
import { once } from 'node:events'
import { checkConfig, startConfig, type RunningConfig, type StartOptions } from '../../lib/config/start.js'
import type { FrontendConfig, SwitchyardConfig } from '../../lib/config/types.js'
import { echo, send, upstream, until } from '../fixtures/http.js'
import { client, collect, startServer } from '../fixtures/tcp.js'
import { FakeClock } from '../fixtures/fake-clock.js'

interface Started {
  readonly running: RunningConfig
  readonly logs: string[]
  readonly notices: string[]
  port(frontend: string, index?: number): number
}

async function start(t: Test, config: SwitchyardConfig, options: StartOptions = {}): Promise<Started> {
  const logs: string[] = []
  const notices: string[] = []
  const running = await startConfig(config, { log: (line) => logs.push(line), notice: (m) => notices.push(m), ...options })
  t.teardown(() => running.close({ hardStopAfter: 0 }))
  return {
    running,
    logs,
    notices,
    port: (frontend, index = 0) => running.listeners.filter((l) => l.frontend === frontend)[index]!.port,
  }
}

function http1(name: string, backend: string, extra: Partial<FrontendConfig> = {}): FrontendConfig {
  return { name, mode: 'http', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: backend, ...extra }
}

/** A keep-alive agent with one socket, destroyed at teardown. */
function agent(t: Test): http.Agent {
  const a = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => a.destroy())
  return a
}

t.test('two frontends share one backend; httplog lines; listening notices', async (t) => {
  const s1 = await upstream(t, echo('s1'))
  const s2 = await upstream(t, echo('s2'))
  const run = await start(t, {
    frontends: [http1('www', 'web', { log: 'http' }), http1('api', 'web', { http: { monitorUri: '/up' } })],
    backends: { web: { servers: { s1: { address: s1 }, s2: { address: s2 } } } },
  })
  t.equal(run.running.listeners.length, 2)
  t.same(run.running.listeners.map((l) => [l.frontend, l.host]), [['www', '127.0.0.1'], ['api', '127.0.0.1']])
  t.same(run.notices, run.running.listeners.map((l) => `listening frontend=${l.frontend} 127.0.0.1:${l.port}`))
  const seen: string[] = []
  for (const fe of ['www', 'api', 'www', 'api']) seen.push((await send(run.port(fe), { path: '/p?q=1' })).headers['x-server'] as string)
  t.same(seen, ['s1', 's2', 's1', 's2'], 'one round robin over both frontends')
  t.equal((await send(run.port('api'), { path: '/up' })).status, 200)
  await until(() => run.logs.length === 2)
  for (const [i, server] of [[0, 's1'], [1, 's1']] as const) {
    t.match(run.logs[i], new RegExp(`^127\\.0\\.0\\.1:\\d+ \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\] www web/${server} \\d+/\\d+/\\d+/\\d+/\\d+ 200 \\d+ - - ---- \\d+/\\d+/\\d+/\\d+/0 0/0 "GET /p\\?q=1 HTTP/1\\.1"$`))
  }
  t.match(run.logs[0], / 1\/1\/0\/0\/0 0\/0 /, 'one client connection; the request left the backend before the line was written')
  t.end()
})

t.test('use-backend rules route to other backends; unknown ones are configuration errors', async (t) => {
  const web = await upstream(t, echo('web'))
  const api = await upstream(t, echo('api'))
  const route = (backend: string): FrontendConfig =>
    http1('fe', 'web', { http: { rules: { request: [{ action: 'use-backend', backend, if: { kind: 'path', match: { op: 'prefix', values: '/api' } } }, { action: 'deny', if: { kind: 'path', match: { op: 'exact', values: '/secret' } } }] } } })
  const backends = { web: { servers: { s1: { address: web } } }, api: { servers: { s1: { address: api } } } }
  await t.rejects(checkConfig({ frontends: [route('z')], backends }), { code: 'SWY_ERR_CONFIG', message: /frontend "fe" uses backend "z"/ })
  const run = await start(t, { frontends: [route('api')], backends })
  t.equal((await send(run.port('fe'), { path: '/api/x' })).headers['x-server'], 'api')
  t.equal((await send(run.port('fe'), { path: '/x' })).headers['x-server'], 'web')
  t.equal((await send(run.port('fe'), { path: '/secret' })).status, 403)
  t.end()
})

t.test('a request no backend takes is logged with the frontend name', async (t) => {
  const run = await start(t, { frontends: [{ ...http1('lonely', 'b', { log: 'http' }), defaultBackend: undefined }], backends: { b: { servers: {} } } })
  t.equal((await send(run.port('lonely'))).status, 503)
  await until(() => run.logs.length === 1)
  t.match(run.logs[0], / lonely lonely\/<NOSRV> .* 503 .* 1\/1\/0\/0\/0 0\/0 "GET \/ HTTP\/1\.1"$/)
  t.end()
})

t.test('stats page on its uri; other paths are proxied', async (t) => {
  const s1 = await upstream(t, echo('s1'))
  const run = await start(t, {
    frontends: [http1('fe', 'web', { stats: { uri: '/haproxy?stats', refresh: 0 } })],
    backends: { web: { servers: { s1: { address: s1 } } } },
  })
  const page = await send(run.port('fe'), { path: '/haproxy?stats;csv' })
  t.equal(page.status, 200)
  t.match(page.body, /^# pxname,svname,/)
  t.match(page.body, /\nweb,s1,/)
  t.equal((await send(run.port('fe'), { path: '/other' })).headers['x-server'], 's1')
  t.end()
})

t.test('mode tcp: balanced connections, tcplog lines, frontend maxconn', async (t) => {
  const a = await startServer()
  const b = await startServer()
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const run = await start(t, {
    global: { maxconn: 100 },
    frontends: [{ name: 'db', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'pg', log: 'tcp', maxconn: 1, tcp: { timeouts: { connect: 1000 } } }],
    backends: { pg: { servers: { a: { address: `127.0.0.1:${a.port}` }, b: { address: `127.0.0.1:${b.port}` } } } },
  })
  const port = run.port('db')
  const first = await client(port)
  const echoed = collect(first)
  first.write('hello')
  await until(() => a.active + b.active === 1)
  // Over the frontend's maxconn: closed at accept.
  const second = connect({ port, host: '127.0.0.1' })
  second.on('error', () => {})
  await once(second, 'close')
  first.end()
  t.equal((await echoed).toString(), 'hello')
  await until(() => run.logs.length === 1)
  t.match(run.logs[0], /^127\.0\.0\.1:\d+ \[[^\]]+\] db pg\/a \d+\/\d+\/\d+ 5 -- \d+\/\d+\/\d+\/\d+\/0 0\/0$/)
  const third = await client(port)
  const out = collect(third)
  third.end('again')
  t.equal((await out).toString(), 'again')
  await until(() => run.logs.length === 2)
  t.match(run.logs[1], / db pg\/b /, 'the next connection goes to the other server')
  t.end()
})

t.test('accept-proxy on a tcp bind uses its own handler', async (t) => {
  const a = await startServer()
  t.teardown(() => a.close())
  const run = await start(t, {
    frontends: [{ name: 'db', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, acceptProxy: true }], defaultBackend: 'pg', log: 'tcp' }],
    backends: { pg: { servers: { a: { address: `127.0.0.1:${a.port}` } } } },
  })
  const proxied = await client(run.port('db', 1))
  const out = collect(proxied)
  proxied.end('PROXY TCP4 192.0.2.7 127.0.0.1 4000 80\r\nhi')
  t.equal((await out).toString(), 'hi')
  await until(() => run.logs.length === 1)
  t.match(run.logs[0], /^192\.0\.2\.7:4000 /, 'the PROXY header gave the client address')
  t.end()
})

t.test('global maxconn counts every frontend', async (t) => {
  const a = await startServer()
  t.teardown(() => a.close())
  const run = await start(t, {
    global: { maxconn: 1 },
    frontends: [
      { name: 'one', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'pg' },
      { name: 'two', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'pg' },
    ],
    backends: { pg: { servers: { a: { address: `127.0.0.1:${a.port}` } } } },
  })
  const first = await client(run.port('one'))
  await until(() => a.active === 1)
  const refused = connect({ port: run.port('two'), host: '127.0.0.1' })
  refused.on('error', () => {})
  await once(refused, 'close')
  t.equal(a.sockets.length, 1, 'the second frontend refused the connection')
  first.destroy()
  await until(() => a.active === 0)
  // Room again once the first closed.
  await until(() => run.running.proxy.backends[0]!.counters().served === 0)
  const again = await client(run.port('two'))
  const out = collect(again)
  again.end('x')
  t.equal((await out).toString(), 'x')
  await run.running.reload({ ...structuredCloneConfig(run), global: {} })
  t.end()
})

/** The configuration a running test started with, for reloads that change one thing. */
function structuredCloneConfig(run: Started): SwitchyardConfig {
  const pg = run.running.proxy.getBackend('pg').servers[0]!
  return {
    frontends: run.running.listeners
      .filter((l, i, all) => all.findIndex((m) => m.frontend === l.frontend) === i)
      .map((l) => ({ name: l.frontend, mode: 'tcp' as const, bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'pg' })),
    backends: { pg: { servers: { a: { address: pg.address } } } },
  }
}

t.test('reload: a server added, a keep-alive connection kept, frontends and binds changed', async (t) => {
  const s1 = await upstream(t, echo('s1'))
  const s2 = await upstream(t, echo('s2'))
  const base: SwitchyardConfig = {
    frontends: [http1('www', 'web'), http1('old', 'web')],
    backends: { web: { options: { timeouts: { server: 10_000 } }, servers: { s1: { address: s1 } } } },
  }
  const run = await start(t, base)
  const keep = agent(t)
  const www = run.port('www')
  t.equal((await send(www, { agent: keep })).headers['x-server'], 's1')
  const firstSocket = Object.values(keep.freeSockets)[0]![0]!
  const oldPort = run.port('old')
  const report = await run.running.reload({
    frontends: [
      { ...http1('www', 'web'), bind: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.2', port: 0 }], http: { monitorUri: '/up' } },
      http1('new', 'web'),
    ],
    backends: { web: { options: { timeouts: { server: 20_000 } }, servers: { s1: { address: s1 }, s2: { address: s2 } } } },
  })
  t.same(report.backends.added, ['web/s2'])
  t.same(report.frontendsAdded, ['new'])
  t.same(report.frontendsRemoved, ['old'])
  t.same(report.frontendsUpdated, ['www'])
  t.same(report.bound, ['www 127.0.0.2:0', 'new 127.0.0.1:0'])
  t.same(report.unbound, ['old 127.0.0.1:0'])
  t.same(report.warnings, ['backend "web": changed options apply to new backends only; restart to apply them'])
  // The established keep-alive connection carries on, on the new frontend options and servers.
  const seen: string[] = []
  for (let i = 0; i < 2; i++) seen.push((await send(www, { agent: keep })).headers['x-server'] as string)
  t.same(seen.sort(), ['s1', 's2'])
  t.equal(Object.values(keep.freeSockets)[0]![0], firstSocket, 'the same client connection')
  t.equal((await send(www, { path: '/up' })).status, 200, 'the new monitor-uri applies')
  t.equal(run.port('www', 1) > 0, true)
  t.equal((await send(run.port('new'))).status, 200)
  await t.rejects(send(oldPort), { code: 'ECONNREFUSED' }, 'the removed frontend no longer listens')
  // Same configuration again: nothing changes.
  const same = await run.running.reload({
    frontends: [{ ...http1('www', 'web'), bind: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.2', port: 0 }], http: { monitorUri: '/up' } }, http1('new', 'web')],
    backends: { web: { options: { timeouts: { server: 20_000 } }, servers: { s1: { address: s1 }, s2: { address: s2 } } } },
  })
  t.same([same.frontendsUpdated, same.bound, same.unbound, same.warnings, same.backends.kept], [[], [], [], [], ['web/s1', 'web/s2']])
  // A bind removed from a frontend that stays: that address closes, the other keeps serving.
  const second = run.port('www', 1)
  const fewer = await run.running.reload({
    frontends: [{ ...http1('www', 'web'), http: { monitorUri: '/up' } }, http1('new', 'web')],
    backends: { web: { options: { timeouts: { server: 20_000 } }, servers: { s1: { address: s1 }, s2: { address: s2 } } } },
  })
  t.same([fewer.frontendsUpdated, fewer.unbound], [[], ['www 127.0.0.2:0']])
  await t.rejects(send(second), { code: 'ECONNREFUSED' })
  t.equal((await send(www, { path: '/up' })).status, 200)
  t.end()
})

t.test('reload: an invalid configuration changes nothing; mode changes rebind; tcp handlers swap', async (t) => {
  const a = await startServer()
  t.teardown(() => a.close())
  const s1 = await upstream(t, echo('s1'))
  const run = await start(t, {
    frontends: [{ name: 'fe', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'pg' }],
    backends: { pg: { servers: { a: { address: `127.0.0.1:${a.port}` } } }, web: { servers: { s1: { address: s1 } } } },
  })
  const open = await client(run.port('fe'))
  await until(() => a.active === 1)
  await t.rejects(run.running.reload({ frontends: [http1('fe', 'nope')], backends: {} }), { code: 'SWY_ERR_CONFIG', message: /frontend "fe" uses backend "nope"/ })
  await t.rejects(
    run.running.reload({ frontends: [], backends: { pg: { servers: { a: { address: '127.0.0.1:1' } } } } }),
    { code: 'SWY_ERR_INVALID_OPTION', message: /`address` cannot change/ },
  )
  t.equal(run.running.listeners.length, 1, 'still listening as before')
  // Options of a tcp frontend change: later connections use the new handler, the open one continues.
  const tcpChange = await run.running.reload({
    frontends: [{ name: 'fe', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'pg', tcp: { retries: 1 } }],
    backends: { pg: { servers: { a: { address: `127.0.0.1:${a.port}` } } }, web: { servers: { s1: { address: s1 } } } },
  })
  t.same(tcpChange.frontendsUpdated, ['fe'])
  const out = collect(open)
  open.end('still here')
  t.equal((await out).toString(), 'still here')
  const later = await client(run.port('fe'))
  const laterOut = collect(later)
  later.end('new handler')
  t.equal((await laterOut).toString(), 'new handler')
  const modeChange = await run.running.reload({
    frontends: [http1('fe', 'web')],
    backends: { pg: { servers: { a: { address: `127.0.0.1:${a.port}` } } }, web: { servers: { s1: { address: s1 } } } },
  })
  t.same([modeChange.frontendsRemoved, modeChange.frontendsAdded], [['fe'], ['fe']])
  t.equal((await send(run.port('fe'))).headers['x-server'], 's1')
  t.end()
})

t.test('close: in-flight requests finish, new connections are refused; hard stop cuts', async (t) => {
  let release!: () => void
  const slow = await upstream(t, (_req, res) => {
    release = () => res.end('done')
    res.writeHead(200)
    res.flushHeaders()
  })
  const run = await start(t, { frontends: [http1('fe', 'web')], backends: { web: { servers: { s1: { address: slow } } } } })
  const port = run.port('fe')
  const pending = send(port)
  await until(() => release !== undefined)
  const closed = run.running.close()
  t.equal(run.running.close(), closed, 'the same promise')
  await t.rejects(send(port), { code: 'ECONNREFUSED' })
  release()
  t.equal((await pending).body, 'done')
  await closed
  // Without a hard stop: nothing to cut, it resolves once idle.
  const unlimited = await start(t, { frontends: [http1('fe', 'web')], backends: { web: { servers: { s1: { address: slow } } } } })
  await unlimited.running.close({ hardStopAfter: Infinity })
  await t.rejects(run.running.reload({ frontends: [], backends: {} }), { code: 'SWY_ERR_CONFIG', message: /stopping/ })

  // Hard stop: a tcp connection that never ends is cut.
  const a = await startServer()
  t.teardown(() => a.close())
  const tcp = await start(t, {
    global: { hardStopAfter: 50, grace: 10 },
    frontends: [{ name: 'db', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'pg' }],
    backends: { pg: { servers: { a: { address: `127.0.0.1:${a.port}` } } } },
  })
  const stuck = await client(tcp.port('db'))
  await until(() => a.active === 1)
  // The proxy ends the client side (the half-open test client does not close by itself).
  const gone = once(stuck, 'end')
  await tcp.running.close()
  await gone
  t.end()
})

t.test('close during grace keeps listening; a replaced tcp handler is cut at the hard stop', async (t) => {
  const a = await startServer()
  t.teardown(() => a.close())
  const cfg = (retries: number): SwitchyardConfig => ({
    frontends: [{ name: 'db', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'pg', tcp: { retries } }],
    backends: { pg: { servers: { a: { address: `127.0.0.1:${a.port}` } } } },
  })
  const run = await start(t, cfg(1))
  const old = await client(run.port('db'))
  await until(() => a.active === 1)
  await run.running.reload(cfg(2))
  const closed = run.running.close({ grace: 100, hardStopAfter: 150 })
  // Still accepting during grace.
  const during = await client(run.port('db'))
  const out = collect(during)
  during.end('grace')
  t.equal((await out).toString(), 'grace')
  const cut = once(old, 'end')
  await closed
  await cut
  t.end()
})

t.test('configuration errors', async (t) => {
  const servers = { s1: { address: '127.0.0.1:1' } }
  const cases: [string, SwitchyardConfig, RegExp][] = [
    ['duplicate frontend', { frontends: [http1('a', 'b'), http1('a', 'b')], backends: { b: { servers } } }, /frontend "a" is defined twice/],
    ['no bind', { frontends: [{ ...http1('a', 'b'), bind: [] }], backends: { b: { servers } } }, /frontend "a" has no bind address/],
    ['unknown default backend', { frontends: [http1('a', 'x')], backends: {} }, /frontend "a" uses backend "x", which does not exist/],
    ['unknown rule backend', { frontends: [http1('a', 'b', { http: { rules: { defaultBackend: 'y' } } })], backends: { b: { servers } } }, /uses backend "y"/],
    ['tcp without backend', { frontends: [{ name: 't', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }] }], backends: {} }, /frontend "t" \(mode tcp\) has no default backend/],
    ['accept-proxy on http', { frontends: [{ ...http1('a', 'b'), bind: [{ host: '127.0.0.1', port: 0, acceptProxy: true }] }], backends: { b: { servers } } }, /accept-proxy is supported on mode tcp frontends only/],
  ]
  for (const [name, config, message] of cases) await t.rejects(checkConfig(config), { code: 'SWY_ERR_CONFIG', message }, name)
  await t.rejects(checkConfig({ frontends: [http1('a', 'b', { http: { monitorUri: 'x' } })], backends: { b: { servers } } }), { code: 'SWY_ERR_INVALID_OPTION', message: /frontend "a".*monitorUri/ })
  await t.rejects(checkConfig({ frontends: [{ name: 't', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'b', tcp: { retries: -1 } }], backends: { b: { servers } } }), { code: 'SWY_ERR_INVALID_OPTION' })
  await t.resolves(checkConfig({ frontends: [], backends: {} }))
  t.end()
})

t.test('a bind that fails closes what started', async (t) => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => taken.close(() => resolve())))
  const port = (taken.address() as AddressInfo).port
  const config: SwitchyardConfig = {
    frontends: [http1('ok', 'b'), { ...http1('clash', 'b'), bind: [{ host: '*', port }] }],
    backends: { b: { servers: { s1: { address: '127.0.0.1:1' } } } },
  }
  const notices: string[] = []
  await t.rejects(startConfig(config, { notice: (m) => notices.push(m) }), { code: 'EADDRINUSE' })
  const okPort = Number(/:(\d+)$/.exec(notices[0]!)![1])
  await t.rejects(send(okPort), { code: 'ECONNREFUSED' }, 'the frontend that had started was closed')
  // Without sinks: nothing is logged, nothing breaks.
  const quiet = await startConfig({ frontends: [http1('q', 'b', { log: 'http' }), { name: 't', mode: 'tcp', log: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'b' }], backends: { b: { servers: { s1: { address: await upstream(t, echo('s1')) } } } } })
  t.equal((await send(quiet.listeners[0]!.port)).status, 200)
  await quiet.close()
  t.end()
})

t.test('IPv6 listeners are announced in brackets', async (t) => {
  const run = await start(t, { frontends: [{ ...http1('v6', 'b'), bind: [{ host: '::1', port: 0 }] }], backends: { b: { servers: {} } } })
  t.match(run.notices[0], /^listening frontend=v6 \[::1\]:\d+$/)
  const socket: Socket = connect({ host: '::1', port: run.port('v6') })
  await once(socket, 'connect')
  socket.destroy()
  t.end()
})

t.test('a listener that fails to accept is reported (at most once a second per address) and keeps serving', async (t) => {
  const s1 = await upstream(t, echo('s1'))
  // The listening servers, caught as they bind: nothing public hands them out.
  const servers: Server[] = []
  const listen = Server.prototype.listen
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    servers.push(this)
    return listen.apply(this, args as never)
  } as typeof listen
  t.teardown(() => void (Server.prototype.listen = listen))
  const clock = new FakeClock(5_000)
  const run = await start(
    t,
    {
      frontends: [http1('web', 'b'), { name: 'db', mode: 'tcp', bind: [{ host: '127.0.0.1', port: 0 }], defaultBackend: 'b' }],
      backends: { b: { servers: { s1: { address: s1 } } } },
    },
    { deps: { clock } },
  )
  Server.prototype.listen = listen
  t.equal(servers.length, 2)
  const [web, db] = servers as [Server, Server]
  const emfile = (): Error => Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' })
  web.emit('error', emfile())
  web.emit('error', emfile())
  clock.advance(999)
  web.emit('error', emfile())
  db.emit('error', emfile())
  clock.advance(1)
  web.emit('error', emfile())
  const alerts = run.notices.filter((n) => n.startsWith('[ALERT]'))
  t.same(alerts, [
    `[ALERT] accept failed on frontend=web 127.0.0.1:${run.port('web')}: accept EMFILE`,
    `[ALERT] accept failed on frontend=db 127.0.0.1:${run.port('db')}: accept EMFILE`,
    `[ALERT] accept failed on frontend=web 127.0.0.1:${run.port('web')}: accept EMFILE (2 more since the last report)`,
  ])
  t.equal((await send(run.port('web'), { path: '/' })).headers['x-server'], 's1', 'still serving')
  t.end()
})
