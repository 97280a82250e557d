import t from 'tap'
import { readFileSync } from 'node:fs'
import { RulesConfigParser, parseRequestRule, parseResponseRule, parseStickTable } from '../../lib/rules/cfg-rules.js'
import { splitWords } from '../../lib/rules/cfg-words.js'
import { RuleSet } from '../../lib/rules/rule-set.js'
import type { RequestRule, ResponseRule } from '../../lib/rules/types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { expectInvalid } from '../fixtures/invalid.js'
import { makeRequest } from '../fixtures/rules.js'

const req = (text: string, table?: string): RequestRule => parseRequestRule(splitWords(text), 'line 1', undefined, table)
const res = (text: string): ResponseRule => parseResponseRule(splitWords(text), 'line 1')
const isApi = { kind: 'acl', name: 'is_api' } as const

t.test('http-request actions', async (t) => {
  const table: Array<[string, RequestRule]> = [
    ['allow if is_api', { if: isApi, action: 'allow' }],
    ['deny', { action: 'deny' }],
    ['deny unless is_api', { unless: isApi, action: 'deny' }],
    ['deny deny_status 429 if { sc_http_req_rate(0) gt 10 }', { if: { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 10 } }, action: 'deny', status: 429 }],
    [
      'deny status 403 content-type text/html string "<h1>Forbidden</h1>" hdr X-Reason blocked hdr x-client %[src]',
      { action: 'deny', status: 403, contentType: 'text/html', body: '<h1>Forbidden</h1>', headers: { 'X-Reason': 'blocked', 'x-client': { format: '%[src]' } } },
    ],
    ['tarpit deny_status 403', { action: 'tarpit', status: 403 }],
    ['return status 200 content-type text/plain string ok if is_api', { if: isApi, action: 'return', status: 200, contentType: 'text/plain', body: 'ok' }],
    ['redirect scheme https code 301 if !{ ssl_fc }', { if: { kind: 'not', condition: { kind: 'secure' } }, action: 'redirect', type: 'scheme', value: 'https', code: 301 }],
    ['redirect prefix https://example.com drop-query append-slash', { action: 'redirect', type: 'prefix', value: 'https://example.com', dropQuery: true, appendSlash: true }],
    ['redirect location /maintenance.html', { action: 'redirect', type: 'location', value: '/maintenance.html' }],
    ['redirect location https://%[hdr(host)]/', { action: 'redirect', type: 'location', value: { format: 'https://%[hdr(host)]/' } }],
    ['set-header X-Forwarded-Proto https', { action: 'set-header', name: 'X-Forwarded-Proto', value: 'https' }],
    ['add-header X-Client-IP %[src]', { action: 'add-header', name: 'X-Client-IP', value: { format: '%[src]' } }],
    ['del-header X-Debug', { action: 'del-header', name: 'X-Debug' }],
    ['replace-path ^/api/(.*) /\\1', { action: 'replace-path', regex: '^/api/(.*)', replacement: '/\\1' }],
    ['set-path /v2%[path]', { action: 'set-path', value: { format: '/v2%[path]' } }],
    ['set-priority-class int(-1) if is_api', { if: isApi, action: 'set-priority-class', value: -1 }],
    ['set-priority-offset 5000', { action: 'set-priority-offset', value: 5000 }],
    ['track-sc0 src', { action: 'track', slot: 0, key: 'src' }],
    ['track-sc1 src table per_ip', { action: 'track', slot: 1, key: 'src', table: 'per_ip' }],
    ['track-sc2 hdr(x-api-key) table keys', { action: 'track', slot: 2, key: { header: 'x-api-key' }, table: 'keys' }],
    ['track-sc0 req.hdr(x-api-key)', { action: 'track', slot: 0, key: { header: 'x-api-key' } }],
    ['track-sc0 req.cook(sid)', { action: 'track', slot: 0, key: { cookie: 'sid' } }],
    ['track-sc0 cook(sid)', { action: 'track', slot: 0, key: { cookie: 'sid' } }],
    ['track-sc0 url_param(token)', { action: 'track', slot: 0, key: { param: 'token' } }],
    ['track-sc0 urlp(token)', { action: 'track', slot: 0, key: { param: 'token' } }],
  ]
  for (const [text, rule] of table) t.same(req(text), rule, text)
  t.same(req('track-sc0 src', 'fe'), { action: 'track', slot: 0, key: 'src', table: 'fe' }, 'the section table by default')
  t.same(req('track-sc0 src table other', 'fe'), { action: 'track', slot: 0, key: 'src', table: 'other' })
})

t.test('http-request errors name the offending word', async (t) => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['', '', /missing http-request action/],
    ['if is_api', '', /missing http-request action/],
    ['auth realm x', 'auth', /unsupported http-request action `auth`/],
    ['deny errorfile /x.http', 'errorfile', /unsupported `deny` option `errorfile`/],
    ['deny deny_status', 'deny_status', /`deny_status` needs a value/],
    ['deny deny_status abc', 'abc', /expected an integer/],
    ['deny hdr X', 'hdr X', /`hdr X` needs a value/],
    ['redirect', undefined, /expected `redirect location\|prefix\|scheme/],
    ['redirect path /x', 'path', /expected `redirect/],
    ['redirect location', 'location', /`location` needs a value/],
    ['redirect location /x code', 'code', /`code` needs a value/],
    ['redirect location /x set-cookie a=1', 'set-cookie', /unsupported redirect option/],
    ['set-header X', 'set-header X', /needs a value/],
    ['set-header', 'set-header', /needs a value/],
    ['del-header', 'del-header', /expected `del-header <name>`/],
    ['del-header X -m beg', 'del-header X -m beg', /expected `del-header <name>`/],
    ['replace-path ^/a', 'replace-path ^/a', /needs a value/],
    ['set-path', 'set-path', /needs a value/],
    ['set-priority-class lat_class', 'lat_class', /expected an integer/],
    ['set-priority-offset int(x)', 'x', /expected an integer/],
    ['track-sc0', 'track-sc0', /needs a value/],
    ['track-sc0 dst', 'dst', /unsupported track key `dst`/],
    ['track-sc0 hdr()', 'hdr()', /unsupported track key/],
    ['track-sc0 base32', 'base32', /unsupported track key/],
    ['track-sc0 src tbl x', 'track-sc0 src tbl x', /expected `track-sc0 <key> \[table <name>\]`/],
    ['track-sc0 src table', 'track-sc0 src table', /expected `track-sc0/],
    ['track-sc3 src', 'track-sc3', /unsupported http-request action/],
    ['deny if', '', /missing condition/],
  ]
  for (const [text, value, mention] of bad) expectInvalid(t, () => req(text), { value, mention }, text)
})

t.test('http-response actions', async (t) => {
  const table: Array<[string, ResponseRule]> = [
    ['allow', { action: 'allow' }],
    ['set-header X-Frame-Options DENY', { action: 'set-header', name: 'X-Frame-Options', value: 'DENY' }],
    ['add-header Via "1.1 switchyard"', { action: 'add-header', name: 'Via', value: '1.1 switchyard' }],
    ['del-header Server', { action: 'del-header', name: 'Server' }],
    ['set-status 503', { action: 'set-status', status: 503 }],
    ['set-status 503 reason "Down for maintenance" if { status 500 }', { if: { kind: 'status', compare: { op: 'eq', value: 500 } }, action: 'set-status', status: 503, reason: 'Down for maintenance' }],
  ]
  for (const [text, rule] of table) t.same(res(text), rule, text)
  const bad: Array<[string, unknown, RegExp]> = [
    ['', 'undefined', /unsupported http-response action `undefined`/],
    ['deny', 'deny', /unsupported http-response action `deny`/],
    ['set-status', 'set-status', /needs a value/],
    ['set-status 503 because x', 'set-status 503 because x', /expected `set-status <code> \[reason <text>\]`/],
    ['del-header', 'del-header', /needs a value/],
  ]
  for (const [text, value, mention] of bad) expectInvalid(t, () => res(text), { value: value === 'undefined' ? undefined : value, mention }, text)
})

t.test('stick-table lines', async (t) => {
  const warnings: string[] = []
  const st = (text: string) => parseStickTable(splitWords(text), 'line 4', warnings)
  t.same(st('type ip size 100k expire 30s store http_req_rate(10s),conn_cur,http_err_rate(1m)'), {
    type: 'ip',
    size: 102_400,
    expire: 30_000,
    httpReqRate: 10_000,
    httpErrRate: 60_000,
  })
  t.same(st('type ipv6 size 1m'), { type: 'ip', size: 1_048_576 })
  t.same(st('type string len 64 size 1000 store http_req_cnt,http_err_cnt'), { type: 'string', keyLength: 64, size: 1000 })
  t.same(warnings, [])
  t.same(st('type ip size 10 nopurge peers mypeers store gpc0,conn_rate(10s),bytes_out_rate(1s),http_req_rate'), { type: 'ip', size: 10 })
  t.same(warnings, [
    'line 4: `nopurge` is ignored: full tables evict their least recently used entry',
    'line 4: `peers mypeers` is ignored: tables are local',
    'line 4: stored type `gpc0` is not supported and ignored',
    'line 4: stored type `conn_rate(10s)` is not supported and ignored',
    'line 4: stored type `bytes_out_rate(1s)` is not supported and ignored',
    'line 4: stored type `http_req_rate` is not supported and ignored',
  ])
  t.same(parseStickTable(['type', 'ip', 'size', '1', 'nopurge']), { type: 'ip', size: 1 }, 'no warnings list: silent')
  const unplaced: string[] = []
  parseStickTable(['type', 'ip', 'size', '1', 'nopurge'], undefined, unplaced)
  t.same(unplaced, ['`nopurge` is ignored: full tables evict their least recently used entry'], 'no location: no prefix')
  const bad: Array<[string, unknown, RegExp]> = [
    ['size 10', 'size 10', /needs `type`/],
    ['type ip', 'type ip', /needs `size`/],
    ['type integer size 10', 'integer', /unsupported stick-table type `integer`/],
    ['type ip size ten', 'ten', /expected a size/],
    ['type ip size 1 expire soon', 'soon', /expected a duration/],
    ['type ip size 1 store http_req_rate(fast)', 'fast', /expected a duration/],
    ['type ip size 1 srvkey name', 'srvkey', /unsupported stick-table option `srvkey`/],
    ['type', 'type', /`type` needs a value/],
  ]
  for (const [text, value, mention] of bad) expectInvalid(t, () => st(text), { value, mention }, text)
})

t.test('the blog: path-based WebSocket routing, end to end', async (t) => {
  const cfg = new RulesConfigParser()
  const lines = readFileSync(new URL('../fixtures/seeds/notes-playing-with-haproxy.md', import.meta.url), 'utf8').split('\n')
  const start = lines.indexOf('frontend public')
  t.ok(start >= 0, 'the frontend block of the blog')
  const handled = lines.slice(start, start + 5).map((line, i) => cfg.line(line, `line ${start + i + 1}`))
  // frontend public / bind *:80 / acl … / use_backend … / default_backend …
  t.same(handled, [false, false, true, true, true])
  const options = cfg.options()
  t.same(options.request, [{ if: { kind: 'acl', name: 'is_websocket' }, action: 'use-backend', backend: 'ws' }])
  t.equal(options.defaultBackend, 'servers')
  const rules = new RuleSet(options)
  const backendOf = (url: string): string | undefined => rules.evaluate(makeRequest({ url, headers: { upgrade: 'websocket' } }), 0).backend
  t.equal(backendOf('/websockets'), 'ws')
  t.equal(backendOf('/WEBSOCKETS/room/1?x=1'), 'ws', '-i')
  t.equal(backendOf('/'), 'servers')
  t.equal(backendOf('/api/websockets'), 'servers')
})

t.test("the Flask write-up's configuration and its production wishes", async (t) => {
  // The frontend of flask-project-haproxy.txt, then its wishes: IP allowlist, per-IP rate limiting,
  // custom error pages (here a deny body), and a maintenance answer when no server is up.
  const text = readFileSync(new URL('../fixtures/seeds/flask-project-haproxy.txt', import.meta.url), 'utf8').split('\n')
  const front = text.slice(text.indexOf('frontend http_front'), text.indexOf('backend flask_servers'))
  t.same(front, ['frontend http_front', 'bind *:60000-60001', 'default_backend backend_servers', 'option forwardfor'])
  const cfg = new RulesConfigParser({ tableName: 'http_front' })
  t.same(
    front.map((line) => cfg.line(line)),
    [false, false, true, false],
  )
  const wishes = [
    'acl allowed_ips src 192.168.0.0/16 10.0.0.0/8',
    'acl allowed_ips src 127.0.0.1 ::1',
    'acl is_status path /status',
    'stick-table type ip size 100k expire 30s store http_req_rate(10s),conn_cur',
    'timeout tarpit 2s',
    'http-request deny content-type text/html string "<h1>Not on the list</h1>" unless allowed_ips',
    'http-request track-sc0 src',
    'http-request deny deny_status 429 if { sc_http_req_rate(0) gt 20 } !is_status',
    'http-request return status 503 string maintenance if { nbsrv(backend_servers) lt 1 }',
    'http-response set-header X-Content-Type-Options nosniff',
  ]
  t.same(
    wishes.map((line, i) => cfg.line(line, `line ${i + 1}`)),
    wishes.map(() => true),
  )
  t.equal(cfg.line('timeout connect 5s'), false, 'other timeouts belong to the loader')
  t.equal(cfg.line('   # just a comment'), true)
  let up = 2
  const rules = new RuleSet({ ...cfg.options(), backends: { usableServers: (name) => (name === 'backend_servers' ? () => up : undefined) } })
  t.same(cfg.warnings, [])
  t.equal(rules.tables.get('http_front')!.size, 102_400)
  const clock = new FakeClock(0)
  const send = (source: string, url = '/') => {
    const v = rules.evaluate(makeRequest({ source, url }), clock.now())
    rules.end(v, v.action === 'continue' ? 200 : v.status, clock.now())
    return v
  }
  const outsider = send('203.0.113.7')
  t.same([outsider.action, outsider.status, outsider.body, outsider.contentType], ['deny', 403, '<h1>Not on the list</h1>', 'text/html'])
  t.equal(send('::1').backend, 'backend_servers', 'the second allowed_ips line is OR-ed')
  const statuses: number[] = []
  for (let i = 0; i < 22; i++) statuses.push(send('192.168.1.10').status)
  t.same(statuses, [...Array<number>(20).fill(0), 429, 429], 'the 21st request from one address within 10 s is refused')
  t.equal(send('192.168.1.10', '/status').action, 'continue', 'health checks are not limited')
  up = 0
  const down = send('10.1.1.1')
  t.same([down.action, down.status, down.body], ['return', 503, 'maintenance'])
  t.equal(cfg.options().tarpitTimeout, 2000)
})

t.test('RulesConfigParser: errors, warnings, predefined ACLs', async (t) => {
  const cfg = new RulesConfigParser()
  expectInvalid(t, () => cfg.line('stick-table type ip size 1', 'line 7'), { mention: /^line 7: a stick-table needs a name/ })
  expectInvalid(t, () => cfg.line('use_backend a b if x'), { mention: /expected `use_backend <backend> \[if\|unless <condition>\]`/ })
  expectInvalid(t, () => cfg.line('use_backend'), { mention: /expected `use_backend/ })
  expectInvalid(t, () => cfg.line('default_backend'), { mention: /expected `default_backend <backend>`/ })
  expectInvalid(t, () => cfg.line('timeout tarpit'), { value: 'timeout tarpit', mention: /needs a value/ })
  expectInvalid(t, () => cfg.line('acl x path_beg "unterminated', 'line 2'), { mention: /^line 2: unterminated quote/ })
  t.equal(cfg.line('server s1 127.0.0.1:80'), false)
  t.equal(cfg.words([]), false)
  cfg.line('acl noisy hdr(referer)', 'line 3')
  t.same(cfg.warnings, ['line 3: `hdr(referer)` has no pattern and never matches (use `-m found` to test presence)'])
  cfg.line('http-request deny if !LOCALHOST METH_POST')
  cfg.line('acl METH_POST method PUT')
  cfg.line('use_backend admin unless TRUE')
  const options = cfg.options()
  t.same(options.acls!['METH_POST'], { kind: 'method', methods: ['PUT'], ignoreCase: false }, 'a user ACL replaces a predefined one')
  t.same(options.acls!['TRUE'], { kind: 'always' })
  t.same(options.request!.at(-1), { unless: { kind: 'acl', name: 'TRUE' }, action: 'use-backend', backend: 'admin' })
  t.same(Object.keys(options).sort(), ['acls', 'request', 'response', 'tables'], 'no default backend or tarpit timeout unless given')
  const rules = new RuleSet(options)
  t.equal(rules.evaluate(makeRequest({ method: 'PUT', source: '10.0.0.1' }), 0).action, 'deny')
  t.equal(rules.evaluate(makeRequest({ method: 'POST', source: '10.0.0.1' }), 0).action, 'continue')
  t.equal(rules.evaluate(makeRequest({ method: 'PUT' }), 0).backend, undefined)
})

t.test('force-persist and ignore-persist lines: after use_backend, a condition required', async (t) => {
  const cfg = new RulesConfigParser()
  expectInvalid(t, () => cfg.line('force-persist', 'line 4'), { mention: /^line 4: expected `force-persist \{ if \| unless \} <condition>`/ })
  expectInvalid(t, () => cfg.line('ignore-persist now if TRUE'), { mention: /expected `ignore-persist \{ if \| unless \} <condition>`/ })
  cfg.line('acl static path_beg /static')
  cfg.line('acl admin hdr(x-admin) -m found')
  cfg.line('ignore-persist if static')
  cfg.line('force-persist if admin')
  cfg.line('use_backend web if TRUE')
  cfg.line('http-request set-header x-seen 1')
  cfg.line('ignore-persist unless admin')
  const options = cfg.options()
  t.same(options.request!.map((r) => r.action), ['set-header', 'use-backend', 'ignore-persist', 'force-persist', 'ignore-persist'])
  t.same(options.request![3], { if: { kind: 'acl', name: 'admin' }, action: 'force-persist' })
  t.same(options.request![4], { unless: { kind: 'acl', name: 'admin' }, action: 'ignore-persist' })
  const rules = new RuleSet(options)
  const persist = (over: Parameters<typeof makeRequest>[0]): string | undefined => rules.evaluate(makeRequest(over), 0).persist
  t.equal(persist({ url: '/static/x', headers: { 'x-admin': '1' } }), 'ignore')
  t.equal(persist({ url: '/app', headers: { 'x-admin': '1' } }), 'force')
  t.equal(persist({ url: '/app' }), 'ignore')
})
