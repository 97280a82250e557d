import t from 'tap'
import { isResponseCacheable } from '../../lib/persist/cacheable.js'
import type { ResponseHeaders } from '../../lib/persist/types.js'

const GET = true
const POST = false

t.test('§4.2 nocache rule: freshness or validator needed', async (t) => {
  const cases: ReadonlyArray<readonly [boolean, number, ResponseHeaders, boolean, string]> = [
    [GET, 200, {}, false, 'a plain response is not cacheable'],
    [GET, 200, { 'cache-control': 'max-age=60' }, true, 'max-age'],
    [GET, 200, { 'cache-control': 'MAX-AGE=60' }, true, 'case-insensitive'],
    [GET, 200, { 'cache-control': 'max-age=00' }, true, 'only max-age=0 exactly is null'],
    [GET, 200, { 'cache-control': 's-maxage=10' }, true, 's-maxage'],
    [GET, 200, { expires: 'Thu, 01 Jan 2099 00:00:00 GMT' }, true, 'Expires'],
    [GET, 200, { etag: '"x"' }, true, 'ETag'],
    [GET, 200, { 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT' }, true, 'Last-Modified'],
    [GET, 204, { 'cache-control': 'max-age=60' }, true, 'any final status'],
    [GET, 500, { 'cache-control': 'max-age=60' }, true, 'even an error'],
    [GET, 101, { 'cache-control': 'max-age=60' }, false, 'interim'],
    [GET, 100, { etag: '"x"' }, false, 'interim'],
    [POST, 200, { 'cache-control': 'max-age=60' }, false, 'method not cacheable'],
    [POST, 200, { 'cache-control': 'public, max-age=60' }, true, 'public makes it cacheable'],
    [GET, 200, { 'cache-control': 'private, max-age=60' }, false, 'private'],
    [GET, 200, { 'cache-control': 'max-age=60, private' }, false, 'private after'],
    [GET, 200, { 'cache-control': 'private, public, max-age=60' }, true, 'directives apply in order'],
    [GET, 200, { 'cache-control': 'public, private, max-age=60' }, false, 'directives apply in order'],
    [GET, 200, { 'cache-control': 'no-cache', etag: '"x"' }, false, 'no-cache'],
    [GET, 200, { 'cache-control': 'no-store', etag: '"x"' }, false, 'no-store'],
    [GET, 200, { 'cache-control': 's-maxage=0', etag: '"x"' }, false, 's-maxage=0'],
    [GET, 200, { 'cache-control': 'max-age=0', etag: '"x"' }, false, 'max-age=0'],
    [GET, 200, { 'cache-control': 'max-age=0, s-maxage=60' }, true, 's-maxage overrides max-age=0'],
    [GET, 200, { 'cache-control': 's-maxage=60, max-age=0' }, false, 'unless max-age=0 comes after'],
    [GET, 200, { 'cache-control': 'no-cache="set-cookie", max-age=60' }, true, 'no-cache="set-cookie" only protects the cookie'],
    [GET, 200, { 'cache-control': 'no-cache="Set-Cookie, Foo", max-age=60' }, true, 'commas in quotes do not split'],
    [GET, 200, { 'cache-control': 'no-cache="a\\"b, c", max-age=60' }, true, 'escaped quote inside quotes'],
    [GET, 200, { 'cache-control': ' ,  , max-age=5 ' }, true, 'empty values and spaces'],
    [GET, 200, { 'cache-control': ['private', 'max-age=60'] }, false, 'several lines'],
    [GET, 200, { 'cache-control': ['must-revalidate', 'max-age=60'] }, true, 'several lines'],
    [GET, 200, { pragma: 'no-cache', 'cache-control': 'max-age=60' }, false, 'Pragma: no-cache'],
    [GET, 200, { pragma: ' No-Cache ', 'cache-control': 'max-age=60' }, false, 'Pragma compared case-insensitively, whole'],
    [GET, 200, { pragma: 'no-cache, x', 'cache-control': 'max-age=60' }, true, 'the whole Pragma line must be no-cache'],
    [GET, 200, { pragma: ['no-cache', 'x'], etag: '"e"' }, false, 'the first Pragma line counts'],
    [GET, 200, { pragma: ['x', 'no-cache'], etag: '"e"' }, true, 'only the first'],
  ]
  for (const [method, status, headers, expected, label] of cases) {
    t.equal(isResponseCacheable(method, status, headers), expected, `${label}: ${JSON.stringify(headers)}`)
  }
})
