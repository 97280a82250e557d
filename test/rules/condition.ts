import t from 'tap'
import { compileCondition } from '../../lib/rules/condition.js'
import { StickTable } from '../../lib/rules/stick-table.js'
import type { Condition, CounterSlot } from '../../lib/rules/types.js'
import { expectInvalid } from '../fixtures/invalid.js'
import { holds, makeCtx, makeTxn } from '../fixtures/rules.js'

t.test('always, never, and, or, not', async (t) => {
  const yes: Condition = { kind: 'always' }
  const no: Condition = { kind: 'never' }
  const table: Array<[Condition, boolean]> = [
    [yes, true],
    [no, false],
    [{ kind: 'and', all: [] }, true],
    [{ kind: 'and', all: [no] }, false],
    [{ kind: 'and', all: [yes, yes] }, true],
    [{ kind: 'and', all: [yes, no] }, false],
    [{ kind: 'and', all: [yes, yes, yes] }, true],
    [{ kind: 'and', all: [yes, yes, no] }, false],
    [{ kind: 'or', any: [] }, false],
    [{ kind: 'or', any: [yes] }, true],
    [{ kind: 'or', any: [no, yes] }, true],
    [{ kind: 'or', any: [no, no] }, false],
    [{ kind: 'or', any: [no, no, yes] }, true],
    [{ kind: 'or', any: [no, no, no] }, false],
    [{ kind: 'not', condition: no }, true],
    [{ kind: 'not', condition: { kind: 'not', condition: no } }, false],
  ]
  for (const [cond, expected] of table) t.equal(holds(cond), expected, JSON.stringify(cond))
})

t.test('named ACLs: resolved once per phase, unknown and cyclic names refused', async (t) => {
  const ctx = makeCtx({ acls: { api: { kind: 'path', match: { op: 'prefix', values: '/api' } }, loop: { kind: 'acl', name: 'loop' } } })
  const a = compileCondition({ kind: 'acl', name: 'api' }, 'c', ctx)
  const b = compileCondition({ kind: 'acl', name: 'api' }, 'c', ctx)
  t.equal(a, b, 'the same compiled predicate')
  t.ok(a(makeTxn({ url: '/api/x' })))
  t.notOk(a(makeTxn({ url: '/web' })))
  expectInvalid(t, () => compileCondition({ kind: 'acl', name: 'nope' }, 'request[0].if', ctx), { value: 'nope', field: 'request[0].if' })
  expectInvalid(t, () => compileCondition({ kind: 'acl', name: 'loop' }, 'c', ctx), { value: 'loop', mention: /refers to itself/ })
  expectInvalid(t, () => compileCondition({ kind: 'acl', name: 'toString' }, 'c', ctx), { value: 'toString', mention: /unknown ACL/ })
  expectInvalid(t, () => compileCondition({ kind: 'acl', name: '' }, 'c', ctx), { field: 'c.name' })
})

t.test('src: CIDR lists, IPv4, IPv6 and IPv4-mapped clients', async (t) => {
  const office: Condition = { kind: 'src', networks: ['10.0.0.0/8', '2001:db8::/32'] }
  t.ok(holds(office, { source: '10.1.2.3' }))
  t.ok(holds(office, { source: '::ffff:10.1.2.3' }), 'mapped address from a dual-stack listener')
  t.ok(holds(office, { source: '2001:db8::7' }))
  t.notOk(holds(office, { source: '192.168.0.1' }))
  t.notOk(holds(office, { source: '' }), 'no address (destroyed socket)')
  t.ok(holds({ kind: 'src', networks: '127.0.0.1' }, {}), 'a single address as a string')
  expectInvalid(t, () => holds({ kind: 'src', networks: ['10.0.0.0/8', '10.0.0.0/40'] }), { value: '10.0.0.0/40', field: 'cond.networks' })
})

t.test('path and url: the path stops at ?', async (t) => {
  const table: Array<[Condition, string, boolean]> = [
    [{ kind: 'path', match: { op: 'exact', values: '/api' } }, '/api?x=1', true],
    [{ kind: 'path', match: { op: 'exact', values: '/api' } }, '/api/', false],
    [{ kind: 'path', match: { op: 'prefix', values: '/websockets', ignoreCase: true } }, '/WebSockets/room?x', true],
    [{ kind: 'path', match: { op: 'suffix', values: '.php' } }, '/a.php?b.html', true],
    [{ kind: 'path', match: { op: 'suffix', values: '.html' } }, '/a.php?b.html', false],
    [{ kind: 'path', match: { op: 'regex', values: '^/v[0-9]+/' } }, '/v2/items', true],
    [{ kind: 'path', match: { op: 'regex', values: 'x=1$' } }, '/a?x=1', false],
    [{ kind: 'url', match: { op: 'regex', values: 'x=1$' } }, '/a?x=1', true],
    [{ kind: 'url', match: { op: 'exact', values: '/a?x=1' } }, '/a?x=1', true],
  ]
  for (const [cond, url, expected] of table) t.equal(holds(cond, { url }), expected, `${JSON.stringify(cond)} on ${url}`)
  expectInvalid(t, () => holds({ kind: 'path', match: { op: 'regex', values: '*bad' } }), { value: '*bad', field: 'cond.match.values' })
})

t.test('host: with and without port, case and trailing dot ignored', async (t) => {
  const host = (values: string | string[], header: string | undefined): boolean =>
    holds({ kind: 'host', values }, { headers: header === undefined ? {} : { host: header } })
  const table: Array<[string | string[], string | undefined, boolean]> = [
    ['example.com', 'example.com', true],
    ['example.com', 'Example.COM', true],
    ['example.com', 'example.com.', true],
    ['example.com', 'example.com:8080', true],
    ['example.com', 'www.example.com', false],
    ['example.com', 'example.co', false],
    ['example.com', undefined, false],
    ['example.com:8080', 'example.com:8080', true],
    ['example.com:8080', 'EXAMPLE.com.:8080', true],
    ['example.com:8080', 'example.com:8081', false],
    ['example.com:8080', 'example.com', false],
    ['Example.com.', 'example.com', true],
    [['a.test', 'b.test'], 'b.test', true],
    ['[::1]', '[::1]:80', true],
    ['[::1]:80', '[::1]:80', true],
    ['[::1]:80', '[::1]', false],
  ]
  for (const [values, header, expected] of table) t.equal(host(values, header), expected, `${JSON.stringify(values)} vs ${String(header)}`)
  expectInvalid(t, () => host([], 'x'), { field: 'cond.values' })
  expectInvalid(t, () => host([''], 'x'), { field: 'cond.values', value: '' })
})

t.test('header: presence and values, split on commas outside quotes', async (t) => {
  const h = (cond: Omit<Extract<Condition, { kind: 'header' }>, 'kind'>, headers: Record<string, string | string[]>): boolean => holds({ kind: 'header', ...cond }, { headers })
  t.ok(h({ name: 'X-Api-Key' }, { 'x-api-key': '' }), 'present even when empty; name case-insensitive')
  t.notOk(h({ name: 'x-api-key' }, {}))
  const exact = { op: 'exact', values: 'b' } as const
  t.ok(h({ name: 'x', match: exact }, { x: 'a, b ,c' }), 'comma-separated values are separate, blanks trimmed')
  t.notOk(h({ name: 'x', match: exact }, { x: '"a, b", c' }), 'commas inside quotes do not split')
  t.ok(h({ name: 'x', match: { op: 'exact', values: '"a, b"' } }, { x: '"a, b", c' }))
  t.ok(h({ name: 'x', match: { op: 'exact', values: '"a\\", b"' } }, { x: '"a\\", b", c' }), 'escaped quote inside quotes')
  t.ok(h({ name: 'x', match: { op: 'exact', values: '"a\\' } }, { x: '"a\\' }), 'a trailing backslash in an unterminated quote')
  t.notOk(h({ name: 'x', match: exact, full: true }, { x: 'a, b' }), 'full: the whole line')
  t.ok(h({ name: 'x', match: { op: 'exact', values: 'a, b' }, full: true }, { x: ' a, b ' }))
  t.ok(h({ name: 'x', match: exact }, { x: ['a', 'b'] }), 'array values')
  t.notOk(h({ name: 'x', match: exact }, { x: ['a', 'c'] }))
  t.ok(h({ name: 'user-agent', match: { op: 'substring', values: 'curl', ignoreCase: true } }, { 'user-agent': 'Curl/8.0' }))
  t.ok(h({ name: 'x', match: { op: 'exact', values: '' } }, { x: 'a,,b' }), 'an empty element between commas')
  expectInvalid(t, () => holds({ kind: 'header', name: '' }), { field: 'cond.name' })
})

t.test('header reads see the edits of earlier rules', async (t) => {
  const ctx = makeCtx()
  const has = compileCondition({ kind: 'header', name: 'x-a' }, 'c', ctx)
  const isB = compileCondition({ kind: 'header', name: 'x-a', match: { op: 'exact', values: 'b' } }, 'c', ctx)
  const count = compileCondition({ kind: 'header-count', name: 'x-a', compare: { op: 'eq', value: 2 } }, 'c', ctx)
  const txn = makeTxn({ headers: { 'x-a': 'a', 'x-b': 'z' } })
  t.ok(has(txn))
  t.notOk(isB(txn))
  txn.addHeader('x-a', 'b')
  t.ok(isB(txn), 'added value visible')
  t.ok(count(txn), 'client value and added value')
  txn.setHeader('x-a', 'c')
  t.notOk(isB(txn), 'set-header replaced both')
  t.ok(has(txn))
  txn.delHeader('x-a')
  t.notOk(has(txn), 'deleted')
  txn.delHeader('x-a')
  t.same(txn.drop, ['x-a'], 'a name is dropped once')
  t.ok(compileCondition({ kind: 'header', name: 'x-b' }, 'c', ctx)(txn), 'other headers unaffected by edits')
  const onlyAdded = makeTxn({ headers: {} })
  onlyAdded.delHeader('x-other')
  t.notOk(has(onlyAdded), 'edits exist, header absent, no additions')
})

t.test('header-count: comma-separated values count separately', async (t) => {
  const count = (n: number, headers: Record<string, string>): boolean => holds({ kind: 'header-count', name: 'x', compare: { op: 'eq', value: n } }, { headers })
  t.ok(count(3, { x: 'a, b, c' }))
  t.ok(count(0, {}))
  t.ok(count(1, { x: '' }))
})

t.test('method: case-sensitive unless ignoreCase', async (t) => {
  t.ok(holds({ kind: 'method', methods: ['GET', 'HEAD'] }, { method: 'HEAD' }))
  t.notOk(holds({ kind: 'method', methods: 'GET' }, { method: 'get' }))
  t.ok(holds({ kind: 'method', methods: 'GET', ignoreCase: true }, { method: 'get' }))
  t.notOk(holds({ kind: 'method', methods: 'POST' }, { method: 'GET' }))
})

t.test('param: name=value occurrences of the query string', async (t) => {
  const p = (cond: Omit<Extract<Condition, { kind: 'param' }>, 'kind'>, url: string): boolean => holds({ kind: 'param', ...cond }, { url })
  t.ok(p({ name: 'debug' }, '/x?debug=1'))
  t.ok(p({ name: 'debug' }, '/x?a=1&debug='), 'empty value is present')
  t.notOk(p({ name: 'debug' }, '/x?debug'), 'no = : not a parameter (HAProxy)')
  t.notOk(p({ name: 'debug' }, '/x?debugx=1'))
  t.notOk(p({ name: 'debug' }, '/x?xdebug=1'))
  t.notOk(p({ name: 'debug' }, '/debug=1'), 'the path is not the query')
  t.notOk(p({ name: 'debug' }, '/x'))
  t.notOk(p({ name: 'debug' }, '/x?'))
  t.ok(p({ name: 'v', match: { op: 'exact', values: '2' } }, '/x?v=1&v=2'), 'any occurrence matches')
  t.notOk(p({ name: 'v', match: { op: 'exact', values: '3' } }, '/x?v=1&v=2'))
  t.ok(p({ name: 'q', match: { op: 'exact', values: 'a%20b' } }, '/x?q=a%20b'), 'raw, not decoded')
})

t.test('cookie: name=value pairs of the Cookie header', async (t) => {
  const c = (cond: Omit<Extract<Condition, { kind: 'cookie' }>, 'kind'>, cookie: string | undefined): boolean =>
    holds({ kind: 'cookie', ...cond }, { headers: cookie === undefined ? {} : { cookie } })
  t.ok(c({ name: 'SRV' }, 'a=1; SRV=s1'))
  t.ok(c({ name: 'SRV', match: { op: 'exact', values: 's1' } }, 'a=1;  SRV = s1 ;b=2'), 'blanks around names and values ignored')
  t.notOk(c({ name: 'SRV' }, 'srv=s1'), 'names are case-sensitive')
  t.notOk(c({ name: 'SRV' }, 'XSRV=s1; SRVX=2'))
  t.notOk(c({ name: 'SRV' }, 'SRV; a=1'), 'no =')
  t.notOk(c({ name: 'SRV' }, undefined))
  t.notOk(c({ name: 'SRV' }, ''))
  t.ok(c({ name: 'id', match: { op: 'exact', values: '2' } }, 'id=1; id=2'), 'any occurrence')
  t.ok(c({ name: 'id', match: { op: 'exact', values: '1' } }, ' id=1'), 'leading blank: the header value range is trimmed')
})

t.test('nbsrv: resolved once per backend name', async (t) => {
  let usable = 2
  const resolved: string[] = []
  const backends = {
    usableServers(name: string) {
      resolved.push(name)
      return name === 'app' ? () => usable : undefined
    },
  }
  const down = compileCondition({ kind: 'nbsrv', backend: 'app', compare: { op: 'lt', value: 1 } }, 'c', makeCtx({ backends }))
  t.notOk(down(makeTxn()))
  usable = 0
  t.ok(down(makeTxn()), 'reads the live value')
  t.same(resolved, ['app'])
  expectInvalid(t, () => compileCondition({ kind: 'nbsrv', backend: 'nope', compare: { op: 'lt', value: 1 } }, 'c', makeCtx({ backends })), { value: 'nope', field: 'c.backend' })
  expectInvalid(t, () => compileCondition({ kind: 'nbsrv', backend: 'app', compare: { op: 'lt', value: 1 } }, 'c', makeCtx()), { value: 'app' })
})

t.test('counter: reads the entry tracked in a slot; missing slot never matches', async (t) => {
  const table = new StickTable('t', { size: 10, httpReqRate: 1000, httpErrRate: 1000 })
  const plain = new StickTable('p', { size: 10 })
  const slots = new Map<CounterSlot, StickTable[]>([
    [0, [table]],
    [1, [table]],
    [2, [plain]],
  ])
  const ctx = makeCtx({ slots })
  const over = (slot: CounterSlot, counter: 'conn_cur' | 'http_req_cnt' | 'http_req_rate' | 'http_err_cnt' | 'http_err_rate', value: number) =>
    compileCondition({ kind: 'counter', slot, counter, compare: { op: 'gt', value } }, 'c', ctx)
  const txn = makeTxn({}, 0)
  t.notOk(over(0, 'http_req_cnt', -5)(txn), 'nothing tracked: no match even for gt −5')
  txn.sc0 = table.track('a', 0)
  table.track('a', 0)
  table.countError(txn.sc0!, 0)
  txn.sc1 = txn.sc0
  txn.sc2 = plain.track('a', 0)
  t.ok(over(0, 'conn_cur', 1)(txn), 'conn_cur 2')
  t.ok(over(0, 'http_req_cnt', 1)(txn))
  t.ok(over(1, 'http_req_rate', 1)(txn))
  t.notOk(over(1, 'http_req_rate', 2)(txn))
  t.ok(over(0, 'http_err_cnt', 0)(txn))
  t.ok(over(0, 'http_err_rate', 0)(txn))
  t.ok(over(2, 'conn_cur', 0)(txn), 'slot 2')
  expectInvalid(t, () => over(2, 'http_req_rate', 0), { value: 'http_req_rate', mention: /table `p` tracked in sc2 does not keep http_req_rate/ })
  expectInvalid(t, () => over(2, 'http_err_rate', 0), { value: 'http_err_rate', mention: /does not keep http_err_rate/ })
  expectInvalid(t, () => compileCondition({ kind: 'counter', slot: 1, counter: 'conn_cur', compare: { op: 'gt', value: 0 } }, 'c', makeCtx()), {
    value: 1,
    mention: /no track rule fills slot 1/,
  })
  expectInvalid(t, () => compileCondition({ kind: 'counter', slot: 3 as CounterSlot, counter: 'conn_cur', compare: { op: 'gt', value: 0 } }, 'c', ctx), { field: 'c.slot', value: 3 })
  expectInvalid(t, () => compileCondition({ kind: 'counter', slot: 0, counter: 'gpc0' as 'conn_cur', compare: { op: 'gt', value: 0 } }, 'c', ctx), { field: 'c.counter', value: 'gpc0' })
})

t.test('secure: the client connection is TLS', async (t) => {
  t.ok(holds({ kind: 'secure' }, { secure: true }))
  t.notOk(holds({ kind: 'secure' }, { secure: false }))
  t.notOk(holds({ kind: 'secure' }, {}))
})

t.test('status and response-header: response rules only', async (t) => {
  const ctx = makeCtx({ phase: 'response' })
  const err = compileCondition({ kind: 'status', compare: { op: 'range', min: 500, max: 599 } }, 'c', ctx)
  const cached = compileCondition({ kind: 'response-header', name: 'Cache-Control', match: { op: 'substring', values: 'no-store' } }, 'c', ctx)
  const hasServer = compileCondition({ kind: 'response-header', name: 'server' }, 'c', ctx)
  const full = compileCondition({ kind: 'response-header', name: 'x', match: { op: 'exact', values: 'a, b' }, full: true }, 'c', ctx)
  const txn = makeTxn()
  txn.resStatus = 503
  txn.resHeaders = ['cache-control', 'private, no-store', 'x', 'a, b']
  t.ok(err(txn))
  t.ok(cached(txn))
  t.notOk(hasServer(txn))
  t.ok(full(txn))
  txn.resStatus = 200
  t.notOk(err(txn))
  expectInvalid(t, () => holds({ kind: 'status', compare: { op: 'eq', value: 200 } }), { value: 'status', mention: /only available in response rules/ })
  expectInvalid(t, () => holds({ kind: 'response-header', name: 'x' }), { value: 'response-header' })
})

t.test('predicate: user code over the request view', async (t) => {
  t.ok(holds({ kind: 'predicate', test: (r) => r.url.length > 3 }, { url: '/long' }))
  t.notOk(holds({ kind: 'predicate', test: (r) => r.method === 'POST' }))
  expectInvalid(t, () => holds({ kind: 'predicate', test: 'x' as unknown as () => boolean }), { field: 'cond.test', value: 'x' })
})

t.test('malformed conditions are refused', async (t) => {
  expectInvalid(t, () => holds({ kind: 'regex' } as unknown as Condition), { field: 'cond.kind', value: 'regex' })
  expectInvalid(t, () => holds(null as unknown as Condition), { field: 'cond', value: null })
  expectInvalid(t, () => holds({ kind: 'and', all: 'x' } as unknown as Condition), { field: 'cond.all', value: 'x' })
  expectInvalid(t, () => holds({ kind: 'or', any: [{ kind: 'bogus' }] } as unknown as Condition), { field: 'cond.any[0].kind', value: 'bogus' })
  expectInvalid(t, () => holds({ kind: 'not', condition: { kind: 'src', networks: ['x'] } }), { field: 'cond.condition.networks', value: 'x' })
})
