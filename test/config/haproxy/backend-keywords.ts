import t from 'tap'
import { BACKEND_KEYWORDS } from '../../../lib/config/haproxy/backend-keywords.js'
import { expectConfigError, load } from '../../fixtures/config.js'

const options = (...lines: string[]) => load(['backend b', 'mode http', ...lines, 'server s 127.0.0.1:8080']).config.backends['b']!.options

t.test('backend keywords → addBackend options', async (t) => {
  const table: Array<[string[], unknown]> = [
    [['fullconn 100'], { fullconn: 100 }],
    [['maxconn 50'], { maxconn: 50 }],
    [['option allbackups'], { allbackups: true }],
    [['option allbackups', 'no option allbackups'], { allbackups: false }],
    [['option persist'], { persist: true }],
    [['no option persist'], { persist: false }],
    [['option redispatch'], { redispatch: true }],
    [['option redispatch -1'], { redispatch: true }],
    [['option redispatch 2'], { redispatch: 2 }],
    [['option redispatch -2'], { redispatch: -2 }],
    [['option redispatch', 'no option redispatch'], { redispatch: false }],
    [['redispatch'], { redispatch: true }],
    [['redispatch', 'no redispatch'], { redispatch: false }],
    [['retries 0'], { retries: 0 }],
    [['retry-on conn-failure empty-response 503'], { retryOn: ['conn-failure', 'empty-response', 503] }],
    [['retry-on none'], { retryOn: [] }],
    [['retry-on all-retryable-errors 404'], { retryOn: ['conn-failure', 'empty-response', 'junk-response', 'response-timeout', 500, 502, 503, 504, 404] }],
    [['timeout connect 5s', 'timeout server 1m', 'timeout queue 30s', 'timeout tunnel 1h'], { timeouts: { connect: 5000, server: 60000, queue: 30000, tunnel: 3_600_000 } }],
    [['contimeout 5000', 'srvtimeout 50000'], { timeouts: { connect: 5000, server: 50000 } }],
    [['timeout http-keep-alive 4500'], { idleTimeout: 4500 }],
    [['source 127.0.0.2'], { server: { source: '127.0.0.2' } }],
    [['source ::1'], { server: { source: '::1' } }],
    [['option forwardfor'], { forwardFor: true }],
    [['option forwardfor except 10.0.0.0/8 header X-Client if-none'], { forwardFor: { except: ['10.0.0.0/8'], header: 'X-Client', ifNone: true } }],
    [['option originalto header X-Dest except 127.0.0.1'], { originalTo: { header: 'X-Dest', except: ['127.0.0.1'] } }],
    [['cookie SRV'], { cookie: { name: 'SRV' } }],
    [
      ['cookie SRV insert indirect nocache postonly httponly secure domain .a.com domain .b.com maxidle 30m maxlife 8h attr SameSite=Lax'],
      { cookie: { name: 'SRV', mode: 'insert', indirect: true, nocache: true, postonly: true, httponly: true, secure: true, domains: ['.a.com', '.b.com'], maxidle: 1_800_000, maxlife: 28_800_000, attrs: ['SameSite=Lax'] } },
    ],
    [['cookie JSESSIONID prefix'], { cookie: { name: 'JSESSIONID', mode: 'prefix' } }],
    [['cookie SRV insert preserve'], { cookie: { name: 'SRV', mode: 'insert', preserve: true } }],
    [['cookie SRV insert insert'], { cookie: { name: 'SRV', mode: 'insert' } }],
    [['cookie SRV insert dynamic', 'dynamic-cookie-key s3cr3t'], { cookie: { name: 'SRV', mode: 'insert', dynamic: true, dynamicKey: 's3cr3t' } }],
    [['dynamic-cookie-key unused'], undefined],
  ]
  for (const [lines, want] of table) t.same(options(...lines), want, lines.join(' / '))
})

t.test('abortonclose reaches the frontend that uses the backend', async (t) => {
  const l = load(['frontend f', 'mode http', 'bind :80', 'default_backend b', 'backend b', 'mode http', 'option abortonclose', 'server s 127.0.0.1:1'])
  t.same(l.config.frontends[0]!.http, { abortOnClose: true })
  t.same(load(['listen l', 'mode http', 'bind :80', 'option abortonclose', 'no option abortonclose']).config.frontends[0]!.http, { abortOnClose: false })
})

t.test('default-server applies to later and earlier servers, servers override it', async (t) => {
  const l = load(['backend b', 'server a 127.0.0.1:1', 'default-server check inter 3s maxconn 10 weight 5', 'server c 127.0.0.1:2 weight 7 no-check'])
  t.same(l.config.backends['b']!.servers, {
    a: { address: '127.0.0.1:1', weight: 5, maxconn: 10, check: { inter: 3000 } },
    c: { address: '127.0.0.1:2', weight: 7, maxconn: 10 },
  })
})

t.test('dispatch is a server without checks or defaults', async (t) => {
  const l = load(['defaults', 'default-server check', 'listen l 127.0.0.1:81', 'dispatch 127.0.0.1:80'])
  t.same(l.config.backends['l'], { servers: { dispatch: { address: '127.0.0.1:80' } } })
})

t.test('accepted with a warning', async (t) => {
  const l = load(['backend b', 'http-reuse always', 'option prefer-last-server', 'no option http-pretend-keepalive', 'option srvtcpka'])
  t.same(l.warnings.map((w) => [w.line, w.keyword]), [[2, 'http-reuse'], [3, 'option prefer-last-server'], [4, 'option http-pretend-keepalive'], [5, 'option srvtcpka']])
  t.match(l.warnings[2]!.message, /^`no option http-pretend-keepalive` has no effect in switchyard: server connections are keep-alive$/)
})

t.test('backend errors', async (t) => {
  const bad: Array<[string, string, RegExp]> = [
    ['fullconn 0', 'fullconn', /expected an integer ≥ 1/],
    ['fullconn', 'fullconn', /expected `fullconn <number>`/],
    ['option persist x', 'option persist', /takes no argument, got `x`/],
    ['option redispatch 1 2', 'option redispatch', /expected `option redispatch \[<interval>\]`/],
    ['option redispatch x', 'option redispatch', /expected an integer/],
    ['retries 101', 'retries', /expected an integer 0\.\.100/],
    ['retries', 'retries', /expected `retries <number>`/],
    ['retry-on', 'retry-on', /expected `retry-on <keywords>`/],
    ['retry-on none 503', 'retry-on', /`none` cannot be combined/],
    ['retry-on 0rtt-rejected', 'retry-on', /unsupported `0rtt-rejected`/],
    ['retry-on 418', 'retry-on', /unsupported `418`/],
    ['timeout connect', 'timeout connect', /expected `timeout connect <time>`/],
    ['timeout server 5q', 'timeout server', /expected a time/],
    ['contimeout', 'contimeout', /expected `contimeout <time>`/],
    ['timeout bogus 5s', 'timeout bogus', /unknown keyword in a `backend` section/],
    ['source 127.0.0.2:4000', 'source', /only an address is supported/],
    ['source 127.0.0.2 usesrc clientip', 'source', /expected `source <address>`/],
    ['cookie', 'cookie', /expected `cookie <name> \[options\]`/],
    ['cookie SRV insert prefix', 'cookie', /`insert` and `prefix` cannot be combined/],
    ['cookie SRV domain', 'cookie', /`domain` needs a value/],
    ['cookie SRV maxidle', 'cookie maxidle', /got nothing/],
    ['cookie SRV bogus', 'cookie', /unknown cookie option `bogus`/],
    ['cookie SRV rewrite indirect', 'cookie', /indirect/],
    ['dynamic-cookie-key', 'dynamic-cookie-key', /expected `dynamic-cookie-key <key>`/],
    ['dispatch', 'dispatch', /expected `dispatch <address>:<port>`/],
    ['dispatch 127.0.0.1', 'dispatch', /has no port/],
    ['option forwardfor header', 'option forwardfor', /expected `option forwardfor \[except <network>\] \[header <name>\] \[if-none\]`/],
    ['option originalto if-none', 'option originalto', /expected `option originalto \[except <network>\] \[header <name>\]`, got `if-none`/],
    ['stick on src', 'stick', /not supported: `stick on`/],
    ['option checkcache', 'option checkcache', /not supported/],
    ['maxconn -1', 'maxconn', /expected an integer ≥ 0/],
  ]
  for (const [line, keyword, reason] of bad) expectConfigError(t, () => options(line), 3, keyword, reason)
  // Validation of the whole backend, at its header line.
  expectConfigError(t, () => options('cookie $bad insert'), 3, 'cookie', /name/)
  expectConfigError(t, () => options('bufsize'), 3, 'bufsize', /unknown keyword/)
})

t.test('the table has no untested entry', async (t) => {
  const names = [
    'balance', 'hash-type', 'hash-balance-factor', 'fullconn', 'server', 'default-server', 'dispatch', 'cookie', 'dynamic-cookie-key',
    'option persist', 'option allbackups', 'option abortonclose', 'option redispatch', 'redispatch', 'retries', 'retry-on',
    'timeout connect', 'timeout server', 'timeout queue', 'timeout tunnel', 'timeout check', 'timeout server-fin', 'contimeout', 'srvtimeout',
    'source', 'stick', 'http-reuse', 'option prefer-last-server', 'option http-pretend-keepalive', 'option srvtcpka', 'option checkcache',
  ]
  t.same(Object.keys(BACKEND_KEYWORDS).filter((k) => !names.includes(k)), [])
})
