import t from 'tap'
import { StickTable } from '../../lib/rules/stick-table.js'
import { expectInvalid } from '../fixtures/invalid.js'

const keys = (table: StickTable, now: number): string[] => table.entries(now).map((e) => e.key)

t.test('track counts a request and holds it until release', async (t) => {
  const table = new StickTable('fe', { size: 10, expire: 1000, httpReqRate: 10_000, httpErrRate: 10_000 })
  const a = table.track('1.2.3.4', 0)!
  const b = table.track('1.2.3.4', 5)!
  t.equal(a, b, 'same key, same entry')
  t.same(table.get('1.2.3.4', 5), { key: '1.2.3.4', connCur: 2, httpReqCnt: 2, httpErrCnt: 0, httpReqRate: 2, httpErrRate: 0, expiresIn: 1000 })
  t.same(table.stats(), { size: 10, entries: 1, inUse: 1, evictions: 0, expired: 0, failed: 0 })
  table.countError(a, 6)
  table.release(a, 10)
  t.same(table.get('1.2.3.4', 10), { key: '1.2.3.4', connCur: 1, httpReqCnt: 2, httpErrCnt: 1, httpReqRate: 2, httpErrRate: 1, expiresIn: 1000 })
  table.release(b, 20)
  t.equal(table.get('1.2.3.4', 20)!.connCur, 0)
  t.equal(table.stats().inUse, 0)
  table.release(b, 30)
  t.equal(table.get('1.2.3.4', 30)!.connCur, 0, 'an extra release is a no-op')
  t.equal(table.get('5.6.7.8', 30), undefined)
})

t.test('rates are −1 when the table does not keep them; no expire means forever', async (t) => {
  const table = new StickTable('t', { size: 1 })
  const e = table.track('k', 0)!
  t.equal(table.httpReqRate(e, 0), -1)
  t.equal(table.httpErrRate(e, 0), -1)
  table.countError(e, 0)
  table.release(e, 0)
  t.same(table.get('k', 1e12), { key: 'k', connCur: 0, httpReqCnt: 1, httpErrCnt: 1, httpReqRate: -1, httpErrRate: -1, expiresIn: 0 })
})

t.test('expiry: an idle entry past expire is gone and restarts from zero', async (t) => {
  const table = new StickTable('t', { size: 10, expire: 1000, httpReqRate: 60_000, httpErrRate: 60_000 })
  const e = table.track('a', 0)!
  table.countError(e, 5)
  table.release(e, 10)
  t.equal(table.get('a', 1009)!.expiresIn, 1, 'expires 1000 ms after the last release')
  t.equal(table.get('a', 1010), undefined, 'expired at exactly expiresAt')
  t.same(keys(table, 1010), [])
  const again = table.track('a', 1010)!
  t.equal(again, e, 'the entry object is reused')
  t.same(table.get('a', 1010), { key: 'a', connCur: 1, httpReqCnt: 1, httpErrCnt: 0, httpReqRate: 1, httpErrRate: 0, expiresIn: 1000 })
  t.equal(table.stats().expired, 1)
})

t.test('an entry with requests in flight never expires', async (t) => {
  const table = new StickTable('t', { size: 10, expire: 100 })
  const e = table.track('a', 0)!
  t.equal(table.get('a', 5000)!.connCur, 1, 'still there long after expire')
  t.same(keys(table, 5000), ['a'])
  t.equal(table.purge(5000), 0)
  table.release(e, 5000)
  t.equal(table.get('a', 5099)!.expiresIn, 1)
  t.equal(table.purge(5100), 1)
  t.same(table.stats(), { size: 10, entries: 0, inUse: 0, evictions: 0, expired: 1, failed: 0 })
})

t.test('full table: expired entries go first, then the least recently used idle one', async (t) => {
  const table = new StickTable('t', { size: 3, expire: 100 })
  for (const [k, at] of [['a', 0], ['b', 10], ['c', 20]] as const) table.release(table.track(k, at)!, at)
  t.same(keys(table, 20), ['c', 'b', 'a'], 'most recently used first')
  // d at 105: a (expires 100) is expired → removed as expired, not evicted.
  table.release(table.track('d', 105)!, 105)
  t.same(keys(table, 105), ['d', 'c', 'b'])
  t.same(table.stats(), { size: 3, entries: 3, inUse: 0, evictions: 0, expired: 1, failed: 0 })
  // Touch b so that c is the least recently used, then add e: c is evicted.
  table.release(table.track('b', 106)!, 106)
  t.same(keys(table, 106), ['b', 'd', 'c'])
  table.release(table.track('e', 107)!, 107)
  t.same(keys(table, 107), ['e', 'b', 'd'])
  t.equal(table.stats().evictions, 1)
})

t.test('full table of in-flight entries: the request is not tracked', async (t) => {
  const table = new StickTable('t', { size: 2 })
  const a = table.track('a', 0)!
  table.track('b', 0)
  t.equal(table.track('c', 1), undefined)
  t.same(table.stats(), { size: 2, entries: 2, inUse: 2, evictions: 0, expired: 0, failed: 1 })
  // Only an idle entry can be evicted: a is the oldest but b is idle after release.
  table.release(table.track('b', 2)!, 2) // b: refs back to 1
  table.release(a, 3)
  const c = table.track('c', 4)
  t.ok(c, 'room made by evicting the idle a')
  t.same(keys(table, 4), ['c', 'b'])
  t.equal(table.stats().evictions, 1)
})

t.test('eviction skips in-flight entries at the old end', async (t) => {
  const table = new StickTable('t', { size: 3, expire: 100 })
  table.track('held', 0) // expires 100 but in flight
  table.release(table.track('x', 1)!, 1)
  table.release(table.track('y', 2)!, 2)
  table.track('z', 500)
  t.same(keys(table, 500), ['z', 'held'], 'expired idle x and y removed, held kept')
  t.equal(table.stats().expired, 2)
})

t.test('string keys are cut to keyLength; ip keys are not', async (t) => {
  const table = new StickTable('t', { type: 'string', size: 10, keyLength: 4 })
  const e = table.track('abcdefgh', 0)!
  t.equal(e.key, 'abcd')
  t.equal(table.track('abcdXYZ', 0), e, 'same 4-character prefix, same entry')
  t.equal(table.get('abcdQ', 0)!.httpReqCnt, 2)
  const ip = new StickTable('u', { size: 10, keyLength: 4 })
  t.equal(ip.track('2001:db8::1', 0)!.key, '2001:db8::1')
})

t.test('clear empties the table; late releases are harmless', async (t) => {
  const table = new StickTable('t', { size: 10 })
  const a = table.track('a', 0)!
  table.release(table.track('b', 0)!, 0)
  table.clear()
  t.same(table.stats(), { size: 10, entries: 0, inUse: 0, evictions: 0, expired: 0, failed: 0 })
  table.release(a, 1)
  t.same(keys(table, 1), [])
  t.equal(table.track('a', 2)!.connCur, 1, 'a fresh entry')
})

t.test('options are validated, naming the field', async (t) => {
  expectInvalid(t, () => new StickTable('fe', { size: 0 }), { field: 'tables.fe.size', value: 0 })
  expectInvalid(t, () => new StickTable('fe', { size: 1.5 }), { field: 'tables.fe.size', value: 1.5 })
  expectInvalid(t, () => new StickTable('fe', { size: 1, expire: -1 }), { field: 'tables.fe.expire', value: -1 })
  expectInvalid(t, () => new StickTable('fe', { size: 1, keyLength: 0 }), { field: 'tables.fe.keyLength', value: 0 })
  expectInvalid(t, () => new StickTable('fe', { size: 1, httpReqRate: 0 }), { field: 'tables.fe.httpReqRate', value: 0 })
  expectInvalid(t, () => new StickTable('fe', { size: 1, httpErrRate: 0.5 }), { field: 'tables.fe.httpErrRate', value: 0.5 })
  expectInvalid(t, () => new StickTable('fe', { size: 1, type: 'ipv6' as 'ip' }), { field: 'tables.fe.type', value: 'ipv6' })
  expectInvalid(t, () => new StickTable('fe', { size: '10' as unknown as number }), { field: 'tables.fe.size', value: '10' })
})
