import t from 'tap'
import { avalanche, crc32, djb2, sdbm, wt6 } from '../../lib/balance/hash-fn.js'
import { addressHash, createKeyHasher, pathStart, type KeyHashConfig } from '../../lib/balance/hash-key.js'
import type { HashKeySpec, PickRequest } from '../../lib/balance/types.js'

function hasher(key: HashKeySpec, fn: KeyHashConfig['function'] = 'sdbm', aval = false) {
  return createKeyHasher({ key, function: fn, avalanche: aval })
}

t.test('source: IPv4 as a big-endian integer, function ignored', async (t) => {
  const plain = hasher({ kind: 'source' })
  t.equal(plain({ source: '127.0.0.1' }), 2130706433)
  t.equal(hasher({ kind: 'source' }, 'djb2')({ source: '127.0.0.1' }), 2130706433, 'hash function ignored')
  t.equal(hasher({ kind: 'source' }, 'crc32', true)({ source: '127.0.0.1' }), avalanche(2130706433), 'avalanche applied')
  t.equal(plain({ source: '255.255.255.255' }), 0xffffffff)
  t.equal(plain({ source: '0.0.0.0' }), 0)
  t.equal(plain({ source: '10.1.2.3' }), 0x0a010203)
  // §2.8 map-based examples: 127.0.0.1 → index 1 of 2, index 2 of 3, index 1 of 4.
  const h = plain({ source: '127.0.0.1' })!
  t.same([h % 2, h % 3, h % 4], [1, 2, 1])
})

t.test('source: IPv6 words XORed, IPv4-mapped counts as IPv4', async (t) => {
  const table: Array<[string, number]> = [
    ['::ffff:127.0.0.1', 2130706433],
    ['::FFFF:7f00:1', 2130706433],
    ['::1', 1],
    ['::', 0],
    ['2001:db8::1', (0x20010db8 ^ 1) >>> 0],
    ['2001:db8:1:2:3:4:5:6', (0x20010db8 ^ 0x00010002 ^ 0x00030004 ^ 0x00050006) >>> 0],
    ['fe80::1%eth0', (0xfe800000 ^ 1) >>> 0],
    ['1::', 0x00010000],
    ['1:2:3:4:5:6:7::', (0x00010002 ^ 0x00030004 ^ 0x00050006 ^ 0x00070000) >>> 0],
    ['1:2:3:4:5:6:1.2.3.4', (0x00010002 ^ 0x00030004 ^ 0x00050006 ^ 0x01020304) >>> 0],
    ['::1.2.3.4', 0x01020304],
    ['abcd:ef01::', 0xabcdef01],
  ]
  const plain = hasher({ kind: 'source' })
  for (const [addr, expected] of table) t.equal(plain({ source: addr }), expected, addr)
  t.equal(hasher({ kind: 'source' }, 'sdbm', true)({ source: '::ffff:127.0.0.1' }), avalanche(2130706433))
})

t.test('source: missing or unparsable address → undefined', async (t) => {
  const plain = hasher({ kind: 'source' })
  t.equal(plain({}), undefined)
  const bad = [
    '', 'abc', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.', '1..2.3', '1234.1.1.1', '.1.2.3', '1.2.3.4x',
    ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':1', '1:', '1:2:3:4:5:6:7::8', '1:2:3:4:5:6:7:8::',
    '1:2:3:4:5:6:7', '::g', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '::1a.2.3.4', 'unix:/tmp/sock', '1:2:3:4:5:6:7:8:', '::1g', '1:2;3::',
    // Leading zeros: read as octal by some parsers, refused like the rules' parser does.
    '010.0.0.1',
  ]
  for (const addr of bad) {
    t.equal(plain({ source: addr }), undefined, JSON.stringify(addr))
    t.equal(addressHash(addr), -1, `addressHash ${JSON.stringify(addr)}`)
  }
})

t.test('uri: up to ?, len, depth, whole', async (t) => {
  const table: Array<[Omit<Extract<HashKeySpec, { kind: 'uri' }>, 'kind'>, string, string]> = [
    [{}, '/a/b?x=1', '/a/b'],
    [{}, '/a/b', '/a/b'],
    [{}, '?x', ''],
    [{}, '', ''],
    [{ whole: true }, '/a/b?x=1', '/a/b?x=1'],
    [{ len: 3 }, '/abcdef', '/ab'],
    [{ len: 3 }, '/a?cdef', '/a'],
    [{ len: 3 }, '/abcdef?x', '/ab'],
    [{ len: 3, whole: true }, '/a?cdef', '/a?'],
    [{ len: 0 }, '/abcdef', '/abcdef'],
    [{ len: 50 }, '/abcdef', '/abcdef'],
    [{ depth: 1 }, '/a/b/c', '/a'],
    [{ depth: 2 }, '/a/b/c', '/a/b'],
    [{ depth: 2 }, '/a/b?x/y/z', '/a/b'],
    [{ depth: 2, whole: true }, '/a?x/y/z', '/a?x/y'],
    [{ depth: 0 }, '/a/b/c', ''],
    [{ depth: 5 }, '/a/b/c', '/a/b/c'],
    [{ depth: 2, len: 2 }, '/a/b/c', '/a'],
    [{ depth: 1, len: 5 }, '/abcdefgh/i', '/abcd'],
    [{}, 'http://h/a?b', 'http://h/a'],
    [{ depth: 1 }, 'http://h/a/b', 'http:/'],
  ]
  for (const [opts, uri, key] of table) {
    t.equal(hasher({ kind: 'uri', ...opts })({ uri }), sdbm(key), `${JSON.stringify(opts)} ${uri} → ${key}`)
  }
  t.equal(hasher({ kind: 'uri' })({}), undefined, 'no uri → missing')
})

t.test('uri: pathOnly drops scheme and authority', async (t) => {
  const table: Array<[string, string]> = [
    ['/x/y?q', '/x/y'],
    ['http://example.com/a/b?x', '/a/b'],
    ['https://user@host:8443/p', '/p'],
    ['svn+ssh.1-x://host/p/q', '/p/q'],
    ['http://host', ''],
    ['http://host?x=1', ''],
    ['*', ''],
    ['example.com:443', ''],
    ['', ''],
    ['1http://x/y', ''],
    ['ht tp://x/y', ''],
    ['http:/x', ''],
    ['http:', ''],
  ]
  const h = hasher({ kind: 'uri', pathOnly: true })
  for (const [uri, key] of table) t.equal(h({ uri }), sdbm(key), `${JSON.stringify(uri)} → ${JSON.stringify(key)}`)
  t.equal(pathStart('http://example.com/a'), 18)
  t.equal(pathStart('/a'), 0)
  t.equal(pathStart('*'), 1)
  t.equal(hasher({ kind: 'uri', pathOnly: true, depth: 1 })({ uri: 'http://h/a/b' }), sdbm('/a'), 'depth counts from the path')
  t.equal(hasher({ kind: 'uri', pathOnly: true, len: 2 })({ uri: 'http://h/abc' }), sdbm('/a'), 'len counts from the path')
})

t.test('uri: function and avalanche; §2.8 map example', async (t) => {
  t.equal(hasher({ kind: 'uri' }, 'djb2')({ uri: '/index.html?x' }), djb2('/index.html'))
  t.equal(hasher({ kind: 'uri' }, 'wt6', true)({ uri: '/a' }), avalanche(wt6('/a')))
  t.equal(hasher({ kind: 'uri' }, 'sdbm', true)({ uri: '/api/v1/users' }), 3518830119)
  // §2.8: 3 equal servers, sdbm, map-based: server = table[hash mod 3], table s1 s2 s3.
  const h = hasher({ kind: 'uri' })
  const uris: Array<[string, string]> = [
    ['/', 's3'], ['/index.html', 's1'], ['/a', 's1'], ['/b', 's2'], ['/c', 's3'], ['/images/logo.png', 's1'],
    ['/api/v1/users?id=5', 's3'], ['/api/v2/orders', 's3'], ['/static/app.js', 's3'], ['/login', 's3'],
  ]
  for (const [uri, server] of uris) t.equal(`s${(h({ uri })! % 3) + 1}`, server, uri)
})

t.test('url_param: query string rules', async (t) => {
  const h = hasher({ kind: 'url_param', name: 'userid' })
  const table: Array<[string, string | undefined]> = [
    ['/p?userid=alice', 'alice'],
    ['/p?a=1&userid=bob&userid=carol', 'bob'],
    ['/p?xuserid=1&userid=2', '2'],
    ['/p?userid=', ''],
    ['/p?userid=&x=1', ''],
    ['/p?userid=a=b&c', 'a=b'],
    ['/p?a=b?userid=z', undefined],
    ['/p?x=1&&userid=y', 'y'],
    ['/p?userid', undefined],
    ['/p?userid&x=1', undefined],
    ['/p?USERID=a', undefined],
    ['/p?a=b', undefined],
    ['/p?a=userid=x', undefined],
    ['/p?user', undefined],
    ['/p', undefined],
    ['/p?', undefined],
  ]
  for (const [uri, key] of table) t.equal(h({ uri }), key === undefined ? undefined : sdbm(key), `${uri} → ${key}`)
  t.equal(h({}), undefined, 'no uri')
  t.equal(hasher({ kind: 'url_param', name: 'id' }, 'crc32', true)({ uri: '/?id=42' }), avalanche(crc32('42')))
})

t.test('url_param: §2.6 verified mapping (3 equal servers, map-based sdbm)', async (t) => {
  const h = hasher({ kind: 'url_param', name: 'userid', checkPost: true })
  const expected: Array<[string, string]> = [
    ['alice', 's3'], ['bob', 's3'], ['carol', 's2'], ['dave', 's1'], ['erin', 's3'], ['frank', 's3'],
  ]
  for (const [user, server] of expected) {
    t.equal(`s${(h({ uri: `/?userid=${user}` })! % 3) + 1}`, server, `GET ${user}`)
    t.equal(`s${(h({ uri: '/login', method: 'POST', body: `userid=${user}` })! % 3) + 1}`, server, `POST ${user}`)
  }
})

t.test('url_param: check_post body scanning', async (t) => {
  const h = hasher({ kind: 'url_param', name: 'userid', checkPost: true })
  const post = (body: string | undefined, uri: string | undefined = '/login'): PickRequest => ({ uri, method: 'POST', body })
  t.equal(h(post('userid=alice')), sdbm('alice'))
  t.equal(h(post('x=1&userid=bob')), sdbm('bob'))
  t.equal(h(post('userid=zed', '/login?userid=carol')), sdbm('carol'), 'the query wins')
  t.equal(h(post('userid=zed', '/login?userid')), sdbm('zed'), 'query without = is absent, body used')
  t.equal(h(post('userid=dave', undefined)), sdbm('dave'), 'no uri, body used')
  t.equal(h(post('userid=')), sdbm(''))
  t.equal(h(post('userid=&a=b')), sdbm(''))
  t.equal(h(post('userid=al ice')), sdbm('al'), 'a blank ends the value')
  t.equal(h(post('userid=alice\r\n')), sdbm('alice'))
  t.equal(h(post('userid=a%20b+c')), sdbm('a%20b+c'), 'URL-encoded characters are tokens')
  t.equal(h(post('userid=a"b')), undefined, 'non-token byte: not a form body')
  t.equal(h(post('userid=caf\u00e9')), undefined, 'non-ASCII: not a form body')
  t.equal(h(post('other=1')), undefined)
  t.equal(h(post(undefined)), undefined, 'no body')
  t.equal(h({ uri: '/login', method: 'GET', body: 'userid=alice' }), undefined, 'GET bodies are ignored')
  t.equal(h({ uri: '/login', method: 'post', body: 'userid=alice' }), undefined, 'methods are case-sensitive')
  t.equal(hasher({ kind: 'url_param', name: 'userid' })(post('userid=alice')), undefined, 'without checkPost')
  t.equal(hasher({ kind: 'url_param', name: 'userid', checkPost: true }, 'sdbm', true)(post('userid=alice')), avalanche(sdbm('alice')))
})

t.test('hdr: first value, trimmed; absent or empty → missing', async (t) => {
  const h = hasher({ kind: 'hdr', name: 'X-User' })
  const table: Array<[string | string[] | undefined, string | undefined]> = [
    ['alice', 'alice'],
    [['bob', 'carol'], 'bob'],
    ['a, b', 'a'],
    ['  a b  ,c', 'a b'],
    ['\ta\t', 'a'],
    ['"x,y", z', '"x,y"'],
    ['"a\\"b,c", d', '"a\\"b,c"'],
    ['"a\\\\",b', '"a\\\\"'],
    ['', undefined],
    ['   ', undefined],
    [', b', undefined],
    [[], undefined],
    [undefined, undefined],
  ]
  for (const [value, key] of table) {
    t.equal(h({ headers: { 'x-user': value } }), key === undefined ? undefined : sdbm(key), JSON.stringify(value))
  }
  t.equal(h({ headers: { other: 'x' } }), undefined, 'absent header')
  t.equal(h({}), undefined, 'no headers')
  t.equal(hasher({ kind: 'hdr', name: 'x-user' }, 'djb2', true)({ headers: { 'x-user': 'alice' } }), avalanche(djb2('alice')))
})

t.test('hdr: useDomainOnly hashes the label before the last dot', async (t) => {
  const h = hasher({ kind: 'hdr', name: 'host', useDomainOnly: true })
  const table: Array<[string, string]> = [
    ['www.example.com', 'example'],
    ['api.example.com', 'example'],
    ['example.com', 'example'],
    ['haproxy.1wt.eu', '1wt'],
    ['localhost', 'localhost'],
    ['a.b.c.d', 'c'],
    ['example.', 'example'],
    ['.com', '.com'],
    [' www.example.com , x', 'example'],
  ]
  for (const [host, key] of table) t.equal(h({ headers: { host } }), sdbm(key), `${host} → ${key}`)
})
