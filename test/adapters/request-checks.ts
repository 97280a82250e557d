import type { IncomingMessage } from 'node:http'
import t from 'tap'
import { checkRequest, originForm } from '../../lib/adapters/request-checks.js'

function req(url: string, headers: Record<string, string> = {}, rawCount = 2, major = 1): IncomingMessage {
  return { url, headers, rawHeaders: new Array(rawCount * 2).fill('x'), httpVersionMajor: major } as unknown as IncomingMessage
}

t.test('origin-form targets', async (t) => {
  const table: [string, string | undefined, string | undefined][] = [
    ['/a?b=1', 'h', '/a?b=1'],
    ['//evil.example/x', 'h', '//evil.example/x'],
    ['/a#frag', 'h', undefined],
    ['*', 'h', undefined],
    ['evil.example:80', 'h', undefined],
    ['http://h/p?q', 'h', '/p?q'],
    ['HTTP://H:80/p', 'h', '/p'],
    ['http://h', 'h:80', '/'],
    ['https://h:443/p', 'h', '/p'],
    ['http://evil/p', 'h', undefined],
    ['http://h/p', undefined, undefined],
    ['http://h/p', 'bad host!', undefined],
    ['http://[bad/p', 'h', undefined],
    ['http://user:pw@h/p', 'h', undefined],
    ['http://@h/p', 'h', undefined],
    ['http://h/p?a@b', 'h', '/p?a@b'],
  ]
  for (const [url, host, expected] of table) t.equal(originForm(url, host), expected, `${url} with Host ${host}`)
})

t.test('request checks', async (t) => {
  t.same(checkRequest(req('/'), 100), { path: '/', hasBody: false })
  t.same(checkRequest(req('/', { 'content-length': '0' }), 100), { path: '/', hasBody: false })
  t.same(checkRequest(req('/', { 'content-length': '5' }), 100), { path: '/', hasBody: true })
  t.same(checkRequest(req('/', { 'transfer-encoding': ' Chunked ' }), 100), { path: '/', hasBody: true })
  t.same(checkRequest(req('/', { 'transfer-encoding': 'gzip, chunked' }), 100), { status: 400 })
  t.same(checkRequest(req('/', {}, 101), 100), { status: 431 })
  t.same(checkRequest(req('/', {}, 100), 100), { path: '/', hasBody: false })
  t.same(checkRequest(req('/', {}, 2, 2), 100), { status: 400 }, 'HTTP/2.0 request line over HTTP/1')
  t.same(checkRequest(req('/', {}, 2, 0), 100), { status: 400 }, 'HTTP/0.9')
  t.same(checkRequest(req('/#x'), 100), { status: 400 })
})

t.test('Host must be host[:port]', async (t) => {
  const good = ['a', 'a.example.', 'a:', 'a:8080', 'a:65535', 'a:0', '[::1]:80', '127.0.0.1', 'xn--d1a.example', 'a_b', 'a%2eb']
  const bad = ['', 'a b', 'user@evil', 'a/b', 'a:65536', 'a:99999', 'a:123456', 'a:b', 'a:1:2', 'a, b', 'a,b', '[::1', 'a\\b']
  for (const host of good) t.same(checkRequest(req('/', { host }), 100), { path: '/', hasBody: false }, `Host ${JSON.stringify(host)} accepted`)
  for (const host of bad) t.same(checkRequest(req('/', { host }), 100), { status: 400 }, `Host ${JSON.stringify(host)} refused`)
})
