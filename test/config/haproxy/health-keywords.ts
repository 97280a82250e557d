import t from 'tap'
import { expectConfigError, load } from '../../fixtures/config.js'

const check = (...lines: string[]) => load(['backend b', 'mode http', ...lines, 'server s 127.0.0.1:8080 check']).config.backends['b']!.servers['s']!.check

t.test('option httpchk, old forms', async (t) => {
  const table: Array<[string[], unknown]> = [
    [['option httpchk'], { http: {} }],
    [['option httpchk /health'], { http: { path: '/health' } }],
    [['option httpchk GET /status'], { http: { method: 'GET', path: '/status' } }],
    [['option httpchk HEAD /index.html HTTP/1.0'], { http: { method: 'HEAD', path: '/index.html', version: 'HTTP/1.0' } }],
    [
      ['option httpchk GET /_leofs_adm/ping HTTP/1.1\\r\\nHost:\\ s3.amazonaws.com\\r\\nX-A:\\ 1\\r\\n'],
      { http: { method: 'GET', path: '/_leofs_adm/ping', version: 'HTTP/1.1', headers: [['Host', 's3.amazonaws.com'], ['X-A', '1']] } },
    ],
    [['option httpchk GET /h HTTP/1.1 example.com'], { http: { method: 'GET', path: '/h', version: 'HTTP/1.1', headers: [['Host', 'example.com']] } }],
  ]
  for (const [lines, want] of table) t.same(check(...lines), want, lines.join(' / '))
})

t.test('http-check send, expect, disable-on-404 (new form)', async (t) => {
  t.same(check('option httpchk', 'http-check send meth GET uri /health ver HTTP/1.1 hdr Host example.com hdr X-Check yes body ping'), {
    http: { method: 'GET', path: '/health', version: 'HTTP/1.1', headers: [['Host', 'example.com'], ['X-Check', 'yes']], body: 'ping' },
  })
  const expects: Array<[string, unknown]> = [
    ['status 200', { type: 'status', codes: '200' }],
    ['status 200-299,302', { type: 'status', codes: '200-299,302' }],
    ['! status 500', { type: 'status', codes: '500', negate: true }],
    ['rstatus ^2', { type: 'rstatus', pattern: '^2' }],
    ['string OK', { type: 'string', text: 'OK' }],
    ['! rstring ^ERR', { type: 'rstring', pattern: '^ERR', negate: true }],
  ]
  for (const [e, want] of expects) t.same(check('option httpchk GET /', `http-check expect ${e}`), { http: { method: 'GET', path: '/', expect: want } }, e)
  // http-check lines before `option httpchk` survive it; send alone implies an HTTP check.
  t.same(check('http-check expect status 204', 'http-check disable-on-404', 'option httpchk HEAD /'), { http: { method: 'HEAD', path: '/', expect: { type: 'status', codes: '204' }, disableOn404: true } })
  t.same(check('http-check send uri /x'), { http: { path: '/x' } })
})

t.test('ssl-hello-chk and check timeouts', async (t) => {
  t.same(check('option ssl-hello-chk'), { type: 'ssl-hello' })
  t.same(check('option httpchk', 'option ssl-hello-chk'), { type: 'ssl-hello' })
  t.same(check('option ssl-hello-chk', 'option httpchk /'), { http: { path: '/' } })
  t.same(check('timeout check 3s'), { timeout: 3000 })
  t.same(check('timeout check 3s', 'timeout connect 2s'), { timeout: 3000, connectTimeout: 2000 })
  // Without timeout check, timeout connect does not split the check.
  t.same(check('timeout connect 2s'), true)
  const l = load(['backend b', 'timeout check 2s', 'server s 127.0.0.1:1 agent-check agent-port 9'])
  t.same(l.config.backends['b']!.servers['s'], { address: '127.0.0.1:1', agent: { port: 9, timeout: 2000 } })
})

t.test('accepted with a warning', async (t) => {
  const l = load(['backend b', 'http-check send-state', 'option log-health-checks', 'server s 127.0.0.1:1 check'])
  t.same(l.warnings.map((w) => [w.line, w.keyword]), [[2, 'http-check'], [3, 'option log-health-checks']])
  t.match(l.warnings[0]!.message, /`http-check` has no effect in switchyard: checks do not send the server state header/)
})

t.test('health errors', async (t) => {
  const bad: Array<[string, string, RegExp]> = [
    ['option httpchk GET / HTTP/1.1 host extra', 'option httpchk', /expected `option httpchk \[<method>\] \[<uri>\] \[<version> \[<host>\]\]`/],
    ['option httpchk GET / HTTP/1.1\\r\\nbroken', 'option httpchk', /invalid header line `broken`/],
    ['option ssl-hello-chk x', 'option ssl-hello-chk', /takes no argument/],
    ['http-check send meth', 'http-check', /`meth` needs a value/],
    ['http-check send hdr X', 'http-check', /`hdr` needs a name and a value/],
    ['http-check send foo bar', 'http-check', /unsupported `http-check send` option `foo`/],
    ['http-check expect status', 'http-check', /expected `http-check expect \[!\] status\|rstatus\|string\|rstring <pattern>`/],
    ['http-check expect status 200 x', 'http-check', /expected `http-check expect/],
    ['http-check expect header name', 'http-check', /unsupported match `header`/],
    ['http-check disable-on-404 x', 'http-check', /`disable-on-404` takes no argument/],
    ['http-check connect', 'http-check', /unsupported `http-check connect`/],
    ['http-check', 'http-check', /unsupported `http-check `/],
    ['option tcp-check', 'option tcp-check', /not supported: `tcp-check` rule sequences/],
    ['tcp-check connect', 'tcp-check', /not supported/],
    ['option mysql-check', 'option mysql-check', /not supported: protocol checks/],
    ['option pgsql-check', 'option pgsql-check', /not supported/],
    ['option redis-check', 'option redis-check', /not supported/],
    ['option smtpchk', 'option smtpchk', /not supported/],
    ['option ldap-check', 'option ldap-check', /not supported/],
  ]
  for (const [line, keyword, reason] of bad) expectConfigError(t, () => check(line), 3, keyword, reason)
})
