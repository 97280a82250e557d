import t, { type Test } from 'tap'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProxy, type BackendOptions, type Proxy, type ProxyBackend } from '../../lib/proxy.js'
import type { HttpLogEntry } from '../../lib/adapters/types.js'
import { isSwitchyardError } from '../../lib/errors.js'
import type { Deps } from '../../lib/types.js'
import { delay, listen, send, until, type Reply, type SendOptions } from '../fixtures/http.js'

/**
 * An upstream that reports what it saw — `x-server` (its name), `x-cookie` (the
 * Cookie header it received, `<none>` without one), `x-cookie-lines` (how many
 * Cookie fields) — and answers the `set` and `cc` query parameters as
 * `Set-Cookie` and `Cache-Control` lines.
 */
function app(name: string): http.RequestListener {
  return (req, res) => {
    req.resume()
    req.on('end', () => {
      const query = new URL(req.url!, 'http://x').searchParams
      let lines = 0
      for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'cookie') lines++
      const headers = ['x-server', name, 'x-cookie', req.headers.cookie ?? '<none>', 'x-cookie-lines', String(lines)]
      for (const line of query.getAll('set')) headers.push('set-cookie', line)
      for (const line of query.getAll('cc')) headers.push('cache-control', line)
      res.writeHead(200, headers)
      res.end(name)
    })
  }
}

/** An upstream address; `hold` (when given) delays answers until it resolves. */
async function upstream(t: Test, name: string, hold?: () => Promise<void>): Promise<string> {
  const handler = app(name)
  const server = http.createServer((req, res) => {
    if (hold === undefined) handler(req, res)
    else void hold().then(() => handler(req, res))
  })
  return `http://127.0.0.1:${await listen(t, server)}`
}

/** An address nothing listens on (connections are refused). */
async function deadAddress(): Promise<string> {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

interface Rig {
  readonly proxy: Proxy
  readonly web: ProxyBackend
  readonly port: number
  readonly logs: HttpLogEntry[]
  readonly agent: http.Agent
  /** One request on the rig's keep-alive connection. */
  get(cookie?: string | readonly string[], options?: SendOptions): Promise<Reply>
  /** `termination` of the n-th log entry (waits for it). */
  flags(n: number): Promise<string>
}

/** A proxy with one backend; `servers` are added in order before it listens. */
async function rig(
  t: Test,
  options: BackendOptions,
  servers: readonly (readonly [name: string, address: string, extra?: Record<string, unknown>])[],
  deps: Partial<Deps> = {},
): Promise<Rig> {
  const logs: HttpLogEntry[] = []
  const proxy = createProxy({ log: (e) => logs.push(e) }, deps)
  const web = proxy.addBackend('web', options)
  for (const [name, address, extra] of servers) web.addServer(name, { address, ...extra })
  const server = await proxy.listen(0)
  t.teardown(() => proxy.close())
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const port = (server.address() as AddressInfo).port
  return {
    proxy,
    web,
    port,
    logs,
    agent,
    get(cookie, more = {}) {
      const headers = cookie === undefined ? undefined : typeof cookie === 'string' ? { cookie } : ['Host', `127.0.0.1:${port}`, ...cookie.flatMap((c) => ['Cookie', c])]
      return send(port, { agent, ...(headers === undefined ? {} : { headers }), ...more })
    },
    async flags(n) {
      await until(() => logs.length > n)
      return logs[n]!.termination
    },
  }
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return isSwitchyardError(err) ? `${err.code}: ${err.message}` : `not a SwitchyardError: ${String(err)}`
  }
  return 'no error'
}

t.test('options: validated at the boundary, per-server values, counters', async (t) => {
  const proxy = createProxy()
  t.match(codeOf(() => proxy.addBackend('a', { cookie: { name: 'S', mode: 'bogus' } } as never)), /SWY_ERR_INVALID_OPTION: .*`cookie\.mode`/)
  t.match(codeOf(() => proxy.addBackend('b', { cookie: { name: 'S', mode: 'rewrite', indirect: true } })), /SWY_ERR_INVALID_OPTION: cookie\.indirect/)
  t.match(codeOf(() => proxy.addBackend('c', { cookie: { name: 'S', maxidle: 500 } })), /cookie\.maxidle/)
  t.match(codeOf(() => proxy.addBackend('d', { cookie: { name: 'S', nope: 1 } } as never)), /unknown option `cookie\.nope`/)
  t.match(codeOf(() => proxy.addBackend('e', { persist: 'yes' } as never)), /`persist`/)
  const plain = proxy.addBackend('plain')
  plain.addServer('s1', { address: 'x:1', cookie: 'A' })
  t.equal(plain.persistence, undefined, 'a server cookie without a backend cookie is ignored')
  t.equal(plain.cookieCounters(), undefined)
  const be = proxy.addBackend('be', { cookie: { name: 'SERVERID', mode: 'insert', dynamic: true, dynamicKey: 'MySecret' } })
  t.match(codeOf(() => be.addServer('bad', { address: 'x:1', cookie: 'a;b' })), /SWY_ERR_INVALID_OPTION: server "bad" of backend "be": invalid `cookie`/)
  t.equal(be.servers.length, 0, 'nothing half-added')
  const a = be.addServer('a', { address: '127.0.0.1:9001' })
  const b = be.addServer('b', { address: '127.0.0.1:9002', cookie: 'B' })
  t.equal(be.persistence!.cookieOf(a), '57c93b266778480b', 'dynamic value (HAProxy reference)')
  t.equal(be.persistence!.cookieOf(b), 'B', 'explicit value wins')
  await be.removeServer('b')
  t.equal(be.persistence!.lookup.serversFor('B'), undefined, 'a removed server no longer matches')
  t.same(be.cookieCounters(), { hits: 0, misses: 0, redispatches: 0 })
  await proxy.close()
})

t.test('insert indirect: first response gets SERVERID, later requests stick, the server never sees it', async (t) => {
  const r = await rig(t, { cookie: { name: 'SERVERID', mode: 'insert', indirect: true } }, [
    ['A', await upstream(t, 'A'), { cookie: 'A' }],
    ['B', await upstream(t, 'B'), { cookie: 'B' }],
  ])
  const first = await r.get()
  t.equal(first.headers['x-server'], 'A')
  t.same(first.headers['set-cookie'], ['SERVERID=A; path=/'])
  t.equal(first.headers['cache-control'], undefined)
  t.equal(await r.flags(0), '--NI')
  // Every request of the keep-alive connection is persisted, whatever round robin would say.
  for (let i = 0; i < 3; i++) {
    const again = await r.get('SERVERID=A')
    t.equal(again.headers['x-server'], 'A')
    t.equal(again.headers['x-cookie'], '<none>', 'the only cookie: no Cookie header at all')
    t.equal(again.headers['set-cookie'], undefined, 'indirect: not re-sent to a client that has it')
    t.equal(await r.flags(1 + i), '--VN')
  }
  const mixed = await r.get('other=1; SERVERID=B; x=2')
  t.equal(mixed.headers['x-server'], 'B')
  t.equal(mixed.headers['x-cookie'], 'other=1; x=2', 'other cookies kept in order')
  t.equal(await r.flags(4), '--VN')
  const unknown = await r.get('SERVERID=Z; keep=1')
  t.equal(unknown.headers['x-cookie'], 'keep=1', 'removed in indirect mode even when invalid')
  t.same(unknown.headers['set-cookie'], [`SERVERID=${unknown.headers['x-server'] as string}; path=/`])
  t.equal(await r.flags(5), '--II')
  t.same(r.web.cookieCounters(), { hits: 4, misses: 1, redispatches: 0 })
  t.same(r.logs.map((l) => l.server), ['A', 'A', 'A', 'A', 'B', unknown.headers['x-server']])
})

t.test('insert indirect nocache: Cache-Control: private only on cacheable responses that get a cookie', async (t) => {
  const r = await rig(t, { cookie: { name: 'SERVERID', mode: 'insert', indirect: true, nocache: true, httponly: true, secure: true, domains: ['.example.com'], attrs: ['SameSite=Lax'] } }, [
    ['A', await upstream(t, 'A'), { cookie: 'A' }],
  ])
  const plain = await r.get()
  t.same(plain.headers['set-cookie'], ['SERVERID=A; path=/; domain=.example.com; HttpOnly; Secure; SameSite=Lax'])
  t.equal(plain.headers['cache-control'], undefined, 'no freshness info: not cacheable, no header added')
  const cacheable = await r.get(undefined, { path: '/?cc=public&cc=max-age%3D60&set=app%3D1&set=app2%3D2' })
  t.same(cacheable.headers['set-cookie'], ['app=1', 'app2=2', 'SERVERID=A; path=/; domain=.example.com; HttpOnly; Secure; SameSite=Lax'])
  const raw: string[] = []
  for (let i = 0; i < cacheable.rawHeaders.length; i += 2) if (cacheable.rawHeaders[i]!.toLowerCase() === 'cache-control') raw.push(cacheable.rawHeaders[i + 1]!)
  t.same(raw, ['public', 'max-age=60', 'private'], 'appended, existing ones kept')
  const direct = await r.get('SERVERID=A', { path: '/?cc=max-age%3D60' })
  t.equal(direct.headers['set-cookie'], undefined)
  t.equal(direct.headers['cache-control'], 'max-age=60', 'no cookie inserted: nothing added')
  const post = await r.get(undefined, { method: 'POST', path: '/?cc=max-age%3D60', body: 'x' })
  t.equal(post.headers['cache-control'], 'max-age=60', 'POST responses are not cacheable')
  t.ok(post.headers['set-cookie'])
})

t.test('prefix: JSESSIONID both ways', async (t) => {
  const r = await rig(t, { cookie: { name: 'JSESSIONID', mode: 'prefix' } }, [
    ['A', await upstream(t, 'A'), { cookie: 'A' }],
    ['B', await upstream(t, 'B'), { cookie: 'B' }],
  ])
  const login = await r.get(undefined, { path: '/?set=JSESSIONID%3Dabc%3B%20Path%3D%2F' })
  t.equal(login.headers['x-server'], 'A')
  t.same(login.headers['set-cookie'], ['JSESSIONID=A~abc; Path=/'])
  t.equal(await r.flags(0), '--NR')
  const none = await r.get()
  t.equal(none.headers['set-cookie'], undefined, 'prefix never inserts')
  t.equal(await r.flags(1), '--NN')
  const back = await r.get('JSESSIONID=B~xyz; o=1')
  t.equal(back.headers['x-server'], 'B')
  t.equal(back.headers['x-cookie'], 'JSESSIONID=xyz; o=1', 'prefix stripped before the server sees it')
  t.equal(await r.flags(2), '--VN')
})

t.test('rewrite: the server cookie value is replaced; requests carry it as is', async (t) => {
  const r = await rig(t, { cookie: { name: 'SERVERID', mode: 'rewrite' } }, [
    ['A', await upstream(t, 'A'), { cookie: 'A' }],
    ['B', await upstream(t, 'B'), { cookie: 'B' }],
  ])
  const first = await r.get(undefined, { path: '/?set=SERVERID%3Danything%3B%20Path%3D%2F' })
  t.same(first.headers['set-cookie'], ['SERVERID=A; Path=/'])
  t.equal(await r.flags(0), '--NR')
  const back = await r.get('SERVERID=B')
  t.equal(back.headers['x-server'], 'B')
  t.equal(back.headers['x-cookie'], 'SERVERID=B', 'forwarded as is')
})

t.test('passive cookie: persisted, response untouched, flags not logged', async (t) => {
  const r = await rig(t, { cookie: { name: 'SID' }, retries: 0 }, [
    ['A', await upstream(t, 'A'), { cookie: 'A' }],
    ['B', await upstream(t, 'B'), { cookie: 'B' }],
    ['D', await deadAddress(), { cookie: 'D' }],
  ])
  for (let i = 0; i < 2; i++) t.equal((await r.get('SID=B', { path: '/?set=SID%3Dq' })).headers['x-server'], 'B')
  t.equal(await r.flags(1), '----')
  t.equal((await r.get('SID=D')).status, 503)
  t.equal(await r.flags(2), 'SC--', 'a generated answer keeps `--` too')
})

t.test('a cookie naming a DOWN server: balanced with a new cookie (DI), or reached with persist', async (t) => {
  const dead = await deadAddress()
  const b = await upstream(t, 'B')
  const cookie = { name: 'SERVERID', mode: 'insert', indirect: true } as const

  t.test('default: balanced, new cookie', async (t) => {
    const r = await rig(t, { cookie }, [['A', dead, { cookie: 'A' }], ['B', b, { cookie: 'B' }]])
    r.web.setHealth('A', 'down')
    const reply = await r.get('SERVERID=A')
    t.equal(reply.headers['x-server'], 'B')
    t.same(reply.headers['set-cookie'], ['SERVERID=B; path=/'])
    t.equal(await r.flags(0), '--DI')
    t.same(r.web.cookieCounters(), { hits: 0, misses: 1, redispatches: 0 })
  })

  t.test('maintenance counts as down', async (t) => {
    const r = await rig(t, { cookie }, [['A', dead, { cookie: 'A' }], ['B', b, { cookie: 'B' }]])
    r.web.setState('A', 'maint')
    t.equal((await r.get('SERVERID=A')).headers['x-server'], 'B')
    t.equal(await r.flags(0), '--DI')
  })

  t.test('option persist: sent to the down server anyway, the failure is answered (DN)', async (t) => {
    const r = await rig(t, { cookie, persist: true, retries: 0 }, [['A', dead, { cookie: 'A' }], ['B', b, { cookie: 'B' }]])
    r.web.setHealth('A', 'down')
    const reply = await r.get('SERVERID=A')
    t.equal(reply.status, 503)
    t.equal(reply.headers['set-cookie'], undefined)
    t.equal(await r.flags(0), 'SCDN')
    t.equal(r.logs[0]!.server, 'A')
    t.same(r.web.cookieCounters(), { hits: 1, misses: 0, redispatches: 0 })
  })

  t.test('option persist + redispatch: a non-running target redispatches at the first retry', async (t) => {
    const r = await rig(t, { cookie, persist: true, redispatch: true, retries: 3 }, [['A', dead, { cookie: 'A' }], ['B', b, { cookie: 'B' }]])
    r.web.setHealth('A', 'down')
    const reply = await r.get('SERVERID=A')
    t.equal(reply.headers['x-server'], 'B')
    t.same(reply.headers['set-cookie'], ['SERVERID=B; path=/'])
    t.equal(await r.flags(0), '--DI')
    t.match(r.logs[0], { server: 'B', retries: 1, redispatched: true })
    t.same(r.web.cookieCounters(), { hits: 1, misses: 0, redispatches: 1 })
  })
})

t.test('a cookie naming a dead server still seen UP: retried, redispatched only with option redispatch', async (t) => {
  const dead = await deadAddress()
  const b = await upstream(t, 'B')
  const cookie = { name: 'SERVERID', mode: 'insert', indirect: true } as const

  t.test('no redispatch: same-server retries then 503 SCVN', async (t) => {
    const r = await rig(t, { cookie, retries: 1, timeouts: { connect: 20 } }, [['A', dead, { cookie: 'A' }], ['B', b, { cookie: 'B' }]])
    const reply = await r.get('SERVERID=A')
    t.equal(reply.status, 503)
    t.equal(await r.flags(0), 'SCVN')
    t.match(r.logs[0], { server: 'A', retries: 1, redispatched: false })
  })

  t.test('redispatch: the last retry moves to another server, DI with a fresh cookie', async (t) => {
    const r = await rig(t, { cookie, redispatch: true, retries: 2, timeouts: { connect: 20 } }, [['A', dead, { cookie: 'A' }], ['B', b, { cookie: 'B' }]])
    const reply = await r.get('SERVERID=A')
    t.equal(reply.headers['x-server'], 'B')
    t.same(reply.headers['set-cookie'], ['SERVERID=B; path=/'])
    t.equal(await r.flags(0), '--DI')
    t.match(r.logs[0], { server: 'B', retries: 2, redispatched: true })
    t.same(r.web.cookieCounters(), { hits: 1, misses: 0, redispatches: 1 })
  })

  t.test('without a cookie, a retry moves on at once (rule 4 applies to balanced requests only)', async (t) => {
    const r = await rig(t, { cookie, redispatch: true, retries: 3, timeouts: { connect: 20 } }, [['A', dead, { cookie: 'A' }], ['B', b, { cookie: 'B' }]])
    const reply = await r.get()
    t.equal(reply.headers['x-server'], 'B')
    t.match(r.logs[0], { retries: 1, redispatched: true, termination: '--NI' })
  })
})

t.test('soft-stop with backup servers sharing cookies (architecture guide 4.2)', async (t) => {
  let aAlive = true
  const a = http.createServer((req, res) => {
    if (!aAlive) {
      req.socket.destroy()
      return
    }
    app('A')(req, res)
  })
  const aAddress = `http://127.0.0.1:${await listen(t, a)}`
  const bAddress = await upstream(t, 'B')
  const r = await rig(t, { cookie: { name: 'SERVERID', mode: 'insert', indirect: true }, redispatch: true }, [
    ['webA', aAddress, { cookie: 'A' }],
    ['webB', bAddress, { cookie: 'B' }],
    ['bkpA', aAddress, { cookie: 'A', backup: true }],
    ['bkpB', bAddress, { cookie: 'B', backup: true }],
  ])
  // webA's check port stops answering: webA is DOWN, its backup still serves A's clients.
  r.web.setHealth('webA', 'down')
  const old = await r.get('SERVERID=A')
  t.equal(old.headers['x-server'], 'A')
  t.equal(old.headers['set-cookie'], undefined)
  t.equal(await r.flags(0), '--VN')
  t.equal(r.logs[0]!.server, 'bkpA')
  for (let i = 1; i <= 2; i++) {
    const fresh = await r.get()
    t.same(fresh.headers['set-cookie'], ['SERVERID=B; path=/'], 'new users only go to live standard servers')
    t.equal(r.logs[(await r.flags(i), i)]!.server, 'webB')
  }
  // The server is stopped: its backup fails in turn, A's clients are redispatched.
  aAlive = false
  r.web.setHealth('bkpA', 'down')
  const moved = await r.get('SERVERID=A')
  t.equal(moved.headers['x-server'], 'B')
  t.same(moved.headers['set-cookie'], ['SERVERID=B; path=/'])
  t.equal(await r.flags(3), '--DI')
  // Drain (NOLB) still takes persistent traffic.
  r.web.setState('webB', 'drain')
  t.equal((await r.get('SERVERID=B')).headers['x-server'], 'B')
  t.equal(r.logs[(await r.flags(4), 4)]!.server, 'webB')
})

t.test('maxidle / maxlife: dates in the cookie, refresh, expiry (fake wall clock)', async (t) => {
  let now = 1795295801_000
  const wallClock = { now: () => now }
  const r = await rig(t, { cookie: { name: 'SRV', mode: 'insert', indirect: true, maxidle: 60_000, maxlife: 3_600_000 } }, [
    ['a', await upstream(t, 'a'), { cookie: 'a' }],
    ['b', await upstream(t, 'b'), { cookie: 'b' }],
  ], { wallClock })
  const first = await r.get()
  t.same(first.headers['set-cookie'], ['SRV=a|awIKP|awIKP; path=/'], 'the HAProxy reference value')
  t.equal(await r.flags(0), '--NI')
  const same = await r.get('SRV=a|awIKP|awIKP')
  t.equal(same.headers['set-cookie'], undefined, 'same 4-second quantum: no refresh')
  t.equal(await r.flags(1), '--VN')
  now += 30_000
  const refreshed = await r.get('SRV=a|awIKP|awIKP')
  t.equal(refreshed.headers['x-server'], 'a')
  const value = (refreshed.headers['set-cookie'] as string[])[0]!
  t.match(value, /^SRV=a\|[A-Za-z0-9+/]{5}\|awIKP; path=\/$/, 'last date moved, first date kept')
  t.not(value, 'SRV=a|awIKP|awIKP; path=/')
  t.equal(await r.flags(2), '--VU')
  now += 70_000
  const idle = await r.get(value.slice(0, value.indexOf(';')))
  t.equal(idle.headers['x-server'], 'b', 'expired: balanced')
  t.match((idle.headers['set-cookie'] as string[])[0], /^SRV=b\|/)
  t.equal(await r.flags(3), '--EI')
  now += 3_600_000
  const old = await r.get('SRV=a|' + value.slice(6, 11) + '|awIKP')
  t.equal(await r.flags(4), '--OI')
  t.ok(old.headers['set-cookie'])
  t.same(r.web.cookieCounters(), { hits: 2, misses: 2, redispatches: 0 })
})

t.test('malformed, duplicate and oversized Cookie headers are answered safely', async (t) => {
  const r = await rig(t, { cookie: { name: 'SERVERID', mode: 'insert', indirect: true } }, [
    ['A', await upstream(t, 'A'), { cookie: 'A' }],
    ['B', await upstream(t, 'B'), { cookie: 'B' }],
  ])
  const cases: [cookie: string | string[], server: string | undefined, seen: string][] = [
    ['SERVERID=B; SERVERID=A', 'B', '<none>'],
    [['SERVERID=B', 'a=1'], 'B', 'a=1'],
    [['a=1', 'SERVERID=A; b=2'], 'A', 'a=1; b=2'],
    ['SERVERID', undefined, 'SERVERID'],
    ['SERVERID=', undefined, '<none>'],
    [';;; =; SERVERID = B ;', 'B', ';;; =;'],
    ['$Version=1; SERVERID=A; $Path=/', 'A', '<none>'],
    ['SERVERID=A\u00e9x; k=v', undefined, 'k=v'],
    // A double quote opens a quoted value that runs to the end of the header (HAProxy's parser).
    ['SERVERID=A"x; k=v', undefined, '<none>'],
    ['serverid=A', undefined, 'serverid=A'],
    ['x'.repeat(12_000) + '=1; SERVERID=B', 'B', 'x'.repeat(12_000) + '=1'],
  ]
  let n = 0
  for (const [cookie, server, seen] of cases) {
    const reply = await r.get(cookie)
    t.equal(reply.status, 200, JSON.stringify(cookie).slice(0, 40))
    if (server !== undefined) t.equal(reply.headers['x-server'], server)
    t.equal(reply.headers['x-cookie'], seen, 'the server sees a well-formed header')
    t.ok(Number(reply.headers['x-cookie-lines']) <= 1)
    await r.flags(n++)
  }
  const huge = await send(r.port, { headers: { cookie: 'SERVERID=A; ' + 'y'.repeat(70_000) } })
  t.equal(huge.status, 431, 'Node refuses headers over its limit before the proxy runs')
  t.equal((await r.get('SERVERID=A')).headers['x-server'], 'A', 'the proxy still works')
})

t.test('persisted requests wait on their server queue and obey its maxqueue', async (t) => {
  let open: (() => void)[] = []
  const hold = (): Promise<void> => new Promise((resolve) => open.push(resolve))
  const a = await upstream(t, 'A', hold)
  const b = await upstream(t, 'B')
  const cookie = { name: 'SERVERID', mode: 'insert', indirect: true } as const

  for (const redispatch of [false, true]) {
    t.test(`redispatch ${String(redispatch)}`, async (t) => {
      open = []
      const r = await rig(t, { cookie, redispatch }, [
        ['A', a, { cookie: 'A', maxconn: 1, maxqueue: 1 }],
        ['B', b, { cookie: 'B' }],
      ])
      const first = send(r.port, { headers: { cookie: 'SERVERID=A' } })
      await until(() => open.length === 1)
      const queued = send(r.port, { headers: { cookie: 'SERVERID=A' } })
      await until(() => r.web.counters().servers[0]!.queued === 1)
      t.equal(r.web.counters().servers[1]!.total, 0, 'not balanced to B while A has queue room')
      const third = await send(r.port, { headers: { cookie: 'SERVERID=A' } })
      if (redispatch) {
        t.equal(third.headers['x-server'], 'B')
        t.same(third.headers['set-cookie'], ['SERVERID=B; path=/'])
        t.equal(await r.flags(0), '--DI')
        t.same(r.web.cookieCounters(), { hits: 3, misses: 0, redispatches: 1 })
      } else {
        t.equal(third.status, 503)
        t.equal(await r.flags(0), 'SQVN')
      }
      open.shift()!()
      await until(() => open.length === 1)
      open.shift()!()
      const replies = await Promise.all([first, queued])
      t.same(replies.map((x) => x.headers['x-server']), ['A', 'A'])
      t.ok(r.logs.length >= 1)
      await delay(0)
    })
  }
})

t.test('WebSocket-style upgrades go through persistence too', async (t) => {
  const server = http.createServer()
  server.on('upgrade', (req, socket) => {
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\nx-cookie: ${req.headers.cookie ?? '<none>'}\r\n\r\n`)
  })
  const address = `http://127.0.0.1:${await listen(t, server)}`
  const r = await rig(t, { cookie: { name: 'SERVERID', mode: 'insert', indirect: true } }, [['A', address, { cookie: 'A' }]])
  const head = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: r.port, headers: { connection: 'upgrade', upgrade: 'x', cookie: 'SERVERID=A; k=1' } })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve(`${res.headers['x-cookie'] as string} ${String(res.headers['set-cookie'])}`)
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(head, 'k=1 undefined')
})

t.test('force-persist and ignore-persist rules (createProxy rules, real servers)', async (t) => {
  const a = await upstream(t, 'A')
  const b = await upstream(t, 'B')
  const cookie = { name: 'SERVERID', mode: 'insert', indirect: true } as const
  const rules = {
    request: [
      { action: 'ignore-persist', if: { kind: 'path', match: { op: 'prefix', values: '/static' } } },
      { action: 'force-persist', if: { kind: 'header', name: 'x-admin' } },
    ],
  } as const
  const make = async (t: Test): Promise<{ proxy: Proxy; web: ProxyBackend; logs: HttpLogEntry[]; get: (path: string, headers: Record<string, string>) => Promise<Reply> }> => {
    const logs: HttpLogEntry[] = []
    const proxy = createProxy({ log: (e) => logs.push(e), rules })
    const web = proxy.addBackend('web', { cookie })
    web.addServer('A', { address: a, cookie: 'A' })
    web.addServer('B', { address: b, cookie: 'B' })
    const server = await proxy.listen(0)
    t.teardown(() => proxy.close())
    const port = (server.address() as AddressInfo).port
    return { proxy, web, logs, get: (path, headers) => send(port, { path, headers }) }
  }

  t.test('force-persist: a cookie naming a server in maintenance reaches it (D); without the rule it is balanced', async (t) => {
    const r = await make(t)
    r.web.setState('A', 'maint')
    const forced = await r.get('/app', { cookie: 'SERVERID=A', 'x-admin': '1' })
    t.equal(forced.headers['x-server'], 'A')
    t.equal(forced.headers['x-cookie'], '<none>', 'indirect: the server never sees the cookie')
    t.equal(forced.headers['set-cookie'], undefined)
    const plain = await r.get('/app', { cookie: 'SERVERID=A' })
    t.equal(plain.headers['x-server'], 'B')
    t.same(plain.headers['set-cookie'], ['SERVERID=B; path=/'])
    await until(() => r.logs.length === 2)
    t.same(r.logs.map((e) => [e.server, e.termination]), [['A', '--DN'], ['B', '--DI']])
    t.same(r.web.cookieCounters(), { hits: 1, misses: 1, redispatches: 0 })
  })

  t.test('force-persist: a DOWN server too', async (t) => {
    const r = await make(t)
    r.web.setHealth('A', 'down')
    const names: string[] = []
    for (let i = 0; i < 3; i++) names.push(String((await r.get('/app', { cookie: 'SERVERID=A', 'x-admin': '1' })).headers['x-server']))
    t.same(names, ['A', 'A', 'A'])
  })

  t.test('ignore-persist: the cookie is ignored, requests balanced, no cookie inserted', async (t) => {
    const r = await make(t)
    const names: string[] = []
    for (let i = 0; i < 6; i++) {
      const reply = await r.get('/static/app.css', { cookie: 'SERVERID=A' })
      names.push(String(reply.headers['x-server']))
      t.equal(reply.headers['set-cookie'], undefined, `request ${i}: no Set-Cookie`)
      t.equal(reply.headers['x-cookie'], '<none>', `request ${i}: the cookie is still removed (indirect)`)
    }
    t.same(names, ['A', 'B', 'A', 'B', 'A', 'B'])
    t.equal(names.filter((n) => n === 'A').length, 3)
    // The same cookie outside /static sticks.
    const sticky: string[] = []
    for (let i = 0; i < 4; i++) sticky.push(String((await r.get('/app', { cookie: 'SERVERID=B' })).headers['x-server']))
    t.same(sticky, ['B', 'B', 'B', 'B'])
    await until(() => r.logs.length === 10)
    t.same(r.logs.slice(0, 6).map((e) => e.termination), Array(6).fill('--UN'), 'ignore-persist logs the cookie as unused (U), none set (N)')
    t.same(r.web.cookieCounters(), { hits: 4, misses: 0, redispatches: 0 })
  })
})
