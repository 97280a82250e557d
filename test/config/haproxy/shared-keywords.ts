import t from 'tap'
import { SHARED_KEYWORDS } from '../../../lib/config/haproxy/shared-keywords.js'
import { expectConfigError, load } from '../../fixtures/config.js'

const ERROR_FILE = 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n<h1>busy</h1>'

t.test('mode: http, tcp, HAProxy default tcp', async (t) => {
  const l = load(['listen a', 'bind :1', 'listen b', 'mode http', 'bind :2', 'listen c', 'mode tcp', 'bind :3'])
  t.same(l.config.frontends.map((f) => [f.name, f.mode, f.http === undefined ? 'tcp' : 'http']), [['a', 'tcp', 'tcp'], ['b', 'http', 'http'], ['c', 'tcp', 'tcp']])
  expectConfigError(t, () => load(['listen a', 'mode health']), 2, 'mode', /expected `http` or `tcp`, got `health`/)
  expectConfigError(t, () => load(['listen a', 'mode']), 2, 'mode', /expected `mode http\|tcp`/)
})

t.test('errorfile: read via readFile, on the frontend and the backend', async (t) => {
  const reads: string[] = []
  const readFile = (path: string) => {
    reads.push(path)
    return ERROR_FILE
  }
  const page = { body: '<h1>busy</h1>', contentType: 'text/html' }
  const l = load(['frontend f', 'mode http', 'bind :80', 'errorfile 503 errors/503.http', 'default_backend b', 'backend b', 'mode http', 'errorfile 504 /etc/errors/504.http'], { file: 'conf/haproxy.cfg', readFile })
  t.same(l.config.frontends[0]!.http?.errorPages, { 503: page })
  t.same(l.config.backends['b']!.options?.errorPages, { 504: page })
  t.same(reads, ['conf/errors/503.http', '/etc/errors/504.http'])
  const listen = load(['listen l', 'mode http', 'bind :80', 'errorfile 503 x'], { readFile })
  t.same(listen.config.frontends[0]!.http?.errorPages, { 503: page })
  t.same(listen.config.backends['l']!.options?.errorPages, { 503: page })
  expectConfigError(t, () => load(['backend b', 'errorfile 418 x'], { readFile }), 2, 'errorfile', /status `418` cannot be replaced/)
  expectConfigError(t, () => load(['backend b', 'errorfile 503'], { readFile }), 2, 'errorfile', /expected `errorfile <code> <file>`/)
  expectConfigError(t, () => load(['backend b', 'errorfile 503 x']), 2, 'errorfile', /cannot read `x`: pass the `readFile` option/)
  expectConfigError(t, () => load(['backend b', 'errorfile 503 x'], { readFile: () => 'garbage' }), 2, 'errorfile', /complete HTTP response/)
})

t.test('grace: the longest one becomes the global grace', async (t) => {
  const l = load(['listen a', 'bind :1', 'grace 20000', 'listen b', 'bind :2', 'grace 5s'])
  t.same(l.config.global, { grace: 20000 })
  expectConfigError(t, () => load(['listen a', 'grace']), 2, 'grace', /expected `grace <time>`/)
})

t.test('maxconn: frontend limit; in a backend section the backend limit', async (t) => {
  const l = load(['defaults', 'maxconn 100', 'listen a', 'bind :1', 'backend b', 'maxconn 7'])
  t.equal(l.config.frontends[0]!.maxconn, 100)
  t.equal(l.config.backends['a']!.options?.maxconn, undefined)
  t.equal(l.config.backends['b']!.options?.maxconn, 7)
  expectConfigError(t, () => load(['listen a', 'maxconn']), 2, 'maxconn', /expected `maxconn <number>`/)
})

t.test('option forwardfor / originalto in a frontend apply to the backends it routes to', async (t) => {
  const l = load([
    'frontend f', 'mode http', 'bind :80', 'option forwardfor header X-Real-IP', 'option originalto', 'use_backend api if { path_beg /api }', 'default_backend web',
    'backend web', 'mode http',
    'backend api', 'mode http', 'option forwardfor',
  ])
  t.same(l.config.backends['web']!.options, { forwardFor: { header: 'X-Real-IP' }, originalTo: true })
  // The backend's own setting wins.
  t.same(l.config.backends['api']!.options, { forwardFor: true, originalTo: true })
})

t.test('disabled sections start no listener', async (t) => {
  const l = load(['listen a', 'bind :1', 'disabled', 'listen b', 'bind :2', 'enabled'])
  t.same(l.config.frontends.map((f) => f.name), ['b'])
  t.same(Object.keys(l.config.backends), ['a', 'b'])
  t.same(l.warnings.map((w) => [w.line, w.keyword, w.message]), [[3, 'disabled', '`disabled`: this section starts no listener'], [6, 'enabled', '`enabled` has no effect in switchyard: sections are enabled by default']])
  const backendOnly = load(['backend b', 'disabled'])
  t.same(Object.keys(backendOnly.config.backends), ['b'])
  expectConfigError(t, () => load(['listen a', 'disabled now']), 2, 'disabled', /expected `disabled`/)
})

t.test('stick-table in a backend section is shared with the frontends', async (t) => {
  const l = load([
    'frontend f', 'mode http', 'bind :80', 'http-request track-sc0 src table per_ip', 'default_backend per_ip',
    'backend per_ip', 'mode http', 'stick-table type ip size 1m expire 10s store http_req_rate(10s)',
  ])
  t.same(l.config.frontends[0]!.http?.rules?.tables, { per_ip: { type: 'ip', size: 1_048_576, expire: 10000, httpReqRate: 10000 } })
  // Backend tables are added to every HTTP frontend's rules, even one without rules of its own.
  const plain = load(['frontend g', 'mode http', 'bind :81', 'default_backend t', 'backend t', 'mode http', 'stick-table type string len 32 size 10'])
  t.same(plain.config.frontends[0]!.http?.rules?.tables, { t: { type: 'string', keyLength: 32, size: 10 } })
  expectConfigError(t, () => load(['backend b', 'stick-table type ip']), 2, 'stick-table', /stick-table needs `size`/)
  expectConfigError(t, () => load(['defaults', 'stick-table type ip size 1']), 2, 'stick-table', /not allowed in a `defaults` section/)
})

t.test('accepted with a warning', async (t) => {
  const lines = ['option httpclose', 'no option httpclose', 'option http-server-close', 'option http-keep-alive', 'option forceclose', 'option nolinger', 'option splice-auto', 'option splice-request', 'option splice-response', 'option independent-streams', 'log global', 'no log', 'description web farm', 'id 3']
  const l = load(['listen l', 'bind :80', ...lines])
  t.same(l.warnings.map((w) => w.line), lines.map((_, i) => i + 3))
  t.match(l.warnings[1]!.message, /^`no option httpclose` has no effect in switchyard: switchyard keeps client connections alive/)
  t.match(l.warnings[10]!.message, /^`log` targets do not exist in switchyard/)
})

t.test('the table has no untested entry', async (t) => {
  const names = [
    'mode', 'maxconn', 'errorfile', 'grace', 'timeout http-keep-alive', 'option forwardfor', 'option originalto', 'option httpclose',
    'option http-server-close', 'option http-keep-alive', 'option forceclose', 'option nolinger', 'option splice-auto',
    'option splice-request', 'option splice-response', 'option independent-streams', 'log', 'description', 'id', 'enabled',
    'disabled', 'stick-table', 'force-persist', 'ignore-persist',
  ]
  t.same(Object.keys(SHARED_KEYWORDS).filter((k) => !names.includes(k)), [])
})

t.test('force-persist / ignore-persist: rules of a listen section; ignored in a frontend; refused in a backend', async (t) => {
  const l = load([
    'listen l',
    'mode http',
    'bind :80',
    'cookie SERVERID insert indirect',
    'option persist',
    'acl admin hdr(x-admin) -m found',
    'force-persist if admin',
    'ignore-persist if { path_beg /static }',
    'server a 127.0.0.1:8001 cookie A',
  ])
  const rules = l.config.frontends[0]!.http!.rules!
  t.same(rules.request?.map((r) => r.action), ['force-persist', 'ignore-persist'])
  t.same(rules.request?.[0], { if: { kind: 'acl', name: 'admin' }, action: 'force-persist' })
  t.equal(l.config.backends['l']!.options?.persist, true)
  const fe = load(['frontend f', 'mode http', 'bind :80', 'force-persist if TRUE', 'default_backend b', 'backend b', 'mode http'])
  t.same(fe.warnings.map((w) => [w.line, w.keyword]), [[4, 'force-persist']])
  t.match(fe.warnings[0]!.message, /only applies to backends/)
  t.equal(fe.config.frontends[0]!.http?.rules?.request?.length ?? 0, 0)
  expectConfigError(t, () => load(['backend b', 'mode http', 'ignore-persist if TRUE']), 3, 'ignore-persist', /write it in a `listen` section/)
  expectConfigError(t, () => load(['listen l', 'mode http', 'bind :80', 'force-persist']), 4, 'force-persist', /expected `force-persist \{ if \| unless \} <condition>`/)
})
