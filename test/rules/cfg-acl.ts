import t from 'tap'
import { PREDEFINED_ACLS, parseAcl, parseCondition, parseCriterion } from '../../lib/rules/cfg-acl.js'
import { splitWords } from '../../lib/rules/cfg-words.js'
import type { Condition } from '../../lib/rules/types.js'
import { expectInvalid } from '../fixtures/invalid.js'
import { holds, makeCtx } from '../fixtures/rules.js'

const crit = (text: string, warnings?: string[]): Condition => parseCriterion(splitWords(text), 'line 1', warnings)

t.test('the blog: path-based WebSocket routing ACL', async (t) => {
  // notes-playing-with-haproxy.md: "acl is_websocket path_beg -i /websockets"
  const acl = parseAcl(splitWords('is_websocket path_beg -i /websockets'))
  t.same(acl, { name: 'is_websocket', condition: { kind: 'path', match: { op: 'prefix', values: ['/websockets'], ignoreCase: true } } })
  t.ok(holds(acl.condition, { url: '/websockets/chat' }))
  t.ok(holds(acl.condition, { url: '/WebSockets' }))
  t.notOk(holds(acl.condition, { url: '/api/websockets' }))
})

t.test('criteria map to conditions with HAProxy default matching', async (t) => {
  const table: Array<[string, Condition]> = [
    ['src 10.0.0.0/8 192.168.1.7', { kind: 'src', networks: ['10.0.0.0/8', '192.168.1.7'] }],
    ['path /health', { kind: 'path', match: { op: 'exact', values: ['/health'], ignoreCase: false } }],
    ['path_beg /api /v2', { kind: 'path', match: { op: 'prefix', values: ['/api', '/v2'], ignoreCase: false } }],
    ['path_end .jpg .png', { kind: 'path', match: { op: 'suffix', values: ['.jpg', '.png'], ignoreCase: false } }],
    ['path_sub admin', { kind: 'path', match: { op: 'substring', values: ['admin'], ignoreCase: false } }],
    ['path_reg ^/v[0-9]+/', { kind: 'path', match: { op: 'regex', values: ['^/v[0-9]+/'], ignoreCase: false } }],
    ['path_dom api', { kind: 'path', match: { op: 'domain', values: ['api'], ignoreCase: false } }],
    ['url_beg /x', { kind: 'url', match: { op: 'prefix', values: ['/x'], ignoreCase: false } }],
    ['hdr(host) -i example.com', { kind: 'header', name: 'host', match: { op: 'exact', values: ['example.com'], ignoreCase: true } }],
    ['req.hdr(x-api-key) abc', { kind: 'header', name: 'x-api-key', match: { op: 'exact', values: ['abc'], ignoreCase: false }, full: false }],
    ['req.fhdr(user-agent) -m sub curl', { kind: 'header', name: 'user-agent', match: { op: 'substring', values: ['curl'], ignoreCase: false }, full: true }],
    ['hdr_beg(host) www.', { kind: 'header', name: 'host', match: { op: 'prefix', values: ['www.'], ignoreCase: false } }],
    ['hdr_end(host) .example.com', { kind: 'header', name: 'host', match: { op: 'suffix', values: ['.example.com'], ignoreCase: false } }],
    ['hdr_reg(user-agent) bot|crawler', { kind: 'header', name: 'user-agent', match: { op: 'regex', values: ['bot|crawler'], ignoreCase: false } }],
    ['hdr_dom(host) example', { kind: 'header', name: 'host', match: { op: 'domain', values: ['example'], ignoreCase: false } }],
    ['hdr(x-debug) -m found', { kind: 'header', name: 'x-debug', match: undefined }],
    ['hdr_cnt(host) gt 1', { kind: 'header-count', name: 'host', compare: { op: 'gt', value: 1 } }],
    ['req.hdr_cnt(x) 0', { kind: 'header-count', name: 'x', compare: { op: 'eq', value: 0 } }],
    ['method GET HEAD', { kind: 'method', methods: ['GET', 'HEAD'], ignoreCase: false }],
    ['method -i post', { kind: 'method', methods: ['post'], ignoreCase: true }],
    ['url_param(debug) -m found', { kind: 'param', name: 'debug', match: undefined }],
    ['url_param(v) 2', { kind: 'param', name: 'v', match: { op: 'exact', values: ['2'], ignoreCase: false } }],
    ['urlp_reg(id) ^[0-9]+$', { kind: 'param', name: 'id', match: { op: 'regex', values: ['^[0-9]+$'], ignoreCase: false } }],
    ['req.cook(SERVER) web-a', { kind: 'cookie', name: 'SERVER', match: { op: 'exact', values: ['web-a'], ignoreCase: false } }],
    ['cook_beg(sid) x', { kind: 'cookie', name: 'sid', match: { op: 'prefix', values: ['x'], ignoreCase: false } }],
    ['nbsrv(flask_servers) lt 1', { kind: 'nbsrv', backend: 'flask_servers', compare: { op: 'lt', value: 1 } }],
    ['nbsrv(b) -m found', { kind: 'always' }],
    ['sc_http_req_rate(0) gt 10', { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 10 } }],
    ['sc1_conn_cur ge 5', { kind: 'counter', slot: 1, counter: 'conn_cur', compare: { op: 'ge', value: 5 } }],
    ['sc_http_err_rate(2) -m found', { kind: 'counter', slot: 2, counter: 'http_err_rate', compare: { op: 'ge', value: 0 } }],
    ['sc0_http_req_cnt 1:5', { kind: 'counter', slot: 0, counter: 'http_req_cnt', compare: { op: 'range', min: 1, max: 5 } }],
    ['sc0_http_err_cnt :5 10:', {
      kind: 'or',
      any: [
        { kind: 'counter', slot: 0, counter: 'http_err_cnt', compare: { op: 'range', min: undefined, max: 5 } },
        { kind: 'counter', slot: 0, counter: 'http_err_cnt', compare: { op: 'range', min: 10, max: undefined } },
      ],
    }],
    ['status ge 500', { kind: 'status', compare: { op: 'ge', value: 500 } }],
    ['status -m found', { kind: 'status', compare: { op: 'ge', value: 0 } }],
    ['res.hdr(content-type) -m beg text/', { kind: 'response-header', name: 'content-type', match: { op: 'prefix', values: ['text/'], ignoreCase: false }, full: false }],
    ['shdr(server) nginx', { kind: 'response-header', name: 'server', match: { op: 'exact', values: ['nginx'], ignoreCase: false }, full: false }],
    ['res.fhdr(x) -m found', { kind: 'response-header', name: 'x', match: undefined, full: true }],
    ['ssl_fc', { kind: 'secure' }],
    ['path -m found', { kind: 'always' }],
    ['src -m found', { kind: 'always' }],
    ['method -m found', { kind: 'always' }],
    ['path -m reg -i ^/API', { kind: 'path', match: { op: 'regex', values: ['^/API'], ignoreCase: true } }],
    ['path -n -- -dash', { kind: 'path', match: { op: 'exact', values: ['-dash'], ignoreCase: false } }],
    ['src -m ip 10.0.0.1', { kind: 'src', networks: ['10.0.0.1'] }],
    ['nbsrv(b) -m int 2', { kind: 'nbsrv', backend: 'b', compare: { op: 'eq', value: 2 } }],
    ['nbsrv(b) eq 1 2', {
      kind: 'or',
      any: [
        { kind: 'nbsrv', backend: 'b', compare: { op: 'eq', value: 1 } },
        { kind: 'nbsrv', backend: 'b', compare: { op: 'eq', value: 2 } },
      ],
    }],
  ]
  for (const [text, cond] of table) t.same(crit(text), cond, text)
})

t.test('an ACL without patterns never matches, with a warning', async (t) => {
  const warnings: string[] = []
  t.same(crit('hdr(referer)', warnings), { kind: 'never' })
  t.same(crit('path_beg', warnings), { kind: 'never' })
  t.same(crit('src', warnings), { kind: 'never' })
  t.same(crit('method', warnings), { kind: 'never' })
  t.same(crit('nbsrv(b)', warnings), { kind: 'never' })
  t.same(parseCriterion(['path'], undefined, warnings), { kind: 'never' })
  t.same(crit('path'), { kind: 'never' }, 'no warnings list: silent')
  t.equal(warnings.length, 6)
  t.match(warnings[0], /^line 1: `hdr\(referer\)` has no pattern and never matches \(use `-m found` to test presence\)$/)
  t.match(warnings[5], /^`path` has no pattern/)
})

t.test('invalid criteria are refused naming the offending word', async (t) => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['path,lower /x', 'path,lower', /converters are not supported/],
    ['dst_port 80', 'dst_port', /unsupported ACL criterion `dst_port`/],
    ['path_len 3', 'path_len', /unsupported/],
    ['hdr /x', 'hdr', /`hdr` needs an argument/],
    ['hdr() /x', 'hdr()', /needs an argument/],
    ['url_param() x', 'url_param()', /needs an argument/],
    ['cook() x', 'cook()', /needs an argument/],
    ['nbsrv() lt 1', 'nbsrv()', /needs an argument/],
    ['hdr_cnt() 1', 'hdr_cnt()', /needs an argument/],
    ['res.hdr() x', 'res.hdr()', /needs an argument/],
    ['path -f /etc/haproxy/paths.lst', '-f', /not supported/],
    ['path -u 1 /x', '-u', /not supported/],
    ['path -x /a', '-x', /unknown ACL flag `-x`/],
    ['path -m', '-m', /`-m` needs a matching method/],
    ['path -m len 3', 'len', /unknown matching method `-m len`/],
    ['src -m beg 10.', 'beg', /does not apply to `src`/],
    ['nbsrv(b) -m str 1', 'str', /does not apply/],
    ['nbsrv(b) lt', 'lt', /`lt` needs a value/],
    ['nbsrv(b) lt x', 'x', /expected an integer/],
    ['nbsrv(b) 1:x', 'x', /expected an integer/],
    ['sc_conn_cur(0) 1.5', '1.5', /expected an integer/],
    ['ssl_fc 1', '1', /takes no pattern/],
  ]
  for (const [text, value, mention] of bad) expectInvalid(t, () => crit(text), { value, mention }, text)
  expectInvalid(t, () => parseCriterion([]), { value: '', mention: /missing ACL criterion/ })
  expectInvalid(t, () => parseAcl([]), { value: undefined, mention: /invalid ACL name `undefined`/ })
  expectInvalid(t, () => parseAcl(['bad name!', 'src', '1.2.3.4']), { value: 'bad name!' })
})

t.test('conditions: implicit AND, || and or, ! negation, anonymous ACLs', async (t) => {
  const cond = (text: string): Condition => parseCondition(splitWords(text))
  const a: Condition = { kind: 'acl', name: 'a' }
  const b: Condition = { kind: 'acl', name: 'b' }
  const c: Condition = { kind: 'acl', name: 'c' }
  t.same(cond('a'), a)
  t.same(cond('a b'), { kind: 'and', all: [a, b] })
  t.same(cond('a || b'), { kind: 'or', any: [a, b] })
  t.same(cond('a or b c'), { kind: 'or', any: [a, { kind: 'and', all: [b, c] }] }, 'AND binds tighter')
  t.same(cond('!a'), { kind: 'not', condition: a })
  t.same(cond('! a'), { kind: 'not', condition: a })
  t.same(cond('!!a'), a)
  t.same(cond('a !b || !c'), { kind: 'or', any: [{ kind: 'and', all: [a, { kind: 'not', condition: b }] }, { kind: 'not', condition: c }] })
  t.same(cond('{ path_beg /api } !{ src 10.0.0.0/8 }'.replace('!{', '! {')), {
    kind: 'and',
    all: [
      { kind: 'path', match: { op: 'prefix', values: ['/api'], ignoreCase: false } },
      { kind: 'not', condition: { kind: 'src', networks: ['10.0.0.0/8'] } },
    ],
  })
  t.same(cond('{ sc_http_req_rate(0) gt 10 }'), { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 10 } })
  const bad: Array<[string, RegExp]> = [
    ['', /missing condition/],
    ['|| a', /misplaced `\|\|`/],
    ['a || || b', /misplaced/],
    ['! || a', /misplaced/],
    ['a ||', /ends early/],
    ['a !', /ends early/],
    ['{ path_beg /api', /unclosed `\{`/],
    ['a }', /stray `\}`/],
    ['{ }', /missing ACL criterion/],
  ]
  for (const [text, mention] of bad) expectInvalid(t, () => parseCondition(splitWords(text), 'line 9'), { mention }, text)
})

t.test('predefined ACLs', async (t) => {
  const ctx = makeCtx({ acls: PREDEFINED_ACLS })
  const is = (name: string, over: Parameters<typeof holds>[1]): boolean => holds({ kind: 'acl', name }, over, ctx)
  t.ok(is('TRUE', {}))
  t.notOk(is('FALSE', {}))
  t.ok(is('HTTP', {}))
  t.ok(is('LOCALHOST', { source: '127.0.0.2' }))
  t.ok(is('LOCALHOST', { source: '::1' }))
  t.notOk(is('LOCALHOST', { source: '10.0.0.1' }))
  t.ok(is('METH_GET', { method: 'HEAD' }))
  t.notOk(is('METH_POST', { method: 'GET' }))
  t.ok(is('METH_PUT', { method: 'PUT' }))
  t.ok(is('METH_DELETE', { method: 'DELETE' }))
  t.ok(is('METH_OPTIONS', { method: 'OPTIONS' }))
  t.ok(is('METH_CONNECT', { method: 'CONNECT' }))
  t.ok(is('METH_TRACE', { method: 'TRACE' }))
  t.ok(is('METH_HEAD', { method: 'HEAD' }))
  t.ok(is('HTTP_URL_SLASH', { url: '/x' }))
  t.ok(is('HTTP_URL_STAR', { url: '*' }))
  t.ok(is('HTTP_URL_ABS', { url: 'http://x/y' }))
  t.notOk(is('HTTP_URL_ABS', { url: '/y' }))
})
