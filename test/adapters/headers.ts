import t from 'tap'
import { connectionTokens, isHopByHop, requestHeaders, responseHeaders } from '../../lib/adapters/headers.js'

t.test('hop-by-hop names', async (t) => {
  for (const name of ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'proxy-authorization', 'proxy-connection', 'proxy-x']) t.ok(isHopByHop(name), name)
  for (const name of ['host', 'content-length', 'x-proxy', 'cookie']) t.notOk(isHopByHop(name), name)
})

t.test('connection tokens', async (t) => {
  t.equal(connectionTokens('close, keep-alive, Upgrade, '), undefined)
  t.same([...connectionTokens(' X-A ,close,x-b')!], ['x-a', 'x-b'])
  const into = new Set(['x-z'])
  t.equal(connectionTokens('x-y', into), into)
  t.same([...into], ['x-z', 'x-y'])
})

t.test('request headers: hop-by-hop and connection-named removed, order and duplicates kept, names lower-cased', async (t) => {
  const raw = [
    'Host', 'example.com',
    'Connection', 'keep-alive, X-Secret',
    'X-Secret', 's',
    'Keep-Alive', 'timeout=5',
    'TE', 'trailers',
    'Trailer', 'x-t',
    'Transfer-Encoding', 'chunked',
    'Upgrade', 'websocket',
    'Proxy-Authorization', 'Basic x',
    'Expect', '100-continue',
    'Cookie', 'a=1',
    'Cookie', 'b=2',
    'X-Forwarded-Proto', 'gopher',
  ]
  t.same(requestHeaders(raw, 'keep-alive, X-Secret', undefined), ['host', 'example.com', 'cookie', 'a=1', 'cookie', 'b=2', 'x-forwarded-proto', 'gopher'])
  t.same(requestHeaders(raw, 'keep-alive, X-Secret', new Set(['x-forwarded-proto'])), ['host', 'example.com', 'cookie', 'a=1', 'cookie', 'b=2'])
  // common Connection values skip the token parse
  t.same(requestHeaders(['Connection', 'Close', 'X-A', '1'], 'Close', undefined), ['x-a', '1'])
  t.same(requestHeaders(['X-A', '1'], undefined, undefined), ['x-a', '1'])
})

t.test('Connection cannot name Host away', async (t) => {
  t.same(requestHeaders(['Host', 'a', 'Connection', 'host, x-a', 'X-A', '1'], 'host, x-a', undefined), ['host', 'a'])
})

t.test('two Host fields are refused', async (t) => {
  t.equal(requestHeaders(['Host', 'a', 'host', 'a'], undefined, undefined), undefined)
})

t.test('response headers: decoded, filtered, Set-Cookie lines kept apart', async (t) => {
  const raw = ['Content-Type', 'text/plain', 'Connection', 'keep-alive, x-hop', 'Keep-Alive', 'timeout=5', 'X-Hop', '1', 'Set-Cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'Set-Cookie', 'b=2', 'Transfer-Encoding', 'chunked', 'X-Bin', '\xe9'].map((s) => Buffer.from(s, 'latin1'))
  t.same(responseHeaders(raw), ['content-type', 'text/plain', 'set-cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'set-cookie', 'b=2', 'x-bin', '\xe9'])
  t.same(responseHeaders(['A', '1', 'Connection', 'close'].map((s) => Buffer.from(s))), ['a', '1'])
})

t.test('response headers: a transfer coding other than chunked makes the response invalid', async (t) => {
  for (const te of ['chunked', 'Chunked', ' chunked\t']) t.same(responseHeaders(['Transfer-Encoding', te, 'A', '1'].map((s) => Buffer.from(s))), ['a', '1'], te)
  for (const te of ['gzip', 'gzip, chunked', 'chunked, gzip', 'identity', '']) t.equal(responseHeaders(['Transfer-Encoding', te].map((s) => Buffer.from(s))), undefined, te)
})
