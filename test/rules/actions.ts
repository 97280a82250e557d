import t from 'tap'
import { applyHeaderEdits } from '../../lib/rules/header-edits.js'
import { RuleSet } from '../../lib/rules/rule-set.js'
import type { Condition, RequestRule, RequestVerdict, ResponseRule, RuleRequest, RuleSetOptions } from '../../lib/rules/types.js'
import { expectInvalid } from '../fixtures/invalid.js'
import { makeRequest } from '../fixtures/rules.js'

function run(request: RequestRule[], over: Partial<RuleRequest> = {}, options: Omit<RuleSetOptions, 'request'> = {}, now = 0): RequestVerdict {
  return new RuleSet({ ...options, request }).evaluate(makeRequest(over), now)
}

/** The upstream headers after the verdict's edits, starting from a flat list. */
function edited(verdict: RequestVerdict, flat: string[]): string[] {
  const copy = [...flat]
  if (verdict.headersChanged) applyHeaderEdits(copy, verdict)
  return copy
}

const isApi: Condition = { kind: 'path', match: { op: 'prefix', values: '/api' } }

t.test('no rule matches: continue with the request unchanged', async (t) => {
  const v = run([{ action: 'deny', if: isApi }])
  t.same(
    {
      action: v.action,
      status: v.status,
      body: v.body,
      contentType: v.contentType,
      replyHeaders: v.replyHeaders,
      delay: v.delay,
      backend: v.backend,
      priorityClass: v.priorityClass,
      priorityOffset: v.priorityOffset,
      url: v.url,
      urlChanged: v.urlChanged,
      headersChanged: v.headersChanged,
      dropHeaders: v.dropHeaders,
      addHeaders: v.addHeaders,
      source: v.source,
      statusReason: v.statusReason,
      persist: v.persist,
    },
    {
      action: 'continue',
      status: 0,
      body: undefined,
      contentType: undefined,
      replyHeaders: undefined,
      delay: 0,
      backend: undefined,
      priorityClass: undefined,
      priorityOffset: undefined,
      url: '/',
      urlChanged: false,
      headersChanged: false,
      dropHeaders: undefined,
      addHeaders: undefined,
      source: '127.0.0.1',
      statusReason: undefined,
      persist: undefined,
    },
  )
})

t.test('allow stops evaluation; if and unless guard rules', async (t) => {
  const rules: RequestRule[] = [{ action: 'allow', if: isApi }, { action: 'deny' }]
  t.equal(run(rules, { url: '/api/x' }).action, 'continue')
  t.equal(run(rules, { url: '/web' }).action, 'deny')
  const unless: RequestRule[] = [{ action: 'deny', unless: isApi }]
  t.equal(run(unless, { url: '/api' }).action, 'continue')
  t.equal(run(unless, { url: '/x' }).action, 'deny')
  const both: RequestRule[] = [{ action: 'deny', if: isApi, unless: { kind: 'method', methods: 'GET' } }]
  t.equal(run(both, { url: '/api', method: 'GET' }).action, 'continue')
  t.equal(run(both, { url: '/api', method: 'POST' }).action, 'deny')
  t.equal(run(both, { url: '/x', method: 'POST' }).action, 'continue')
})

t.test('deny: 403 by default, or a chosen status with content', async (t) => {
  const plain = run([{ action: 'deny' }])
  t.same([plain.action, plain.status, plain.body, plain.contentType, plain.replyHeaders], ['deny', 403, undefined, undefined, undefined])
  const custom = run([{ action: 'deny', status: 404, body: 'nothing here' }])
  t.same([custom.status, custom.body, custom.contentType], [404, 'nothing here', 'text/plain'])
  const html = run([{ action: 'deny', status: 401, body: '<p>no</p>', contentType: 'text/html', headers: { 'WWW-Authenticate': 'Basic realm="x"', 'X-Client': { format: '%[src]' } } }])
  t.same([html.contentType, html.replyHeaders], ['text/html', ['www-authenticate', 'Basic realm="x"', 'x-client', '127.0.0.1']])
  const later = run([{ action: 'deny' }, { action: 'set-header', name: 'x', value: 'y' }])
  t.equal(later.headersChanged, false, 'rules after a final action do not run')
  t.equal(run([{ action: 'use-backend', backend: 'b' }, { action: 'deny' }], {}, { defaultBackend: 'd' }).backend, 'b', 'backend chosen before the deny is kept')
  t.equal(run([{ action: 'deny' }], {}, { defaultBackend: 'd' }).backend, undefined, 'no default backend for a local reply')
})

t.test('deny 429 carries Retry-After', async (t) => {
  t.same(run([{ action: 'deny', status: 429 }]).replyHeaders, ['retry-after', '1'], 'no rate in the condition: 1 second')
  t.same(run([{ action: 'deny', status: 429, retryAfter: 30 }]).replyHeaders, ['retry-after', '30'])
  t.same(run([{ action: 'deny', status: 429, retryAfter: 0 }]).replyHeaders, ['retry-after', '0'])
  t.same(run([{ action: 'deny', status: 429, headers: { 'Retry-After': '120' } }]).replyHeaders, ['retry-after', '120'], 'an explicit header wins')
  t.same(run([{ action: 'deny', status: 429, headers: { 'x-a': 'b' } }]).replyHeaders, ['x-a', 'b', 'retry-after', '1'])
  expectInvalid(t, () => run([{ action: 'deny', status: 429, retryAfter: 1.5 }]), { field: 'request[0].retryAfter', value: 1.5 })
  expectInvalid(t, () => run([{ action: 'deny', status: 99 }]), { field: 'request[0].status', value: 99 })
  expectInvalid(t, () => run([{ action: 'deny', status: 600 }]), { field: 'request[0].status', value: 600 })
  expectInvalid(t, () => run([{ action: 'deny', body: 5 as unknown as string }]), { field: 'request[0].body', value: 5 })
  expectInvalid(t, () => run([{ action: 'deny', contentType: 5 as unknown as string }]), { field: 'request[0].contentType', value: 5 })
  expectInvalid(t, () => run([{ action: 'deny', contentType: 'text/html\r\nx: y' }]), { field: 'request[0].contentType' })
  expectInvalid(t, () => run([{ action: 'deny', headers: 'x' as unknown as Record<string, string> }]), { field: 'request[0].headers', value: 'x' })
  expectInvalid(t, () => run([{ action: 'deny', headers: { 'bad name': 'x' } }]), { field: 'request[0].headers.bad name', value: 'bad name' })
})

t.test('tarpit: hold for tarpitTimeout then 500', async (t) => {
  const v = run([{ action: 'tarpit' }])
  t.same([v.action, v.status, v.delay], ['tarpit', 500, 5000], 'default delay 5000 ms')
  const w = run([{ action: 'tarpit', status: 403 }], {}, { tarpitTimeout: 1500 })
  t.same([w.action, w.status, w.delay], ['tarpit', 403, 1500])
  expectInvalid(t, () => run([{ action: 'tarpit' }], {}, { tarpitTimeout: -1 }), { field: 'tarpitTimeout', value: -1 })
  expectInvalid(t, () => run([], {}, { tarpitTimeout: Number.POSITIVE_INFINITY }), { field: 'tarpitTimeout' })
})

t.test('return: a local answer', async (t) => {
  const v = run([{ action: 'return', body: 'pong', if: { kind: 'path', match: { op: 'exact', values: '/ping' } } }], { url: '/ping' })
  t.same([v.action, v.status, v.body, v.contentType, v.replyHeaders], ['return', 200, 'pong', 'text/plain', undefined])
  const json = run([{ action: 'return', status: 503, body: '{}', contentType: 'application/json', headers: { 'cache-control': 'no-cache' } }])
  t.same([json.status, json.contentType, json.replyHeaders], [503, 'application/json', ['cache-control', 'no-cache']])
})

t.test('redirect: location, prefix, scheme; code; drop-query; append-slash', async (t) => {
  const loc = (rule: Omit<Extract<RequestRule, { action: 'redirect' }>, 'action'>, over: Partial<RuleRequest> = {}): [number, string | undefined] => {
    const v = run([{ action: 'redirect', ...rule }], over)
    t.equal(v.action, 'redirect')
    return [v.status, v.replyHeaders?.[1]]
  }
  const page = { url: '/old/page?q=1', headers: { host: 'example.com' } }
  t.same(loc({ type: 'location', value: 'https://example.org/' }, page), [302, 'https://example.org/'])
  t.same(loc({ type: 'location', value: { format: 'https://%[hdr(host)]%[path]' } }, page), [302, 'https://example.com/old/page'])
  t.same(loc({ type: 'prefix', value: 'https://example.com', code: 301 }, page), [301, 'https://example.com/old/page?q=1'], '§9.7 example')
  t.same(loc({ type: 'prefix', value: 'https://example.com', dropQuery: true }, page), [302, 'https://example.com/old/page'])
  t.same(loc({ type: 'prefix', value: 'https://x', appendSlash: true, dropQuery: true }, page), [302, 'https://x/old/page/'])
  t.same(loc({ type: 'prefix', value: 'https://x', appendSlash: true }, { url: '/dir/?a' }), [302, 'https://x/dir/?a'], 'already ends with /')
  t.same(loc({ type: 'prefix', value: '/' }, page), [302, '/old/page?q=1'], 'prefix / keeps the URL relative')
  t.same(loc({ type: 'scheme', value: 'https', code: 308 }, page), [308, 'https://example.com/old/page?q=1'])
  t.same(loc({ type: 'scheme', value: 'https' }, { url: '/', headers: { host: 'example.com:443' } }), [302, 'https://example.com/'], 'default https port dropped')
  t.same(loc({ type: 'scheme', value: 'http' }, { url: '/', headers: { host: 'example.com:80' } }), [302, 'http://example.com/'], 'default http port dropped')
  t.same(loc({ type: 'scheme', value: 'https' }, { url: '/', headers: { host: 'example.com:80' } }), [302, 'https://example.com:80/'], 'other ports kept')
  t.same(loc({ type: 'scheme', value: 'http' }, { url: '/', headers: { host: 'example.com:8443' } }), [302, 'http://example.com:8443/'])
  t.same(loc({ type: 'scheme', value: 'https' }, { url: '/a?b' }), [302, '/a?b'], 'no Host: a relative location')
  t.same(loc({ type: 'scheme', value: 'https' }, { url: '/a', headers: { host: '' } }), [302, '/a'])
  for (const code of [301, 302, 303, 307, 308] as const) t.equal(loc({ type: 'location', value: '/x', code })[0], code)
  expectInvalid(t, () => run([{ action: 'redirect', type: 'location', value: '/', code: 304 as 302 }]), { field: 'request[0].code', value: 304 })
  expectInvalid(t, () => run([{ action: 'redirect', type: 'path' as 'location', value: '/' }]), { field: 'request[0].type', value: 'path' })
  expectInvalid(t, () => run([{ action: 'redirect', type: 'location', value: '/\r\n' }]), { field: 'request[0].value' })
})

t.test('set-header, add-header, del-header: recorded, applied once in place', async (t) => {
  const rules: RequestRule[] = [
    { action: 'set-header', name: 'X-Forwarded-Proto', value: 'https' },
    { action: 'add-header', name: 'X-Tag', value: 'a' },
    { action: 'add-header', name: 'x-tag', value: { format: '%[method]' } },
    { action: 'del-header', name: 'X-Debug' },
  ]
  const v = run(rules, { headers: { 'x-forwarded-proto': 'http', 'x-debug': '1' } })
  t.ok(v.headersChanged)
  const flat = ['host', 'h', 'x-forwarded-proto', 'http', 'x-debug', '1', 'accept', '*/*', 'x-tag', 'client']
  t.same(edited(v, flat), ['host', 'h', 'accept', '*/*', 'x-tag', 'client', 'x-forwarded-proto', 'https', 'x-tag', 'a', 'x-tag', 'GET'])
  t.same(v.dropHeaders, ['x-forwarded-proto', 'x-debug'], 'for an HTTP layer applying edits while copying')
  t.same(v.addHeaders, ['x-forwarded-proto', 'https', 'x-tag', 'a', 'x-tag', 'GET'])
  t.same(edited(v, ['host', 'h']), ['host', 'h', 'x-forwarded-proto', 'https', 'x-tag', 'a', 'x-tag', 'GET'], 'nothing to remove')
  const single = run([{ action: 'del-header', name: 'cookie' }])
  t.same(edited(single, ['cookie', 'a=1', 'x', 'y', 'cookie', 'b=2']), ['x', 'y'], 'one dropped name')
  t.same(edited(single, ['x', 'y']), ['x', 'y'], 'one dropped name, absent')
  const set = run([{ action: 'add-header', name: 'x', value: '1' }, { action: 'set-header', name: 'x', value: '2' }, { action: 'add-header', name: 'x', value: '3' }])
  t.same(edited(set, ['x', '0']), ['x', '2', 'x', '3'], 'set-header replaces client lines and earlier additions')
  const del = run([{ action: 'add-header', name: 'x', value: '1' }, { action: 'add-header', name: 'y', value: '1' }, { action: 'del-header', name: 'x' }])
  t.same(edited(del, ['x', '0']), ['y', '1'], 'del-header removes earlier additions too')
  const onlyAdd = run([{ action: 'add-header', name: 'x', value: '1' }])
  t.same(edited(onlyAdd, ['x', '0']), ['x', '0', 'x', '1'], 'add keeps the client line')
  expectInvalid(t, () => run([{ action: 'set-header', name: 'bad name', value: 'x' }]), { field: 'request[0].name', value: 'bad name' })
  expectInvalid(t, () => run([{ action: 'set-header', name: 'x', value: 'a\nb' }]), { field: 'request[0].value' })
  expectInvalid(t, () => run([{ action: 'del-header', name: '' }]), { field: 'request[0].name' })
  expectInvalid(t, () => applyHeaderEdits([], { headersChanged: true } as unknown as RequestVerdict), { field: 'verdict' })
})

t.test('replace-path and set-path: the whole path is replaced, the query kept', async (t) => {
  const strip: RequestRule = { action: 'replace-path', regex: '^/api/(.*)', replacement: '/\\1' }
  const v = run([strip], { url: '/api/users/7?full=1' })
  t.same([v.url, v.urlChanged], ['/users/7?full=1', true])
  const same = run([strip], { url: '/web/x' })
  t.same([same.url, same.urlChanged], ['/web/x', false], 'no match: unchanged')
  // HAProxy replaces the whole path with the expanded replacement, not just the matched part.
  t.equal(run([{ action: 'replace-path', regex: 'foo/(.*)', replacement: '/\\1' }], { url: '/x/foo/bar' }).url, '/bar')
  t.equal(run([{ action: 'replace-path', regex: /^\/(a)(b)?/, replacement: '/\\2\\1\\\\' }], { url: '/a' }).url, '/a\\', 'missing group is empty; \\\\ is a backslash')
  t.equal(run([{ action: 'replace-path', regex: '(.*)', replacement: '/v2\\1' }], { url: '/x' }).url, '/v2/x')
  const chained = run(
    [
      { action: 'set-path', value: { format: '/users%[path]' } },
      { action: 'deny', if: { kind: 'path', match: { op: 'prefix', values: '/users/' } } },
    ],
    { url: '/7?a' },
  )
  t.same([chained.url, chained.action], ['/users/7?a', 'deny'], 'later rules see the new path')
  expectInvalid(t, () => run([{ action: 'replace-path', regex: '(', replacement: '/' }]), { field: 'request[0].regex', value: '(' })
  expectInvalid(t, () => run([{ action: 'replace-path', regex: 'a', replacement: 1 as unknown as string }]), { field: 'request[0].replacement', value: 1 })
  expectInvalid(t, () => run([{ action: 'replace-path', regex: 'a', replacement: '/\n' }]), { field: 'request[0].replacement' })
})

t.test('set-priority-class and set-priority-offset: clamped to HAProxy ranges', async (t) => {
  const pri = (cls: number, off: number): [number | undefined, number | undefined] => {
    const v = run([{ action: 'set-priority-class', value: cls }, { action: 'set-priority-offset', value: off }])
    return [v.priorityClass, v.priorityOffset]
  }
  t.same(pri(5, -5000), [5, -5000])
  t.same(pri(5000, 10_000_000), [2047, 524287])
  t.same(pri(-5000, -10_000_000), [-2047, -524287])
  t.same(pri(1.9, -1.9), [1, -1], 'truncated to integers')
  const last = run([{ action: 'set-priority-class', value: 1 }, { action: 'set-priority-class', value: 2 }])
  t.equal(last.priorityClass, 2, 'the last rule wins')
  expectInvalid(t, () => run([{ action: 'set-priority-class', value: Number.NaN }]), { field: 'request[0].value' })
  expectInvalid(t, () => run([{ action: 'set-priority-offset', value: '1' as unknown as number }]), { field: 'request[0].value', value: '1' })
})

t.test('use-backend: the first match wins, then default_backend', async (t) => {
  const rules: RequestRule[] = [
    { action: 'use-backend', backend: 'ws', if: { kind: 'path', match: { op: 'prefix', values: '/websockets', ignoreCase: true } } },
    { action: 'use-backend', backend: 'api', if: isApi },
    { action: 'use-backend', backend: 'api2', if: isApi },
    { action: 'set-header', name: 'x-seen', value: '1' },
  ]
  const opts = { defaultBackend: 'servers' }
  t.equal(run(rules, { url: '/WebSockets/chat' }, opts).backend, 'ws')
  t.equal(run(rules, { url: '/api/x' }, opts).backend, 'api')
  t.ok(run(rules, { url: '/api/x' }, opts).headersChanged, 'evaluation goes on after use-backend')
  t.equal(run(rules, { url: '/' }, opts).backend, 'servers')
  t.equal(run(rules, { url: '/' }).backend, undefined)
  expectInvalid(t, () => run([{ action: 'use-backend', backend: '' }]), { field: 'request[0].backend', value: '' })
  expectInvalid(t, () => run([], {}, { defaultBackend: 3 as unknown as string }), { field: 'defaultBackend', value: 3 })
})

t.test('track: keys from source, header, cookie, parameter', async (t) => {
  const tables = { ips: { size: 10 }, keys: { type: 'string' as const, size: 10 } }
  const rs = new RuleSet({
    tables,
    request: [
      { action: 'track', key: 'src', table: 'ips' },
      { action: 'track', slot: 1, key: { header: 'X-Api-Key' }, table: 'keys' },
      { action: 'track', slot: 1, key: { cookie: 'sid' }, table: 'keys' },
      { action: 'track', slot: 2, key: { param: 'token' }, table: 'keys' },
    ],
  })
  const ips = rs.tables.get('ips')!
  const keys = rs.tables.get('keys')!
  rs.evaluate(makeRequest({ source: '::ffff:10.0.0.1', headers: { 'x-api-key': 'k1', cookie: 'sid=s1' }, url: '/?token=t1' }), 0)
  t.same(
    ips.entries(0).map((e) => [e.key, e.httpReqCnt]),
    [['10.0.0.1', 1]],
    'source stored as plain IPv4',
  )
  t.same(
    keys.entries(0).map((e) => [e.key, e.httpReqCnt]),
    [
      ['t1', 1],
      ['k1', 1],
    ],
    'slot 1 tracked by the header (first track wins, the cookie rule is skipped); slot 2 by the parameter',
  )
  rs.evaluate(makeRequest({ headers: { cookie: 'sid=s1' } }), 1)
  t.same(
    keys.entries(1).map((e) => e.key),
    ['s1', 't1', 'k1'],
    'no header: the cookie rule fills slot 1; no parameter: slot 2 untracked',
  )
})

t.test('track into an ip table needs an address; table selection', async (t) => {
  const rs = new RuleSet({ tables: { t: { size: 10 } }, request: [{ action: 'track', key: { header: 'x-real-ip' } }] })
  const table = rs.tables.get('t')!
  rs.evaluate(makeRequest({ headers: { 'x-real-ip': 'not-an-ip' } }), 0)
  t.same(table.entries(0), [], 'not an address: not tracked')
  rs.evaluate(makeRequest({ headers: { 'x-real-ip': '::ffff:1.2.3.4' } }), 0)
  t.same(
    table.entries(0).map((e) => e.key),
    ['1.2.3.4'],
    'the only table is used by default; mapped addresses become IPv4',
  )
  rs.evaluate(makeRequest({}), 0)
  t.equal(table.entries(0).length, 1, 'no header: not tracked')
  const two = { a: { size: 1 }, b: { size: 1 } }
  expectInvalid(t, () => new RuleSet({ tables: two, request: [{ action: 'track', key: 'src' }] }), { field: 'request[0].table', mention: /name the table \(2 tables/ })
  expectInvalid(t, () => new RuleSet({ tables: two, request: [{ action: 'track', key: 'src', table: 'c' }] }), { field: 'request[0].table', value: 'c' })
  expectInvalid(t, () => new RuleSet({ request: [{ action: 'track', key: 'src' }] }), { field: 'request[0].table', mention: /0 tables/ })
  expectInvalid(t, () => new RuleSet({ tables: two, request: [{ action: 'track', slot: 3 as 0, key: 'src', table: 'a' }] }), { field: 'request[0].slot', value: 3 })
  expectInvalid(t, () => new RuleSet({ tables: two, request: [{ action: 'track', key: 'dst' as 'src', table: 'a' }] }), { field: 'request[0].key', value: 'dst' })
  expectInvalid(t, () => new RuleSet({ tables: two, request: [{ action: 'track', key: { cookie: '' }, table: 'a' }] }), { field: 'request[0].key' })
  expectInvalid(t, () => new RuleSet({ tables: two, request: [{ action: 'track', key: { header: 'a b' }, table: 'a' }] }), { field: 'request[0].key.header', value: 'a b' })
  expectInvalid(t, () => new RuleSet({ tables: two, request: [{ action: 'track', key: null as unknown as 'src', table: 'a' }] }), { field: 'request[0].key', value: null })
})

t.test('response rules: headers edited in place, status replaced', async (t) => {
  const response: ResponseRule[] = [
    { action: 'set-header', name: 'X-Frame-Options', value: 'DENY' },
    { action: 'add-header', name: 'x-served-for', value: { format: '%[src] %[path] %[status]' } },
    { action: 'del-header', name: 'Server' },
    { action: 'set-status', status: 503, reason: 'Maintenance', if: { kind: 'status', compare: { op: 'eq', value: 500 } } },
    { action: 'allow', if: { kind: 'response-header', name: 'x-stop' } },
    { action: 'set-header', name: 'x-last', value: '1' },
  ]
  const rs = new RuleSet({ response })
  t.ok(rs.hasResponseRules)
  const v = rs.evaluate(makeRequest({ url: '/a?b' }), 0)
  const headers = ['server', 'nginx', 'x-frame-options', 'SAMEORIGIN', 'content-type', 'text/html']
  t.equal(rs.respond(v, 500, headers, 1), 503)
  t.equal(v.statusReason, 'Maintenance')
  t.same(headers, ['content-type', 'text/html', 'x-frame-options', 'DENY', 'x-served-for', '127.0.0.1 /a 500', 'x-last', '1'])
  const w = rs.evaluate(makeRequest(), 0)
  const h2 = ['x-stop', '1']
  t.equal(rs.respond(w, 200, h2, 1), 200)
  t.same(h2, ['x-stop', '1', 'x-frame-options', 'DENY', 'x-served-for', '127.0.0.1 / 200'], 'allow stops response rules')
  t.equal(w.statusReason, undefined)
  const noReason = new RuleSet({ response: [{ action: 'set-status', status: 404 }] })
  const x = noReason.evaluate(makeRequest(), 0)
  t.equal(noReason.respond(x, 200, [], 0), 404)
  t.equal(x.statusReason, undefined)
  expectInvalid(t, () => new RuleSet({ response: [{ action: 'set-status', status: 99 }] }), { field: 'response[0].status', value: 99 })
  expectInvalid(t, () => new RuleSet({ response: [{ action: 'set-status', status: 200, reason: 5 as unknown as string }] }), { field: 'response[0].reason', value: 5 })
  expectInvalid(t, () => new RuleSet({ response: [{ action: 'set-status', status: 200, reason: 'a\r\n' }] }), { field: 'response[0].reason' })
  expectInvalid(t, () => new RuleSet({ response: [{ action: 'deny' } as unknown as ResponseRule] }), { field: 'response[0].action', value: 'deny' })
  expectInvalid(t, () => new RuleSet({ response: [null as unknown as ResponseRule] }), { field: 'response[0]', value: null })
  expectInvalid(t, () => new RuleSet({ response: [{ action: 'set-header', name: 'x y', value: '' }] }), { field: 'response[0].name' })
  expectInvalid(t, () => new RuleSet({ response: [{ action: 'del-header', name: '' }] }), { field: 'response[0].name' })
})

t.test('unknown or malformed request rules', async (t) => {
  expectInvalid(t, () => new RuleSet({ request: [{ action: 'auth' } as unknown as RequestRule] }), { field: 'request[0].action', value: 'auth' })
  expectInvalid(t, () => new RuleSet({ request: [null as unknown as RequestRule] }), { field: 'request[0]', value: null })
  expectInvalid(t, () => new RuleSet({ request: 'x' as unknown as RequestRule[] }), { field: 'request', value: 'x' })
  expectInvalid(t, () => new RuleSet({ response: {} as unknown as ResponseRule[] }), { field: 'response' })
  expectInvalid(t, () => new RuleSet({ request: [{ action: 'deny', if: { kind: 'src', networks: ['300.0.0.0/8'] } }] }), { field: 'request[0].if.networks', value: '300.0.0.0/8' })
  expectInvalid(t, () => new RuleSet({ request: [{ action: 'deny', unless: { kind: 'path', match: { op: 'regex', values: '[' } } }] }), {
    field: 'request[0].unless.match.values',
    value: '[',
  })
})

t.test('force-persist / ignore-persist: the first matching persistence rule decides, evaluation goes on', async (t) => {
  const isStatic: Condition = { kind: 'path', match: { op: 'prefix', values: '/static' } }
  const admin: Condition = { kind: 'header', name: 'x-admin' }
  const rules: RequestRule[] = [
    { action: 'ignore-persist', if: isStatic },
    { action: 'force-persist', if: admin },
    { action: 'ignore-persist', unless: admin },
    { action: 'set-header', name: 'x-after', value: '1' },
  ]
  const table: Array<[string, Partial<RuleRequest>, string | undefined]> = [
    ['static path: ignore', { url: '/static/a.css' }, 'ignore'],
    ['static path with x-admin: the earlier ignore wins', { url: '/static/a.css', headers: { 'x-admin': '1' } }, 'ignore'],
    ['x-admin: force', { url: '/app', headers: { 'x-admin': '1' } }, 'force'],
    ['other: the unless rule ignores', { url: '/app' }, 'ignore'],
  ]
  for (const [name, over, expected] of table) {
    const v = run(rules, over)
    t.equal(v.persist, expected, name)
    t.same(v.addHeaders, ['x-after', '1'], `${name}: later rules still run`)
  }
  t.equal(run([{ action: 'force-persist', if: admin }]).persist, undefined, 'no rule matched: undefined')
  t.equal(run([{ action: 'deny' }, { action: 'force-persist' }]).persist, undefined, 'a final deny stops before it')
})

t.test('after allow, backend-stage rules (use-backend, force/ignore-persist) still run; other rules do not', async (t) => {
  const rules: RequestRule[] = [
    { action: 'allow', if: isApi },
    { action: 'set-header', name: 'x-skipped', value: '1' },
    { action: 'use-backend', backend: 'never', if: { kind: 'never' } },
    { action: 'use-backend', backend: 'api' },
    { action: 'force-persist', if: isApi },
    { action: 'ignore-persist' },
    { action: 'deny' },
  ]
  const v = run(rules, { url: '/api/x' })
  t.same([v.action, v.backend, v.persist, v.addHeaders], ['continue', 'api', 'force', undefined])
  t.same(run(rules, { url: '/web' }).action, 'deny', 'without allow, evaluation reaches deny')
})
