import t from 'tap'
import { loadHaproxyConfig } from '../../../lib/index.js'
import { expectConfigError, load } from '../../fixtures/config.js'

t.test('exported from the package entry, default file name', async (t) => {
  const l = loadHaproxyConfig('global\n  daemon\n')
  t.same(l.warnings, [{ file: 'haproxy.cfg', line: 2, keyword: 'daemon', message: '`daemon` has no effect in switchyard: process management belongs to the Node process and its supervisor' }])
  t.same(loadHaproxyConfig(''), { config: { frontends: [], backends: {} }, warnings: [] })
})

t.test('defaults are inherited by the following sections and reset by each defaults section', async (t) => {
  const l = load([
    'defaults',
    'mode http',
    'timeout connect 4s',
    'timeout client 30s',
    'retries 2',
    'default-server inter 3s',
    'listen a',
    'bind :1',
    'server s 127.0.0.1:1 check',
    'defaults',
    'timeout server 9s',
    'frontend f',
    'bind :2',
    'default_backend b',
    'backend b',
    'server s 127.0.0.1:2 check',
  ])
  const [a, f] = l.config.frontends
  t.same(a, { name: 'a', mode: 'http', bind: [{ host: '0.0.0.0', port: 1 }], defaultBackend: 'a', http: { timeouts: { client: 30000 } } })
  t.same(l.config.backends['a'], { options: { timeouts: { connect: 4000 }, retries: 2 }, servers: { s: { address: '127.0.0.1:1', check: { inter: 3000 } } } })
  // The second defaults section starts from HAProxy's defaults: tcp mode, nothing else.
  t.same(f, { name: 'f', mode: 'tcp', bind: [{ host: '0.0.0.0', port: 2 }], defaultBackend: 'b', tcp: { timeouts: { server: 9000 } } })
  t.same(l.config.backends['b'], { options: { timeouts: { server: 9000 } }, servers: { s: { address: '127.0.0.1:2', check: true } } })
  // A section's changes do not leak into the defaults.
  const leak = load(['defaults', 'mode http', 'listen a', 'bind :1', 'server s 127.0.0.1:1', 'listen b', 'bind :2'])
  t.same(leak.config.backends['b'], { servers: {} })
})

t.test('keywords a section has no capability for are ignored with a warning (as HAProxy)', async (t) => {
  const l = load(['frontend f', 'bind :80', 'balance leastconn', 'server s 127.0.0.1:1', 'backend b', 'bind :81', 'timeout client 5s', 'option httplog'])
  t.same(l.warnings.map((w) => [w.line, w.keyword, w.message]), [
    [3, 'balance', 'ignored: a `frontend` section has no backend capability'],
    [4, 'server', 'ignored: a `frontend` section has no backend capability'],
    [6, 'bind', 'ignored: a `backend` section has no frontend capability'],
    [7, 'timeout client', 'ignored: a `backend` section has no frontend capability'],
    [8, 'option httplog', 'ignored: a `backend` section has no frontend capability'],
  ])
  t.same(l.config.backends, { b: { servers: {} } })
})

t.test('the nameless listen of the architecture guide gets its address as name', async (t) => {
  const l = load(['listen 127.0.0.1:8000', 'mode http', 'server s 127.0.0.1:1'])
  t.same(l.config.frontends[0]!.name, '127.0.0.1:8000')
  t.same(l.config.frontends[0]!.bind, [{ host: '127.0.0.1', port: 8000 }])
  t.same(l.warnings, [{ file: 't.cfg', line: 1, keyword: 'listen', message: '`listen` without a name: named `127.0.0.1:8000` after its address' }])
  // The old named form with an address plus more binds.
  t.same(load(['listen web 127.0.0.1:80', 'bind :81']).config.frontends[0]!.bind, [{ host: '127.0.0.1', port: 80 }, { host: '0.0.0.0', port: 81 }])
})

t.test('loader errors', async (t) => {
  expectConfigError(t, () => load(['defaults', 'bind :80']), 2, 'bind', /not allowed in a `defaults` section/)
  expectConfigError(t, () => load(['defaults', 'acl a src 1.2.3.4']), 2, 'acl', /rules are not allowed in a `defaults` section/)
  expectConfigError(t, () => load(['defaults', 'default_backend b']), 2, 'default_backend', /not allowed in a `defaults` section/)
  expectConfigError(t, () => load(['listen a', 'option']), 2, 'option', /unknown keyword in a `listen` section/)
  expectConfigError(t, () => load(['listen a', 'no']), 2, 'no', /unknown keyword/)
  expectConfigError(t, () => load(['listen a', 'no balance roundrobin']), 2, 'balance', /`no` cannot be used with this keyword/)
  expectConfigError(t, () => load(['backend a', 'frobnicate']), 2, 'frobnicate', /unknown keyword in a `backend` section/)
  expectConfigError(t, () => load(['listen a 127.0.0.1']), 1, 'listen', /address `127.0.0.1` has no port/)
})
