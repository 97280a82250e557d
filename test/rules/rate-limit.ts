import t from 'tap'
import { RuleSet } from '../../lib/rules/rule-set.js'
import type { RequestVerdict } from '../../lib/rules/types.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { makeRequest } from '../fixtures/rules.js'

/**
 * `stick-table type ip size <size> expire 60s store http_req_rate(10s),conn_cur,http_err_rate(10s)`
 * `http-request track-sc0 src`
 * `http-request deny deny_status 429 if { sc_http_req_rate(0) gt 3 }`
 */
function limiter(size = 100): RuleSet {
  return new RuleSet({
    tables: { per_ip: { size, expire: 60_000, httpReqRate: 10_000, httpErrRate: 10_000 } },
    request: [
      { action: 'track', key: 'src', table: 'per_ip' },
      { action: 'deny', status: 429, if: { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 3 } } },
    ],
  })
}

/** One request from `source` at the clock's time, ended at once with `status` (the verdict's status when local). */
function hit(rules: RuleSet, clock: FakeClock, source: string, status = 200): RequestVerdict {
  const v = rules.evaluate(makeRequest({ source }), clock.now())
  rules.end(v, v.action === 'continue' ? status : v.status, clock.now())
  return v
}

t.test('the 4th request in a 10 s window is refused with 429 and an exact Retry-After', async (t) => {
  const clock = new FakeClock(0)
  const rules = limiter()
  const seen: Array<[number, number, string | undefined]> = []
  for (const at of [0, 100, 200, 300]) {
    clock.advance(at - clock.now())
    const v = hit(rules, clock, '10.0.0.1')
    seen.push([at, v.status, v.replyHeaders?.[1]])
  }
  // Counted 4 at t=300 (the denied request counts too). A retry at t is counted first:
  // before 10 000 the total stays (4+1)×10 000; after the rotation it is 4×(20 000 − t) + 10 000,
  // under 4×10 000 from t = 12 501 on: 12 201 ms after 300 → 13 s.
  t.same(seen, [
    [0, 0, undefined],
    [100, 0, undefined],
    [200, 0, undefined],
    [300, 429, '13'],
  ])
  t.same(rules.tables.get('per_ip')!.get('10.0.0.1', 300), { key: '10.0.0.1', connCur: 0, httpReqCnt: 4, httpErrCnt: 1, httpReqRate: 4, httpErrRate: 1, expiresIn: 60_000 })
})

t.test('the Retry-After edge: one millisecond earlier is still refused', async (t) => {
  const clock = new FakeClock(0)
  const rules = limiter()
  for (const client of ['10.0.0.2', '10.0.0.3']) for (let i = 0; i < 4; i++) hit(rules, clock, client)
  // Both have 4 requests in the period starting at 0. 4×(20 000 − t) + 10 000 < 40 000 ⇔ t > 12 500.
  clock.advance(12_500)
  t.equal(hit(rules, clock, '10.0.0.2').status, 429, 'at 12 500: rate 4')
  clock.advance(1)
  t.equal(hit(rules, clock, '10.0.0.3').status, 0, 'at 12 501: rate 3, allowed')
})

t.test('window edges: the previous period weighs in full at the boundary', async (t) => {
  const clock = new FakeClock(0)
  const rules = limiter()
  for (const client of ['10.0.1.1', '10.0.1.2', '10.0.1.3']) for (let i = 0; i < 3; i++) hit(rules, clock, client)
  clock.advance(9_999)
  t.equal(hit(rules, clock, '10.0.1.1').status, 429, 'still in the first period: 4 requests')
  clock.advance(1)
  // t = 10 000: rotation, prev 3 weighted by remain 10 000, plus this one: 3 + 1 = 4.
  t.equal(hit(rules, clock, '10.0.1.2').status, 429, 'at the boundary: 3×10 000 + 1×10 000 = 4 per period')
  clock.advance(1)
  // t = 10 001: 3×9 999 + 10 000 = 39 997 → 3.
  t.equal(hit(rules, clock, '10.0.1.3').status, 0, 'one millisecond later: 3 per period')
  clock.advance(20_000)
  t.equal(hit(rules, clock, '10.0.1.1').status, 0, 'two periods later the history is gone')
})

t.test('entries expire after `expire` of inactivity and restart from zero', async (t) => {
  const clock = new FakeClock(0)
  const rules = limiter()
  const table = rules.tables.get('per_ip')!
  for (let i = 0; i < 4; i++) hit(rules, clock, '10.0.2.1')
  t.equal(table.get('10.0.2.1', clock.now())!.httpReqCnt, 4)
  clock.advance(59_999)
  t.ok(table.get('10.0.2.1', clock.now()), 'alive 1 ms before expiry')
  clock.advance(1)
  t.equal(table.get('10.0.2.1', clock.now()), undefined, 'expired 60 s after the last request ended')
  const v = hit(rules, clock, '10.0.2.1')
  t.equal(v.action, 'continue')
  t.same(table.get('10.0.2.1', clock.now()), { key: '10.0.2.1', connCur: 0, httpReqCnt: 1, httpErrCnt: 0, httpReqRate: 1, httpErrRate: 0, expiresIn: 60_000 })
  t.equal(table.stats().expired, 1)
})

t.test('a full table evicts the least recently used client; stats show it', async (t) => {
  const clock = new FakeClock(0)
  const rules = limiter(2)
  const table = rules.tables.get('per_ip')!
  for (let i = 0; i < 4; i++) hit(rules, clock, '10.0.3.1')
  clock.advance(10)
  hit(rules, clock, '10.0.3.2')
  clock.advance(10)
  hit(rules, clock, '10.0.3.3')
  t.same(
    table.entries(clock.now()).map((e) => e.key),
    ['10.0.3.3', '10.0.3.2'],
  )
  t.same(table.stats(), { size: 2, entries: 2, inUse: 0, evictions: 1, expired: 0, failed: 0 })
  t.equal(hit(rules, clock, '10.0.3.1').action, 'continue', 'evicted: the limited client starts over (the price of a small table)')
})

t.test('a full table of in-flight clients: new clients go untracked and unlimited', async (t) => {
  const rules = limiter(1)
  const held = rules.evaluate(makeRequest({ source: '10.0.4.1' }), 0)
  for (let i = 0; i < 5; i++) t.equal(rules.evaluate(makeRequest({ source: '10.0.4.2' }), 0).action, 'continue', `untracked request ${i}`)
  t.same(rules.tables.get('per_ip')!.stats(), { size: 1, entries: 1, inUse: 1, evictions: 0, expired: 0, failed: 5 })
  rules.end(held, 200, 0)
})

t.test('concurrent requests: conn_cur counts until end()', async (t) => {
  const rules = new RuleSet({
    tables: { t: { size: 10 } },
    request: [
      { action: 'track', key: 'src' },
      { action: 'deny', status: 429, if: { kind: 'counter', slot: 0, counter: 'conn_cur', compare: { op: 'gt', value: 2 } } },
    ],
  })
  const a = rules.evaluate(makeRequest(), 0)
  const b = rules.evaluate(makeRequest(), 0)
  const c = rules.evaluate(makeRequest(), 0)
  t.same([a.action, b.action, c.action], ['continue', 'continue', 'deny'])
  t.same(c.replyHeaders, ['retry-after', '1'], 'no rate to predict: 1 second')
  rules.end(c, 429, 0)
  rules.end(a, 200, 1)
  rules.end(a, 200, 1)
  t.equal(rules.tables.get('t')!.get('127.0.0.1', 1)!.connCur, 1, 'end() counts once per verdict')
  t.equal(rules.evaluate(makeRequest(), 2).action, 'continue')
})

t.test('error rate: 4xx responses and denials count, other statuses do not', async (t) => {
  const rules = new RuleSet({
    tables: { t: { size: 10, httpErrRate: 10_000, httpReqRate: 10_000 } },
    request: [
      { action: 'track', key: 'src' },
      { action: 'deny', if: { kind: 'counter', slot: 0, counter: 'http_err_rate', compare: { op: 'ge', value: 3 } } },
      { action: 'return', status: 404, if: { kind: 'path', match: { op: 'exact', values: '/local404' } } },
    ],
  })
  const table = rules.tables.get('t')!
  const statuses = [404, 200, 500, 403, 301]
  for (const s of statuses) rules.end(rules.evaluate(makeRequest(), 0), s, 0)
  t.equal(table.get('127.0.0.1', 0)!.httpErrCnt, 2, '404 and 403')
  const local = rules.evaluate(makeRequest({ url: '/local404' }), 0)
  rules.end(local, 404, 0)
  t.equal(table.get('127.0.0.1', 0)!.httpErrCnt, 2, 'a local return is not an error')
  rules.end(rules.evaluate(makeRequest(), 0), 400, 0)
  const denied = rules.evaluate(makeRequest(), 0)
  t.same([denied.action, denied.status, denied.replyHeaders], ['deny', 403, undefined], '3 errors: denied (403 carries no Retry-After)')
  t.equal(table.get('127.0.0.1', 0)!.httpErrCnt, 4, 'the denial counted as an error')
  rules.end(denied, 403, 0)
  t.equal(table.get('127.0.0.1', 0)!.httpErrCnt, 4, 'and only once')
})

t.test('Retry-After from an error rate does not count the retry itself', async (t) => {
  const rules = new RuleSet({
    tables: { t: { size: 10, httpErrRate: 10_000 } },
    request: [
      { action: 'track', key: 'src' },
      { action: 'deny', status: 429, if: { kind: 'counter', slot: 0, counter: 'http_err_rate', compare: { op: 'gt', value: 1 } } },
    ],
  })
  for (let i = 0; i < 2; i++) rules.end(rules.evaluate(makeRequest(), 0), 404, 0)
  const v = rules.evaluate(makeRequest(), 1000)
  // Errors at 0: 2, plus this denial at 1000: 3. A retry passes when ⌊3×(20 000 − t)/10 000⌋ ≤ 1,
  // i.e. 3×(20 000 − t) < 20 000 ⇔ t > 13 333.3 → 13 334: 12 334 ms → 13 s.
  t.same([v.status, v.replyHeaders], [429, ['retry-after', '13']])
})

t.test('Retry-After takes the longest wait among the rates that hold; negated and never-ending tests are skipped', async (t) => {
  const rate = (counter: 'http_req_rate' | 'http_err_rate', value: number) =>
    ({ kind: 'counter', slot: 0, counter, compare: { op: 'gt', value } }) as const
  const rules = new RuleSet({
    acls: { busy: rate('http_req_rate', 1), forever: rate('http_req_rate', 0) },
    tables: { t: { size: 10, httpReqRate: 1000, httpErrRate: 1000 } },
    request: [
      { action: 'track', key: 'src' },
      {
        action: 'deny',
        status: 429,
        if: {
          kind: 'or',
          any: [
            { kind: 'and', all: [{ kind: 'acl', name: 'busy' }, { kind: 'acl', name: 'busy' }] },
            { kind: 'not', condition: rate('http_err_rate', -1) },
            { kind: 'counter', slot: 0, counter: 'conn_cur', compare: { op: 'gt', value: 1000 } },
          ],
        },
      },
      { action: 'deny', status: 429, if: { kind: 'acl', name: 'forever' }, unless: { kind: 'path', match: { op: 'exact', values: '/' } } },
    ],
  })
  rules.evaluate(makeRequest(), 0)
  const v = rules.evaluate(makeRequest(), 0)
  // 2 requests at 0 (period 1 s): a retry passes when 2×(2 000 − t) + 1 000 < 2 000 ⇔ t > 1 500 → 2 s.
  t.same([v.status, v.replyHeaders], [429, ['retry-after', '2']])
  const w = rules.evaluate(makeRequest({ url: '/x', source: '10.9.9.9' }), 0)
  t.same([w.status, w.replyHeaders], [429, ['retry-after', '1']], 'denied by the second rule: gt 0 on a request rate never stops holding, 1 second')
})

t.test('all three slots: denials and 4xx responses count on every tracked entry', async (t) => {
  const rules = new RuleSet({
    tables: { ip: { size: 10 }, key: { type: 'string', size: 10 } },
    request: [
      { action: 'track', slot: 0, key: 'src', table: 'ip' },
      { action: 'track', slot: 1, key: { header: 'x-api-key' }, table: 'key' },
      { action: 'track', slot: 2, key: { param: 'user' }, table: 'key' },
      { action: 'deny', if: { kind: 'path', match: { op: 'exact', values: '/forbidden' } } },
    ],
  })
  const request = (url: string) => makeRequest({ url, headers: { 'x-api-key': 'k' } })
  const denied = rules.evaluate(request('/forbidden?user=u'), 0)
  rules.end(denied, 403, 0)
  const forwarded = rules.evaluate(request('/x?user=u'), 0)
  rules.end(forwarded, 404, 0)
  const count = (table: string, key: string) => {
    const e = rules.tables.get(table)!.get(key, 0)!
    return [e.httpReqCnt, e.httpErrCnt, e.connCur]
  }
  t.same(count('ip', '127.0.0.1'), [2, 2, 0])
  t.same(count('key', 'k'), [2, 2, 0])
  t.same(count('key', 'u'), [2, 2, 0])
})

t.test('a 429 whose rate test has no tracked entry gets Retry-After 1', async (t) => {
  const rules = new RuleSet({
    tables: { t: { size: 1, httpReqRate: 1000 } },
    request: [
      { action: 'track', key: 'src' },
      {
        action: 'deny',
        status: 429,
        if: {
          kind: 'or',
          any: [
            { kind: 'counter', slot: 0, counter: 'http_req_rate', compare: { op: 'gt', value: 5 } },
            { kind: 'path', match: { op: 'exact', values: '/slow' } },
          ],
        },
      },
    ],
  })
  rules.evaluate(makeRequest({ source: '10.0.0.1' }), 0) // holds the only entry
  const v = rules.evaluate(makeRequest({ source: '10.0.0.2', url: '/slow' }), 0)
  t.same([v.status, v.replyHeaders], [429, ['retry-after', '1']], 'untracked (table full): no rate to predict')
})
