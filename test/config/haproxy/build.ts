import t from 'tap'
import { expectConfigError, load } from '../../fixtures/config.js'

t.test('section names must be unique per kind; listen takes both', async (t) => {
  expectConfigError(t, () => load(['backend a', 'backend a']), 2, 'backend', /`a` is already defined at line 1/)
  expectConfigError(t, () => load(['frontend a', 'bind :1', 'frontend a']), 3, 'frontend', /`a` is already defined at line 1/)
  expectConfigError(t, () => load(['listen a', 'bind :1', 'backend a']), 3, 'backend', /already defined at line 1/)
  // A frontend and a backend may share a name, as in HAProxy.
  t.same(load(['frontend a', 'bind :1', 'default_backend a', 'backend a']).config.frontends[0]!.defaultBackend, 'a')
})

t.test('references to backends', async (t) => {
  expectConfigError(t, () => load(['frontend f', 'bind :1', 'default_backend nope']), 3, 'default_backend', /backend `nope` is not defined/)
  expectConfigError(t, () => load(['frontend f', 'mode http', 'bind :1', 'use_backend api if { path_beg /api }', 'backend x']), 4, 'use_backend', /backend `api` is not defined/)
  expectConfigError(t, () => load(['frontend f', 'mode http', 'bind :1', 'default_backend b', 'backend b']), 4, 'default_backend', /http frontend `f` cannot use tcp backend `b` \(set the same `mode`\)/)
  expectConfigError(t, () => load(['listen l', 'mode http', 'bind :1', 'use_backend t if TRUE', 'backend t']), 4, 'use_backend', /http frontend `l` cannot use tcp backend `t`/)
  expectConfigError(t, () => load(['frontend f', 'mode tcp', 'bind :1', 'use_backend b', 'backend b']), 4, 'use_backend', /rules need `mode http` \(`f` is in tcp mode\)/)
})

t.test('frontends need a bind; mode-specific keywords', async (t) => {
  expectConfigError(t, () => load(['frontend f', 'mode http']), 1, 'frontend', /`f` has no `bind` \(declare it as a backend/)
  expectConfigError(t, () => load(['listen l', 'server s 127.0.0.1:1']), 1, 'listen', /`l` has no `bind`/)
  expectConfigError(t, () => load(['frontend f', 'mode http', 'bind :80 accept-proxy']), 1, 'accept-proxy', /accepting PROXY headers is only supported in tcp mode/)
  expectConfigError(t, () => load(['frontend f', 'bind :80', 'stats enable']), 1, 'stats', /the stats page needs `mode http`/)
  const http = load(['frontend f', 'mode http', 'bind :80', 'monitor-net 10.0.0.0/8'])
  t.same(http.warnings.map((w) => [w.line, w.keyword]), [[1, 'monitor-net']])
  t.match(http.warnings[0]!.message, /no effect in http mode/)
  const tcp = load(['frontend f', 'bind :80', 'monitor-uri /health'])
  t.same(tcp.warnings.map((w) => [w.line, w.keyword, w.message]), [[1, 'monitor-uri', 'no effect in tcp mode']])
})

t.test('tcp frontends carry the handler options of their backend', async (t) => {
  const l = load([
    'defaults', 'timeout connect 2s', 'timeout client 30s', 'timeout server 30s',
    'frontend f', 'bind :5432 accept-proxy', 'timeout client-fin 1s', 'monitor-net 192.0.2.0/24', 'default_backend pg',
    'backend pg', 'timeout tunnel 1h', 'timeout server-fin 2s', 'retries 5', 'option redispatch 2', 'source 127.0.0.9', 'default-server send-proxy-v2',
    'server a 127.0.0.1:5433', 'server b 127.0.0.1:5434 no-send-proxy source 127.0.0.10', 'dispatch 127.0.0.1:5435',
  ])
  t.same(l.config.frontends[0], {
    name: 'f',
    mode: 'tcp',
    bind: [{ host: '0.0.0.0', port: 5432, acceptProxy: true }],
    defaultBackend: 'pg',
    tcp: {
      timeouts: { connect: 2000, client: 30000, server: 30000, tunnel: 3_600_000, clientFin: 1000, serverFin: 2000 },
      retries: 5,
      redispatch: 2,
      acceptProxy: true,
      monitorNet: ['192.0.2.0/24'],
      server: { source: '127.0.0.9' },
      servers: { a: { sendProxy: 'v2' }, b: { sendProxy: false, source: '127.0.0.10' } },
    },
  })
  t.same(l.config.backends['pg']!.options, { timeouts: { connect: 2000, server: 30000, tunnel: 3_600_000 }, retries: 5, redispatch: 2, server: { source: '127.0.0.9' } })
  // Without a default backend the handler gets the frontend's settings only.
  t.same(load(['frontend f', 'bind :1', 'timeout client 1s']).config.frontends[0]!.tcp, { timeouts: { client: 1000 } })
})

t.test('fullconn defaults to ceil(Σ maxconn of the frontends that reach the backend / 10)', async (t) => {
  const l = load([
    'global', 'maxconn 1000',
    'frontend a', 'mode http', 'bind :1', 'maxconn 95', 'default_backend web', 'use_backend web if TRUE', 'use_backend api if FALSE',
    'frontend b', 'mode http', 'bind :2', 'default_backend web',
    'backend web', 'mode http',
    'backend api', 'mode http', 'fullconn 3',
    'backend idle', 'mode http',
  ])
  // web: 95 (a, counted once) + 1000 (b inherits global maxconn) → 110; api keeps its own; idle is unreachable.
  t.equal(l.config.backends['web']!.options?.fullconn, 110)
  t.equal(l.config.backends['api']!.options?.fullconn, 3)
  t.same(l.config.backends['idle'], { servers: {} })
  t.equal(load(['frontend a', 'bind :1', 'maxconn 1', 'default_backend w', 'backend w']).config.backends['w']!.options?.fullconn, 1)
  t.same(load(['frontend a', 'bind :1', 'default_backend w', 'backend w']).config.backends['w'], { servers: {} })
})

t.test('http frontends: options validated like createProxy', async (t) => {
  expectConfigError(t, () => load(['frontend f', 'mode http', 'bind :80', 'http-request deny if no_such_acl']), 1, 'frontend', /no_such_acl/)
  const l = load(['frontend f', 'mode http', 'bind :80', 'timeout http-request 5s'])
  t.same(l.config.frontends[0], { name: 'f', mode: 'http', bind: [{ host: '0.0.0.0', port: 80 }], http: { timeouts: { httpRequest: 5000 } } })
})
