import t from 'tap'
import { compileValue, counterFetch, parseFetchCall } from '../../lib/rules/format.js'
import { StickTable } from '../../lib/rules/stick-table.js'
import type { CounterSlot } from '../../lib/rules/types.js'
import { expectInvalid } from '../fixtures/invalid.js'
import { makeCtx, makeTxn } from '../fixtures/rules.js'

t.test('parseFetchCall and counterFetch', async (t) => {
  t.same(parseFetchCall('src'), { name: 'src', args: [] })
  t.same(parseFetchCall('hdr(X-Real-IP)'), { name: 'hdr', args: ['X-Real-IP'] })
  t.same(parseFetchCall('REQ.COOK( sid )'), { name: 'req.cook', args: ['sid'] })
  t.same(parseFetchCall('url_param(a,b)'), { name: 'url_param', args: ['a', 'b'] })
  t.same(parseFetchCall('nbsrv()'), { name: 'nbsrv', args: [] })
  for (const bad of ['', 'path,lower', 'hdr(a(b))', '1abc', 'hdr(x']) t.equal(parseFetchCall(bad), undefined, bad)
  t.same(counterFetch({ name: 'sc_http_req_rate', args: ['1'] }), { slot: 1, counter: 'http_req_rate' })
  t.same(counterFetch({ name: 'sc_conn_cur', args: [] }), { slot: 0, counter: 'conn_cur' }, 'slot 0 by default')
  t.same(counterFetch({ name: 'sc2_http_err_cnt', args: [] }), { slot: 2, counter: 'http_err_cnt' })
  t.equal(counterFetch({ name: 'sc_gpc0', args: [] }), undefined)
  t.equal(counterFetch({ name: 'src', args: [] }), undefined)
})

t.test('literal values and %% ', async (t) => {
  const ctx = makeCtx()
  t.equal(compileValue('plain %[src] text', 'v', ctx)(makeTxn()), 'plain %[src] text', 'a plain string is literal')
  t.equal(compileValue({ format: '100%%' }, 'v', ctx)(makeTxn()), '100%')
  t.equal(compileValue({ format: '' }, 'v', ctx)(makeTxn()), '')
})

t.test('request samples', async (t) => {
  const ctx = makeCtx()
  const txn = makeTxn({
    method: 'POST',
    url: '/a/b?x=1&y=2',
    source: '::ffff:10.0.0.9',
    headers: { host: 'example.com', 'x-list': 'a, b', cookie: 'sid=abc; theme=dark' },
  })
  const table: Array<[string, string]> = [
    ['%[src]', '10.0.0.9'],
    ['%[path]', '/a/b'],
    ['%[query]', 'x=1&y=2'],
    ['%[url]', '/a/b?x=1&y=2'],
    ['%[method]', 'POST'],
    ['%[hdr(host)]', 'example.com'],
    ['%[req.hdr(X-List)]', 'b'],
    ['%[req.fhdr(x-list)]', 'a, b'],
    ['%[url_param(y)]', '2'],
    ['%[urlp(x)]', '1'],
    ['%[req.cook(theme)]', 'dark'],
    ['%[cook(sid)]', 'abc'],
    ['%[hdr(missing)]', '-'],
    ['%[url_param(z)]', '-'],
    ['%[req.cook(z)]', '-'],
    ['client=%[src];path=%[path]', 'client=10.0.0.9;path=/a/b'],
  ]
  for (const [format, expected] of table) t.equal(compileValue({ format }, 'v', ctx)(txn), expected, format)
  t.equal(compileValue({ format: '%[query]' }, 'v', ctx)(makeTxn({ url: '/' })), '-', 'no query string')
  t.equal(compileValue({ format: '%[path]' }, 'v', ctx)(makeTxn({ url: '/only' })), '/only')
})

t.test('response samples, backends and counters', async (t) => {
  const ctx = makeCtx({ phase: 'response', backends: { usableServers: (name) => (name === 'app' ? () => 3 : undefined) } })
  const txn = makeTxn()
  txn.resStatus = 404
  txn.resHeaders = ['server', 'nginx', 'x', 'a, b']
  t.equal(compileValue({ format: '%[status]' }, 'v', ctx)(txn), '404')
  t.equal(compileValue({ format: '%[res.hdr(Server)]' }, 'v', ctx)(txn), 'nginx')
  t.equal(compileValue({ format: '%[res.hdr(x)]' }, 'v', ctx)(txn), 'b')
  t.equal(compileValue({ format: '%[res.fhdr(x)]' }, 'v', ctx)(txn), 'a, b')
  t.equal(compileValue({ format: '%[res.hdr(nope)]' }, 'v', ctx)(txn), '-')
  t.equal(compileValue({ format: '%[nbsrv(app)]' }, 'v', ctx)(txn), '3')
  const table = new StickTable('t', { size: 4, httpReqRate: 1000 })
  const slots = new Map<CounterSlot, StickTable[]>([[0, [table]]])
  const cctx = makeCtx({ slots })
  const rate = compileValue({ format: '%[sc_http_req_rate(0)]/%[sc0_conn_cur]' }, 'v', cctx)
  t.equal(rate(txn), '-/-', 'untracked')
  txn.sc0 = table.track('k', 0)
  table.track('k', 0)
  t.equal(rate(txn), '2/2')
})

t.test('invalid formats are refused naming the value', async (t) => {
  const ctx = makeCtx()
  expectInvalid(t, () => compileValue({ format: 'x %t y' }, 'request[0].value', ctx), { field: 'request[0].value', value: 'x %t y' })
  expectInvalid(t, () => compileValue({ format: '%[foo]' }, 'v', ctx), { value: '%[foo]', mention: /unknown or malformed sample fetch `%\[foo\]`/ })
  expectInvalid(t, () => compileValue({ format: '%[src' }, 'v', ctx), { value: '%[src' })
  expectInvalid(t, () => compileValue({ format: '%[path,lower]' }, 'v', ctx), { value: '%[path,lower]' })
  expectInvalid(t, () => compileValue({ format: '%[hdr]' }, 'v', ctx), { value: 'hdr', mention: /needs an argument/ })
  expectInvalid(t, () => compileValue({ format: '%[url_param()]' }, 'v', ctx), { value: 'url_param' })
  expectInvalid(t, () => compileValue({ format: '%[status]' }, 'v', ctx), { value: 'status', mention: /only available in response rules/ })
  expectInvalid(t, () => compileValue({ format: '%[nbsrv(app)]' }, 'v', ctx), { value: 'app', mention: /no backend named/ })
  expectInvalid(t, () => compileValue({ format: '%[sc_conn_cur(1)]' }, 'v', ctx), { value: 1, mention: /no track rule fills slot 1/ })
  expectInvalid(t, () => compileValue('a\r\nSet-Cookie: x=1', 'v', ctx), { field: 'v', mention: /CR, LF and NUL/ })
  expectInvalid(t, () => compileValue({ format: 'a\n%[src]' }, 'v', ctx), { field: 'v', mention: /CR, LF and NUL/ })
  expectInvalid(t, () => compileValue(42 as unknown as string, 'v', ctx), { field: 'v', value: 42 })
  expectInvalid(t, () => compileValue({ format: 1 } as unknown as string, 'v', ctx), { field: 'v' })
  expectInvalid(t, () => compileValue(null as unknown as string, 'v', ctx), { field: 'v', value: null })
})
