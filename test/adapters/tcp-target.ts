import t from 'tap'
import { createTcpTarget, parseTcpAddress } from '../../lib/adapters/tcp-target.js'

t.test('parseTcpAddress: accepted forms', async (t) => {
  const table: Array<[string, string, number]> = [
    ['127.0.0.1:80', '127.0.0.1', 80],
    ['tcp://127.0.0.1:8080', '127.0.0.1', 8080],
    ['TCP://db.internal:5432', 'db.internal', 5432],
    ['[::1]:443', '::1', 443],
    ['tcp://[2001:db8::1]:65535', '2001:db8::1', 65535],
    ['localhost:1', 'localhost', 1],
  ]
  for (const [address, host, port] of table) t.same(parseTcpAddress(address), { host, port }, address)
})

t.test('parseTcpAddress: refused forms', async (t) => {
  for (const address of [
    '',
    '127.0.0.1',
    '127.0.0.1:',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:123456',
    '127.0.0.1:8a',
    ':80',
    '::1:80',
    '[::1]',
    '[::1]80',
    '[::1:80',
    '[127.0.0.1]:80',
    'http://127.0.0.1:80',
    'tcp://127.0.0.1:80/',
    'a b:80',
    'user@host:80',
  ]) {
    t.equal(parseTcpAddress(address), undefined, JSON.stringify(address))
  }
})

t.test('createTcpTarget: connect options built once', async (t) => {
  const plain = createTcpTarget('127.0.0.1:9000', { sendProxy: false, source: undefined }, true)
  t.same(plain, { address: '127.0.0.1:9000', connect: { host: '127.0.0.1', port: 9000, noDelay: true, allowHalfOpen: true }, sendProxy: false })
  const bound = createTcpTarget('[::1]:9000', { sendProxy: 'v2', source: '::1' }, false)
  t.same(bound, { address: '[::1]:9000', connect: { host: '::1', port: 9000, noDelay: false, allowHalfOpen: true, localAddress: '::1' }, sendProxy: 'v2' })
  t.equal(createTcpTarget('nope', { sendProxy: false, source: undefined }, true), undefined)
})
