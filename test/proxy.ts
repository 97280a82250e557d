import t, { type Test } from 'tap'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import { createProxy, type Proxy } from '../lib/proxy.js'
import { expressMiddleware } from '../lib/adapters/express.js'
import { isSwitchyardError } from '../lib/errors.js'
import { echo, listen, send, upstream, until } from './fixtures/http.js'
import { selfSignedCert } from './fixtures/faults.js'
import { rawRequest } from './fixtures/raw-client.js'

/** Starts `proxy` on 127.0.0.1:0 and closes it at teardown. */
async function start(t: Test, proxy: Proxy): Promise<number> {
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close())
  return (server.address() as AddressInfo).port
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return isSwitchyardError(err) ? `${err.code}: ${err.message}` : `not a SwitchyardError: ${String(err)}`
  }
  return 'no error'
}

t.test('options are validated at the boundary with errors naming field and value', (t) => {
  t.match(codeOf(() => createProxy({ timeout: 5 } as never)), /SWY_ERR_INVALID_OPTION: .*unknown option `timeout`/)
  t.match(codeOf(() => createProxy({ monitorUri: 'health' })), /SWY_ERR_INVALID_OPTION: .*`monitorUri`.*got `"health"`/)
  const proxy = createProxy()
  t.match(codeOf(() => proxy.addBackend('be', { balance: 'round-robin' as never })), /backend "be" balance.*algorithm/)
  t.match(codeOf(() => proxy.addBackend('be', { maxConn: 3 } as never)), /unknown option `maxConn`/)
  t.match(codeOf(() => proxy.addBackend('be', { timeouts: { server: -1 } })), /`timeouts\.server`.*got `-1`/)
  t.match(codeOf(() => proxy.addBackend('')), /backend name/)
  const be = proxy.addBackend('be')
  t.match(codeOf(() => proxy.addBackend('be')), /SWY_ERR_DUPLICATE_BACKEND/)
  t.match(codeOf(() => proxy.getBackend('nope')), /SWY_ERR_UNKNOWN_BACKEND/)
  t.match(codeOf(() => proxy.route({ backend: 'nope' })), /SWY_ERR_UNKNOWN_BACKEND/)
  t.match(codeOf(() => proxy.setDefaultBackend('nope')), /SWY_ERR_UNKNOWN_BACKEND/)
  t.match(codeOf(() => be.addServer('s1', { address: 'ftp://x:1' })), /server address.*ftp:\/\/x:1/)
  t.match(codeOf(() => be.addServer('s1', { address: 'x:1', weight: 300 })), /server "s1" of backend "be".*`weight`.*got `300`/)
  t.match(codeOf(() => be.addServer('s1', { address: 'x:1', maxConn: 1 } as never)), /unknown option `maxConn`/)
  t.match(codeOf(() => be.addServer('', { address: 'x:1' })), /server name/)
  be.addServer('s1', { address: 'x:1' })
  t.match(codeOf(() => be.addServer('s1', { address: 'x:2' })), /SWY_ERR_DUPLICATE_SERVER/)
  t.equal(be.servers.length, 1, 'nothing half-added by a refused call')
  t.end()
})

t.test('round robin over real servers, every request of a keep-alive client balanced', async (t) => {
  const proxy = createProxy()
  const web = proxy.addBackend('web')
  for (const name of ['s1', 's2', 's3']) web.addServer(name, { address: await upstream(t, echo(name)) })
  const port = await start(t, proxy)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const seen: string[] = []
  for (let i = 0; i < 6; i++) seen.push((await send(port, { agent })).headers['x-server'] as string)
  t.same(seen, ['s1', 's2', 's3', 's1', 's2', 's3'])
  t.equal(web.counters().total, 6)
  t.end()
})

t.test('listen() refuses CONNECT with 400 and closes the connection', async (t) => {
  const proxy = createProxy()
  proxy.addBackend('web').addServer('a', { address: await upstream(t, echo('a')) })
  const port = await start(t, proxy)
  const res = await rawRequest(port, 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n')
  t.same(res.responses.map((r) => r.status), [400])
  t.equal(res.closed, true)
})

t.test('an error on the listening server (a failed accept) is an event, not a crash; the server keeps serving', async (t) => {
  const proxy = createProxy()
  proxy.addBackend('web').addServer('a', { address: await upstream(t, echo('a')) })
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close())
  const seen: string[] = []
  proxy.on('listener:error', (error, from) => seen.push(`${(error as NodeJS.ErrnoException).code} ${from === server}`))
  // What net.Server emits when libuv cannot accept (its EMFILE reserve descriptor gone).
  server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' }))
  t.same(seen, ['EMFILE true'])
  t.equal(server.listening, true)
  const res = await send((server.address() as AddressInfo).port)
  t.equal(res.status, 200)
})

t.test('weights and backups through the proxy', async (t) => {
  const proxy = createProxy()
  const web = proxy.addBackend('web', { balance: 'static-rr' })
  web.addServer('a', { address: await upstream(t, echo('a')), weight: 2 })
  web.addServer('b', { address: await upstream(t, echo('b')), weight: 1 })
  web.addServer('spare', { address: await upstream(t, echo('spare')), backup: true })
  const port = await start(t, proxy)
  const names = async (n: number) => {
    const out: string[] = []
    for (let i = 0; i < n; i++) out.push((await send(port)).headers['x-server'] as string)
    return out
  }
  t.same(await names(3), ['a', 'a', 'b'])
  web.setState('a', 'maint')
  web.setHealth('b', 'down')
  t.same(await names(2), ['spare', 'spare'], 'the backup takes over')
  web.setState('a', 'ready')
  t.same(await names(2), ['a', 'a'], 'and gives back')
  t.end()
})

t.test('routing rules choose the backend, then the default backend', async (t) => {
  const proxy = createProxy()
  const web = proxy.addBackend('web')
  const api = proxy.addBackend('api')
  const ws = proxy.addBackend('admin')
  web.addServer('w', { address: await upstream(t, echo('w')) })
  api.addServer('a', { address: await upstream(t, echo('a')) })
  ws.addServer('m', { address: await upstream(t, echo('m')) })
  proxy.route({ backend: 'api', if: { pathPrefix: '/api/' } })
  proxy.route({ backend: 'admin', if: { host: 'admin.example.com', method: ['GET'] } })
  const port = await start(t, proxy)
  t.equal((await send(port, { path: '/api/users' })).headers['x-server'], 'a')
  t.equal((await send(port, { path: '/', headers: { host: 'Admin.Example.com:8080' } })).headers['x-server'], 'm')
  t.equal((await send(port, { path: '/', method: 'POST', headers: { host: 'admin.example.com' } })).headers['x-server'], 'w', 'method does not match → default')
  t.equal((await send(port, { path: '/index.html' })).headers['x-server'], 'w', 'first backend is the default')
  proxy.setDefaultBackend('api')
  t.equal((await send(port, { path: '/index.html' })).headers['x-server'], 'a', 'default backend changed')
  t.end()
})

t.test('maxconn holds upstream concurrency as counted by the servers themselves', async (t) => {
  let inFlight = 0
  let peak = 0
  const slow: http.RequestListener = (_req, res) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    setTimeout(() => {
      inFlight--
      res.end('ok')
    }, 20)
  }
  const proxy = createProxy()
  const web = proxy.addBackend('web', { timeouts: { queue: 5_000 } })
  web.addServer('s1', { address: await upstream(t, slow), maxconn: 2 })
  web.addServer('s2', { address: await upstream(t, slow), maxconn: 2 })
  const port = await start(t, proxy)
  const replies = await Promise.all(Array.from({ length: 24 }, () => send(port)))
  t.same(replies.map((r) => r.status), Array(24).fill(200), 'every request served once')
  t.ok(peak <= 4 && peak >= 2, `never more than 2 per server (peak over both ${peak})`)
  t.equal(web.counters().total, 24)
  const perServer = web.counters().servers.map((s) => s.maxServed)
  t.same(perServer.map((n) => n <= 2), [true, true], `per-server peaks ${perServer.join(',')}`)
  t.end()
})

t.test('a server never gets more connections than its maxconn: a queued request waits for the connection a finished one frees', async (t) => {
  let accepted = 0
  let open = 0
  let peakOpen = 0
  const quick = http.createServer((_req, res) => setImmediate(() => res.end('ok')))
  quick.on('connection', (socket: Socket) => {
    accepted++
    peakOpen = Math.max(peakOpen, ++open)
    socket.on('close', () => open--)
  })
  const proxy = createProxy()
  const web = proxy.addBackend('web', { timeouts: { queue: 5_000 } })
  web.addServer('s1', { address: `127.0.0.1:${await listen(t, quick)}`, maxconn: 2 })
  const port = await start(t, proxy)
  const burst = async (): Promise<number[]> => (await Promise.all(Array.from({ length: 40 }, () => send(port)))).map((r) => r.status)
  t.same(await burst(), Array(40).fill(200))
  t.equal(accepted, 2, 'two connections, reused by the 38 queued requests')
  web.setMaxconn('s1', 3)
  t.same(await burst(), Array(40).fill(200))
  await until(() => open <= 3)
  t.equal(accepted, 5, 'maxconn 3: a new pool of three connections; the old one closed')
  t.ok(peakOpen <= 5, `peak ${peakOpen}`)
  t.end()
})

t.test('no usable server: HAProxy 503 page; monitor-uri follows the backend state', async (t) => {
  const proxy = createProxy({ monitorUri: '/health' })
  const web = proxy.addBackend('web')
  web.addServer('s1', { address: await upstream(t, echo('s1')) })
  const port = await start(t, proxy)
  const ok = await send(port, { path: '/health' })
  t.equal(ok.status, 200)
  t.match(ok.body, /Service ready/)
  web.setState('s1', 'maint')
  const down = await send(port, { path: '/health' })
  t.equal(down.status, 503)
  const nosrv = await send(port, { path: '/x' })
  t.equal(nosrv.status, 503)
  t.match(nosrv.body, /No server is available to handle this request/)
  t.equal(nosrv.headers['cache-control'], 'no-cache')
  t.end()
})

t.test('a request queued longer than timeout queue gets 503; the slot is not leaked', async (t) => {
  const release: Array<() => void> = []
  const hold: http.RequestListener = (_req, res) => release.push(() => res.end('done'))
  const proxy = createProxy()
  const web = proxy.addBackend('web', { timeouts: { queue: 50 } })
  web.addServer('s1', { address: await upstream(t, hold), maxconn: 1 })
  const port = await start(t, proxy)
  const first = send(port)
  await until(() => release.length === 1)
  const second = await send(port)
  t.equal(second.status, 503, 'queue timeout')
  release.shift()!()
  t.equal((await first).status, 200)
  await until(() => web.counters().served === 0)
  const third = send(port)
  await until(() => release.length === 1)
  release.shift()!()
  t.equal((await third).status, 200, 'the slot was given back')
  t.end()
})

t.test('removing a server under traffic loses nothing', async (t) => {
  const proxy = createProxy()
  const web = proxy.addBackend('web')
  web.addServer('s1', { address: await upstream(t, echo('s1')) })
  web.addServer('s2', { address: await upstream(t, echo('s2')) })
  const port = await start(t, proxy)
  const inflight = Array.from({ length: 20 }, () => send(port))
  await web.removeServer('s1')
  const later = await Promise.all(Array.from({ length: 4 }, () => send(port)))
  t.same((await Promise.all(inflight)).map((r) => r.status), Array(20).fill(200))
  t.same(later.map((r) => r.headers['x-server']), ['s2', 's2', 's2', 's2'])
  t.end()
})

t.test('WebSocket through proxy.upgrade on the application’s own server', async (t) => {
  const upstreamServer = http.createServer()
  const wss = new WebSocketServer({ server: upstreamServer })
  wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo:${String(data)}`)))
  const upstreamPort = await listen(t, upstreamServer)
  t.teardown(() => wss.close())
  const proxy = createProxy()
  proxy.addBackend('ws').addServer('w1', { address: `127.0.0.1:${upstreamPort}` })
  const app = http.createServer(proxy.handler)
  app.on('upgrade', proxy.upgrade)
  const port = await listen(t, app)
  t.teardown(() => proxy.close())
  const client = new WebSocket(`ws://127.0.0.1:${port}/chat`)
  const reply = await new Promise<string>((resolve, reject) => {
    client.on('open', () => client.send('hello'))
    client.on('message', (data) => resolve(String(data)))
    client.on('error', reject)
  })
  client.close()
  t.equal(reply, 'echo:hello')
  t.end()
})

t.test('backend events and close()', async (t) => {
  const proxy = createProxy()
  const added: string[] = []
  proxy.on('backend:add', (b) => added.push(b.name))
  const web = proxy.addBackend('web')
  const seen: string[] = []
  web.on('server:state', (server) => seen.push(`${server.name}:${server.admin}`))
  web.addServer('s1', { address: await upstream(t, echo('s1')) })
  web.setState('s1', 'drain')
  web.setWeight('s1', '50%')
  web.setMaxconn('s1', 3)
  t.equal(web.server('s1')!.maxconn, 3)
  t.same(added, ['web'])
  t.same(seen, ['s1:drain'])
  t.equal(proxy.backends.length, 1)
  const lease = await web.acquire({}).catch((err: unknown) => err)
  t.ok(isSwitchyardError(lease) && lease.code === 'SWY_ERR_NO_SERVER', 'a draining server takes no balanced traffic')
  t.equal(web.tryAcquire({}).status, 'nosrv')
  const port = await start(t, proxy)
  await proxy.close()
  await proxy.close()
  await t.rejects(send(port), 'no longer listening')
  t.end()
})

t.test('servers over TLS: ssl with a private CA, verify none (the LeoFS re-encrypt case)', async (t) => {
  const { key, cert } = selfSignedCert()
  const tlsServer = https.createServer({ key, cert }, echo('tls'))
  const tlsPort = await listen(t, tlsServer)
  const proxy = createProxy()
  const web = proxy.addBackend('web', { server: { verify: 'required' } })
  web.addServer('verified', { address: `127.0.0.1:${tlsPort}`, ssl: true, ca: cert })
  const port = await start(t, proxy)
  t.equal((await send(port)).headers['x-server'], 'tls', 'verified against the given CA')
  const loose = createProxy()
  loose.addBackend('web').addServer('any', { address: `https://127.0.0.1:${tlsPort}`, verify: 'none' })
  const loosePort = await start(t, loose)
  t.equal((await send(loosePort)).headers['x-server'], 'tls', 'verify none accepts a self-signed certificate')
  const strict = createProxy()
  strict.addBackend('web').addServer('strict', { address: `https://127.0.0.1:${tlsPort}` })
  const strictPort = await start(t, strict)
  t.equal((await send(strictPort)).status, 503, 'an untrusted certificate is a connection failure')
  t.end()
})

t.test('disabled servers start in maintenance; redispatch settings reach the core; no backend at all → 503', async (t) => {
  const empty = createProxy()
  const emptyPort = await start(t, empty)
  t.equal((await send(emptyPort)).status, 503, 'nothing to route to')
  const proxy = createProxy()
  const web = proxy.addBackend('web', { redispatch: true })
  web.addServer('off', { address: await upstream(t, echo('off')), disabled: true })
  web.addServer('on', { address: await upstream(t, echo('on')) })
  t.equal(web.server('off')!.admin, 'maint')
  const port = await start(t, proxy)
  t.same([(await send(port)).headers['x-server'], (await send(port)).headers['x-server']], ['on', 'on'])
  // redispatch off (0) vs on: a persistent request to a full server with maxqueue reached
  for (const [redispatch, expected] of [[0, 'SWY_ERR_QUEUE_FULL'], [true, 'ok']] as const) {
    const p = createProxy()
    const be = p.addBackend('b', { redispatch })
    const s1 = be.addServer('s1', { address: 'x:1', maxconn: 1, maxqueue: 1 })
    be.addServer('s2', { address: 'x:2' })
    const held = await be.acquire({ pinned: s1 })
    const queued = be.acquire({ pinned: s1 })
    const third = await be.acquire({ pinned: s1 }).then((lease) => { lease.release(); return 'ok' }, (err: unknown) => (isSwitchyardError(err) ? err.code : 'other'))
    t.equal(third, expected, `redispatch ${String(redispatch)}`)
    held.release()
    ;(await queued).release()
    await p.close()
  }
  t.end()
})

t.test('the log hook gets HAProxy fields; a non-function log is refused', async (t) => {
  t.match(codeOf(() => createProxy({ log: 'stdout' as never })), /`log`: Expected a function/)
  const entries: Array<{ backend: string; server: string; status: number; termination: string }> = []
  const proxy = createProxy({ log: (entry) => entries.push({ backend: entry.backend, server: entry.server, status: entry.status, termination: entry.termination }) })
  proxy.addBackend('web').addServer('s1', { address: await upstream(t, echo('s1')) })
  const port = await start(t, proxy)
  await send(port)
  await until(() => entries.length === 1)
  t.same(entries, [{ backend: 'web', server: 's1', status: 200, termination: '----' }])
  t.end()
})

t.test('redispatchEveryRetry: more than one usable active server and a non-hash algorithm', (t) => {
  const proxy = createProxy()
  const rr = proxy.addBackend('rr')
  rr.addServer('a', { address: 'x:1' })
  t.equal(rr.core.redispatchEveryRetry(), false, 'one server')
  rr.addServer('b', { address: 'x:2' })
  t.equal(rr.core.redispatchEveryRetry(), true)
  const hashed = proxy.addBackend('hashed', { balance: 'source' })
  hashed.addServer('a', { address: 'x:1' })
  hashed.addServer('b', { address: 'x:2' })
  t.equal(hashed.core.redispatchEveryRetry(), false, 'hashing keeps the server')
  t.equal(hashed.core.hasUsableServer(), true)
  t.end()
})

t.test('mounted as Express middleware: matched requests are proxied, the rest reach the app', async (t) => {
  const { default: express } = await import('express')
  const proxy = createProxy()
  proxy.addBackend('api').addServer('a1', { address: await upstream(t, echo('a1')) })
  proxy.route({ backend: 'api', if: { pathPrefix: '/api/' } })
  proxy.setDefaultBackend(null)
  const app = express()
  app.use(expressMiddleware(proxy))
  app.get('/local', (_req, res) => {
    res.send('from the app')
  })
  const server = http.createServer(app)
  const port = await listen(t, server)
  t.teardown(() => proxy.close())
  t.equal((await send(port, { path: '/api/x' })).headers['x-server'], 'a1')
  t.equal((await send(port, { path: '/local' })).body, 'from the app')
  const direct = createProxy()
  direct.addBackend('only')
  direct.setDefaultBackend(null)
  const directPort = await start(t, direct)
  t.equal((await send(directPort)).status, 503, 'no default backend: 503 outside middleware')
  t.end()
})
