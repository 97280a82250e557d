import t from 'tap'
import { FRONTEND_KEYWORDS } from '../../../lib/config/haproxy/frontend-keywords.js'
import { expectConfigError, load } from '../../fixtures/config.js'

const front = (...lines: string[]) => load(['frontend f', 'mode http', 'bind 127.0.0.1:8080', ...lines]).config.frontends[0]!

t.test('bind', async (t) => {
  t.same(front('bind :8081,[::1]:8082').bind, [
    { host: '127.0.0.1', port: 8080 },
    { host: '0.0.0.0', port: 8081 },
    { host: '::1', port: 8082 },
  ])
  const l = load(['frontend f', 'bind :80 name web v4v6 process 1 defer-accept'])
  t.same(l.config.frontends[0]!.bind, [{ host: '0.0.0.0', port: 80 }])
  t.same(l.warnings.map((w) => w.message), ['bind option `name` has no effect in switchyard', 'bind option `v4v6` has no effect in switchyard', 'bind option `process` has no effect in switchyard', 'bind option `defer-accept` has no effect in switchyard'])
  const tcp = load(['frontend f', 'bind :80 accept-proxy', 'bind :81 accept-proxy']).config.frontends[0]!
  t.same(tcp.bind, [{ host: '0.0.0.0', port: 80, acceptProxy: true }, { host: '0.0.0.0', port: 81, acceptProxy: true }])
  t.same(tcp.tcp, { acceptProxy: true })
  // Mixed binds keep the flag per bind only.
  t.same(load(['frontend f', 'bind :80 accept-proxy', 'bind :81']).config.frontends[0]!.tcp, {})
})

t.test('client-side timeouts, monitor-uri, maxconn, logging', async (t) => {
  t.same(front('timeout client 30s', 'timeout http-request 10s', 'timeout http-keep-alive 2s', 'clitimeout 40000').http, { timeouts: { client: 40000, httpRequest: 10000, httpKeepAlive: 2000 } })
  t.same(front('monitor-uri /haproxy_test').http, { monitorUri: '/haproxy_test' })
  t.equal(front('maxconn 500').maxconn, 500)
  t.equal(front('option httplog').log, 'http')
  t.equal(front('option httplog', 'no option httplog').log, undefined)
  const clf = load(['frontend f', 'mode http', 'bind :80', 'option httplog clf'])
  t.equal(clf.config.frontends[0]!.log, 'http')
  t.match(clf.warnings[0]!.message, /`clf`: the log hook receives fields/)
  t.equal(load(['frontend f', 'bind :80', 'option tcplog']).config.frontends[0]!.log, 'tcp')
  t.same(front('timeout tarpit 2s').http?.rules?.tarpitTimeout, 2000)
})

t.test('stats page', async (t) => {
  t.same(front('stats enable').stats, { uri: '/haproxy?stats' })
  t.same(front('stats uri /stats', 'stats refresh 10s').stats, { uri: '/stats', refresh: 10000 })
  const l = load(['frontend f', 'mode http', 'bind :80', 'stats enable', 'stats hide-version', 'stats show-legends', 'stats show-node', 'stats show-desc', 'stats realm x'])
  t.same(l.warnings.map((w) => w.message), ['`stats hide-version` has no effect in switchyard', '`stats show-legends` has no effect in switchyard', '`stats show-node` has no effect in switchyard', '`stats show-desc` has no effect in switchyard', '`stats realm` has no effect in switchyard'])
})

t.test('rules go through the rules parser', async (t) => {
  const l = load([
    'frontend f',
    'mode http',
    'bind :80',
    'acl api path_beg /api',
    'acl api path_beg /v2',
    'http-request deny if { src 10.0.0.0/8 }',
    'http-request track-sc0 src',
    'stick-table type ip size 100k expire 30s store http_req_rate(10s)',
    'http-response set-header X-LB switchyard',
    'use_backend api if api',
    'default_backend web',
    'backend api',
    'mode http',
    'backend web',
    'mode http',
  ])
  const f = l.config.frontends[0]!
  t.equal(f.defaultBackend, 'web')
  const rules = f.http!.rules!
  t.same(rules.acls?.['api'], { kind: 'or', any: [{ kind: 'path', match: { op: 'prefix', values: ['/api'], ignoreCase: false } }, { kind: 'path', match: { op: 'prefix', values: ['/v2'], ignoreCase: false } }] })
  t.same(rules.request?.map((r) => r.action), ['deny', 'track', 'use-backend'])
  t.same(rules.request?.[1], { action: 'track', slot: 0, key: 'src', table: 'f' })
  t.same(rules.response, [{ action: 'set-header', name: 'X-LB', value: 'switchyard' }])
  t.same(rules.tables, { f: { type: 'ip', size: 102400, expire: 30000, httpReqRate: 10000 } })
  t.same(l.warnings, [])
})

t.test('rules parser warnings become configuration warnings', async (t) => {
  const l = load(['frontend f', 'mode http', 'bind :80', 'stick-table type ip size 1k store gpc0', 'acl empty path_beg', 'default_backend b', 'backend b', 'mode http'])
  t.same(l.warnings.map((w) => [w.line, w.keyword]), [[4, 'stick-table'], [5, 'acl']])
})

t.test('accepted with a warning', async (t) => {
  const lines = ['option dontlognull', 'option dontlog-normal', 'option log-separate-errors', 'option http-ignore-probes', 'option http-buffer-request', 'option clitcpka', 'option tcpka', 'option contstats', 'capture request header Host len 64', 'log-format %ci']
  const l = load(['frontend f', 'mode http', 'bind :80', ...lines])
  t.same(l.warnings.map((w) => w.line), lines.map((_, i) => i + 4))
  t.same(l.warnings.map((w) => w.keyword), lines.map((x) => (x.startsWith('option') ? x : x.split(' ')[0])))
})

t.test('frontend errors', async (t) => {
  const bad: Array<[string, string, RegExp]> = [
    ['bind', 'bind', /expected `bind <address>:<port>\[,…\] \[options\]`/],
    ['bind :443 ssl crt /x.pem', 'ssl', /TLS termination on `bind` is not supported/],
    ['bind :443 crt /x.pem', 'crt', /TLS termination/],
    ['bind :80 bogus', 'bogus', /unknown bind option/],
    ['bind :80 name', 'name', /missing value/],
    ['monitor-uri health', 'monitor-uri', /must start with `\/`/],
    ['monitor-uri', 'monitor-uri', /expected `monitor-uri \/<path>`/],
    ['monitor-net', 'monitor-net', /expected `monitor-net <network>`/],
    ['monitor fail if TRUE', 'monitor fail', /not supported: conditional monitor failures/],
    ['stats enable x', 'stats', /`stats enable` takes no argument/],
    ['stats uri stats', 'stats', /expected `stats uri \/<path>`/],
    ['stats refresh', 'stats', /expected `stats refresh <time>`/],
    ['stats auth admin:pw', 'stats', /`stats auth` is not supported \(enable, uri, refresh\): protect the stats page/],
    ['stats admin if TRUE', 'stats', /protect the stats page/],
    ['stats http-request deny', 'stats', /protect/],
    ['stats scope x', 'stats', /`stats scope` is not supported \(enable, uri, refresh\)$/],
    ['stats', 'stats', /`stats ` is not supported/],
    ['default_backend', 'default_backend', /expected `default_backend <backend>`/],
    ['use_backend', 'use_backend', /expected `use_backend <backend>/],
    ['acl', 'acl', /acl/],
    ['http-request frobnicate', 'http-request', /unsupported http-request action `frobnicate`/],
    ['http-response deny', 'http-response', /unsupported http-response action `deny`/],
    ['stick-table type ip', 'stick-table', /stick-table needs `size`/],
    ['timeout client', 'timeout client', /expected `timeout client <time>`/],
    ['timeout http-keep-alive 1 2', 'timeout http-keep-alive', /expected `timeout http-keep-alive <time>`/],
    ['option httplog x', 'option httplog', /expected `option httplog \[clf\]`/],
    ['option httplog clf x', 'option httplog', /expected `option httplog \[clf\]`/],
    ['option tcplog x', 'option tcplog', /expected `option tcplog`/],
    ['unique-id-format %x', 'unique-id-format', /not supported: unique request ids/],
    ['unique-id-header X', 'unique-id-header', /not supported/],
    ['tcp-request content accept', 'tcp-request', /not supported: `tcp-request` rules/],
    ['tcp-response content accept', 'tcp-response', /not supported/],
    ['errorloc 503 http://x', 'errorloc', /not supported: error pages keep their status/],
    ['errorloc302 503 http://x', 'errorloc302', /not supported/],
    ['errorloc303 503 http://x', 'errorloc303', /not supported/],
    ['redirect prefix /x', 'redirect', /not supported: use `http-request redirect`/],
    ['compression algo gzip', 'compression', /not supported: compression/],
    ['option bogus', 'option bogus', /unknown keyword in a `frontend` section/],
    ['no bind :80', 'bind', /`no` cannot be used with this keyword/],
  ]
  for (const [line, keyword, reason] of bad) expectConfigError(t, () => front(line), 4, keyword, reason)
})

t.test('the table has no untested entry', async (t) => {
  const names = [
    'bind', 'monitor-uri', 'monitor-net', 'monitor fail', 'stats', 'default_backend', 'use_backend', 'acl', 'http-request', 'http-response',
    'timeout client', 'timeout http-request', 'timeout client-fin', 'timeout tarpit', 'clitimeout', 'option httplog', 'option tcplog',
    'option dontlognull', 'option dontlog-normal', 'option log-separate-errors', 'option http-ignore-probes', 'option http-buffer-request',
    'option clitcpka', 'option tcpka', 'option contstats', 'capture', 'log-format', 'unique-id-format', 'unique-id-header', 'tcp-request',
    'tcp-response', 'errorloc', 'errorloc302', 'errorloc303', 'redirect', 'compression',
  ]
  t.same(Object.keys(FRONTEND_KEYWORDS).filter((k) => !names.includes(k)), [])
})
